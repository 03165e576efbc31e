"""Exceptions: findings are data, an exception means the command could not run.

    CbptError
    ├── UnreadableWorkbook   the file is missing, not a workbook, encrypted or corrupt
    ├── WorkbookLocked       the file is open in Excel or LibreOffice, or read-only
    ├── WorkbookChanged      the file changed on disk since it was read
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


class MissingDependency(CbptError):
    """A tool the command needs is not available on this machine."""
