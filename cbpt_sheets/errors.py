"""Exceptions: findings are data, an exception means the command could not run.

    CbptError
    ├── UnreadableWorkbook   the file is missing, not a workbook, encrypted or corrupt
    ├── WorkbookLocked       the file is open in Excel or LibreOffice, or read-only
    ├── WorkbookChanged      the file changed on disk since it was read
    ├── StructureError       a data sheet or required column is missing, or a column doubled
    └── MissingDependency    an optional tool (Excel, xlwings add-in parts) is missing

Every message is French and says what to do; the CLI prints it and exits with 3.
"""

from __future__ import annotations


class CbptError(Exception):
    """Base of every error cbpt-sheets raises on purpose."""

    exit_code = 3


class UnreadableWorkbook(CbptError):
    """The workbook cannot be read at all."""


class WorkbookLocked(CbptError):
    """The workbook cannot be written now (open elsewhere, read-only)."""


class WorkbookChanged(CbptError):
    """The workbook changed on disk between reading and writing."""


class StructureError(CbptError):
    """The workbook's sheets or headers do not let the command plan safely (exit 3)."""


class MissingDependency(CbptError):
    """A tool the command needs is not available on this machine."""


def os_error_fr(exc: OSError) -> str:
    """Why a file could not be written or read, in French (the system's text is English)."""
    import errno

    reasons = {
        errno.ENOENT: "le dossier n'existe pas",
        errno.EACCES: "accès refusé (dossier ou fichier protégé en écriture)",
        errno.EPERM: "opération non permise",
        errno.EISDIR: "c'est un dossier",
        errno.ENOTDIR: "une partie du chemin n'est pas un dossier",
        errno.ENOSPC: "le disque est plein",
        errno.EROFS: "le support est en lecture seule",
        errno.EBUSY: "le fichier est utilisé par un autre programme",
    }
    return reasons.get(exc.errno or 0, exc.strerror or "erreur du système")
