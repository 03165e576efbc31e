"""Exceptions: findings are data, an exception means the command could not run.

    CbptError                  exit code 3 unless said otherwise
    ├── UnreadableWorkbook     the file is missing, not a workbook, encrypted or corrupt
    ├── WorkbookLocked         the file is open in Excel or LibreOffice, or read-only
    ├── WorkbookChanged        the file changed on disk since it was read
    ├── StructureError         a data sheet or required column is missing, or a column doubled,
    │                          or a volunteer's own sheet bears a generated sheet's name
    ├── SheetXmlError          a part of the workbook has a shape the writer cannot patch
    ├── UnknownOrganisation    the organisation named is not in the workbook (exit code 2)
    │   └── AmbiguousOrganisation  what was typed names several organisations (exit code 2)
    ├── MissingDependency      an optional tool (Excel, xlwings add-in parts) is missing
    ├── NotInExcel             a ribbon entry point was called outside Excel, without a book
    └── AddinBuildError        the add-in could not be built

Every message is French and says what to do; the CLI prints it and exits with the
error's ``exit_code``. The modules that raised them first keep their names
(``sheetxml.SheetXmlError``, ``brief.UnknownOrganisation``, ``ribbon.NotInExcel``,
``addin.AddinBuildError``).
"""

from __future__ import annotations


class CbptError(Exception):
    """Base of every error cbpt-sheets raises on purpose (its message in French typography)."""

    exit_code = 3

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            from cbpt_sheets.core.french import typo  # light: re and datetime only

            args = (typo(args[0]),)
        super().__init__(*args)


class UnreadableWorkbook(CbptError):
    """The workbook cannot be read at all."""


class WorkbookLocked(CbptError):
    """The workbook cannot be written now (open elsewhere, read-only)."""


class WorkbookChanged(CbptError):
    """The workbook changed on disk between reading and writing."""


class StructureError(CbptError):
    """The workbook's sheets or headers do not let the command plan safely (exit 3)."""


class SheetXmlError(CbptError):
    """A part of the workbook has a shape the writer cannot patch safely."""


class UnknownOrganisation(CbptError):
    """The organisation named on the command line is not in the workbook (a usage error)."""

    exit_code = 2

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = (
            " Vouliez-vous dire : " + ", ".join(f"« {s} »" for s in suggestions) + " ?"
            if suggestions
            else " Vérifiez le Nom ou l'ID dans l'onglet Organisations."
        )
        super().__init__(f"Aucune organisation « {name} » dans le classeur.{hint}")


class AmbiguousOrganisation(UnknownOrganisation):
    """The part of a name typed on the command line is in several organisations' names."""

    def __init__(self, name: str, candidates: list[tuple[str, str | None]]) -> None:
        shown = [f"« {n} »" + (f" ({i})" if i else "") for n, i in candidates[:10]]
        more = len(candidates) - len(shown)
        listed = ", ".join(shown) + (f" et {more} autre{'s' if more > 1 else ''}" if more else "")
        CbptError.__init__(
            self,
            f"« {name} » désigne plusieurs organisations : {listed}. Donnez le Nom complet "
            "ou l'ID de celle que vous voulez.",
        )
        self.name = name
        self.suggestions = [n for n, _ in candidates]


class MissingDependency(CbptError):
    """A tool the command needs is not available on this machine."""


class NotInExcel(CbptError):
    """The entry point was not called from Excel and no workbook was given."""


class AddinBuildError(CbptError):
    """The add-in could not be built (template missing or changed, file not writable)."""


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
        errno.ENAMETOOLONG: "le nom du fichier ou du chemin est trop long",
        errno.EFBIG: "le fichier dépasse la taille permise",
        errno.EIO: "erreur de lecture ou d'écriture du disque",
        errno.EEXIST: "le fichier existe déjà",
        errno.ELOOP: "trop de liens symboliques dans le chemin",
        errno.EMFILE: "trop de fichiers ouverts",
        errno.ETXTBSY: "le fichier est utilisé par un autre programme",
    }
    # never the system's English text: the code, for whoever helps the volunteer
    return reasons.get(exc.errno or 0, f"erreur du système (code {exc.errno})")
