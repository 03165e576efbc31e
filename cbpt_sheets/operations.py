"""File-level entry points over the pure checks: read a workbook, check it, apply safe fixes."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cbpt_sheets.core import checks
from cbpt_sheets.core.gc_pause import gc_paused
from cbpt_sheets.core.models import Fix, RawWorkbook, Report
from cbpt_sheets.errors import CbptError
from cbpt_sheets.ooxml.reader import read_raw
from cbpt_sheets.ooxml.source import PendingBook

if TYPE_CHECKING:  # the writer (openpyxl) is imported only when a file is written
    from cbpt_sheets.ooxml import writer


def load_and_check(
    path: str | os.PathLike[str] | PendingBook, today: dt.date | None = None
) -> tuple[RawWorkbook, Report]:
    """Read a workbook and check it; the raw workbook is returned for summaries and fixes.

    ``path`` may be a book whose reading ``source.open_book`` already started.
    """
    raw = read_raw(path)
    with gc_paused():  # the checks make many small acyclic objects
        return raw, checks.check_raw(raw, today or dt.date.today())


def check_file(path: str | os.PathLike[str], today: dt.date | None = None) -> Report:
    """The checks of checks.md on a workbook file (raises UnreadableWorkbook if unreadable)."""
    return load_and_check(path, today)[1]


check = check_file


def apply_fixes(
    path: str | os.PathLike[str],
    fixes: list[Fix],
    expected: writer.Fingerprint | None = None,
    force: bool = False,
) -> None:
    """Write the fixes into the file through the safe writer (lock check, backup, atomic replace)."""
    from cbpt_sheets.ooxml import writer

    cells: dict[str, dict[str, Any]] = {}
    for fix in fixes:
        cells.setdefault(fix.sheet, {})[fix.cell] = fix.new
    if cells:
        writer.write_changes(path, cells=cells, expected=expected, force=force)


def fix_file(
    path: str | os.PathLike[str], today: dt.date | None = None, force: bool = False
) -> tuple[list[Fix], RawWorkbook, Report]:
    """Apply the safe fixes to a file, then check it again: (fixes applied, raw, new report)."""
    from cbpt_sheets.ooxml import writer

    day = today or dt.date.today()
    before = writer.fingerprint(path) if Path(path).is_file() else None
    raw = read_raw(path)
    fixes = checks.safe_fixes(raw, day)
    if fixes:
        apply_fixes(path, fixes, before, force=force)
        raw = read_raw(path)
    return fixes, raw, checks.check_raw(raw, day)


__all__ = ["CbptError", "apply_fixes", "check", "check_file", "fix_file", "load_and_check"]
