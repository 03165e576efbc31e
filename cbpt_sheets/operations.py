"""The operations: one function per user action, under every front end (CLI, ribbon, scripts).

Each operation reads a workbook from a *source* (a file, or the workbook open in
Excel), computes on the pure core, hands what changes to a *sink* (the safe file
writer, or Excel through xlwings) and returns a result the front end renders::

    check_workbook(source, today) -> CheckResult             check
    fix_workbook(source, today, sink) -> FixResult           check --fix
    next_actions(source, today, sink=None) -> NextResult     next [--write], Prochaines actions
    followup_list(source, today, filters, sink=None)         followup [--write], Liste de suivi
        -> FollowUpResult;  save_followup(result, fmt, output, width) for --output
    call_brief(source, organisation, today, sink=None)       brief [--write], Fiche d'appel
        -> BriefResult
    verify(source, today, sink) -> VerifyResult              Vérifier (Contrôles, marks)

Every next action comes from ``core.plan.plan``; the reading and the planning come
before anything is handed to the sink, so a refusal (``CbptError``) writes nothing.
A sink gets one ``Changes`` (cells by sheet, generated sheets, marks) and applies
it its own way: the same changes reach a file and Excel.

Start-up: at module level only the standard library and the file opener
(``ooxml.source``: calamine, no pydantic) are imported. ``FileSource`` starts parsing
the workbook in threads, then the operations import pydantic, the checks and the
rules (about 0.3 s) inside their bodies while the parsing runs: this overlap is part
of the start-up figures of ``python benchmarks/run.py`` (check, next, followup).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cbpt_sheets.errors import CbptError
from cbpt_sheets.ooxml.source import PendingBook, open_book

if TYPE_CHECKING:
    from cbpt_sheets.core.brief import Brief
    from cbpt_sheets.core.models import (
        Finding,
        Fix,
        FollowUpItem,
        NextAction,
        RawWorkbook,
        Report,
        SheetGrid,
    )
    from cbpt_sheets.core.plan import Unmatched
    from cbpt_sheets.ooxml.files import WorkbookLock
    from cbpt_sheets.ooxml.writer import Fingerprint

Marks = dict[str, dict[tuple[int, int], str | None]]  # sheet -> (row, 1-based column) -> fill
MARK_ERROR = "#ffc7ce"  # Excel's "bad" red, for cells in error
MARK_WARNING = "#ffeb9c"  # Excel's "neutral" yellow, for warnings


# ---------------------------------------------------------------- sources and sinks


class Source(Protocol):
    """Where a workbook is read from: a file, or a workbook open in Excel."""

    label: str  # how a message names the workbook: « suivi.xlsx », Ce classeur
    hint: str  # what to do when it is not a CBPT workbook

    def read(self) -> RawWorkbook:
        """The raw workbook (data sheets and Paramètres)."""
        ...

    def sheet_rows(self, name: str) -> list[list[Any]]:
        """The values of another sheet from A1 (a generated sheet), [] when absent."""
        ...


@dataclass
class Changes:
    """What an operation changes: cells by sheet (A1 -> value, None clears), generated sheets, marks."""

    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    sheets: list[SheetGrid] = field(default_factory=list)
    marks: Marks = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.cells or self.sheets or self.marks)


class Sink(Protocol):
    """Where changes are written: the safe file writer, or Excel."""

    def write(self, changes: Changes) -> bool:
        """Apply the changes; False when nothing had to change."""
        ...


class FileSource:
    """A workbook file; its reading starts in threads as soon as it is opened.

    ``write=True``: the workbook's lock is taken (``ooxml.files.workbook_lock``: a
    second writer waits, then is refused) and the fingerprint is taken, so that a
    change made while the file is read is caught when writing (``sink()``). The lock
    is held until the sink has written (or ``close()``; the process's end frees it).
    """

    hint = (
        "Créez un classeur avec « cbpt-sheets new », ou vérifiez celui-ci avec "
        "« cbpt-sheets check »."
    )

    def __init__(self, path: str | os.PathLike[str], *, write: bool = False) -> None:
        self.path = Path(path)
        self.label = f"« {self.path.name} »"
        self.fingerprint: Fingerprint | None = None
        self.lock: WorkbookLock | None = None
        if write and self.path.is_file():
            from cbpt_sheets.ooxml.files import workbook_lock  # the writer only when writing
            from cbpt_sheets.ooxml.writer import fingerprint

            self.lock = workbook_lock(self.path).acquire()
            self.fingerprint = fingerprint(self.path)
        self._book: PendingBook | None = open_book(self.path)

    def close(self) -> None:
        """Give the workbook's lock back (no-op when not held)."""
        if self.lock is not None:
            self.lock.release()

    def read(self) -> RawWorkbook:
        """The reading started at opening; read again from the file when asked a second time."""
        from cbpt_sheets.ooxml.reader import read_raw

        book, self._book = self._book, None
        return read_raw(book if book is not None else self.path)

    def sheet_rows(self, name: str) -> list[list[Any]]:
        """Not needed from a file: the file front ends do not mark cells."""
        return []

    def sink(self, force: bool = False) -> FileSink:
        """The safe writer for this file, refusing a file changed since it was opened."""
        return FileSink(self.path, self.fingerprint, force, self.lock)


@dataclass
class FileSink:
    """The safe writer: lock check, fingerprint check, backup, atomic replace.

    Cell fills (the marks of Vérifier) are not written into files: only Excel shows them.
    """

    path: Path
    expected: Fingerprint | None = None
    force: bool = False
    lock: WorkbookLock | None = None  # taken at reading, given back once written

    def write(self, changes: Changes) -> bool:
        from cbpt_sheets.ooxml.writer import write_changes

        try:
            if not (changes.cells or changes.sheets):
                return False
            result = write_changes(
                self.path,
                cells=changes.cells,
                sheets=changes.sheets,
                expected=self.expected,
                force=self.force,
            )
            return result.written
        finally:
            if self.lock is not None:
                self.lock.release()


def open_file(path: str | os.PathLike[str], write: bool = False) -> FileSource:
    """Open a workbook file for an operation (its reading starts now, in threads)."""
    return FileSource(path, write=write)


# ---------------------------------------------------------------- shared steps


def _require_organisations(raw: RawWorkbook, source: Source) -> None:
    from cbpt_sheets.core.schema import ORGANISATIONS

    if "organisations" not in raw.sheets:
        raise CbptError(
            f"{source.label} n'est pas un classeur de suivi CBPT : la feuille "
            f"« {ORGANISATIONS.name(raw.lang)} » est absente. {source.hint}"
        )


def _read_and_plan(source: Source, today: dt.date) -> tuple[RawWorkbook, Any]:
    """The raw workbook and its plan (``core.plan``): a refusal raises here, before any write."""
    from cbpt_sheets.core.gc_pause import gc_paused
    from cbpt_sheets.core.plan import plan

    with gc_paused():  # many small acyclic objects
        raw = source.read()
        _require_organisations(raw, source)
        return raw, plan(raw, today)


def sheet_name(key: str, raw: RawWorkbook) -> str:
    """The name of a generated sheet in this workbook: the existing one, else in its language.

    The language is English when any data sheet has its English name.
    """
    from cbpt_sheets.core.schema import DATA_SHEETS, SHEETS_BY_KEY, match_sheet

    existing = next((n for n in raw.sheet_names if match_sheet(n) == key), None)
    english = any(n in (s.en for s in DATA_SHEETS if s.en != s.fr) for n in raw.sheet_names)
    return existing or SHEETS_BY_KEY[key].name("en" if english else "fr")


def _named(grid: SheetGrid, key: str, raw: RawWorkbook) -> SheetGrid:
    return grid.model_copy(update={"name": sheet_name(key, raw)})


# ---------------------------------------------------------------- check, check --fix


@dataclass(frozen=True)
class CheckResult:
    """The report of checks.md, and what was read: data sheets, rows, language, rows per sheet."""

    report: Report
    sheets: int
    rows: int
    lang: str = "fr"
    read: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (sheet name, rows)


@dataclass(frozen=True)
class FixResult:
    """The safe fixes applied (in the file when ``written``), then the report of the fixed workbook."""

    fixes: list[Fix]
    written: bool
    after: CheckResult


def _checked(raw: RawWorkbook, today: dt.date) -> CheckResult:
    from cbpt_sheets.core.checks import check_raw
    from cbpt_sheets.core.gc_pause import gc_paused

    with gc_paused():  # the checks make many small acyclic objects
        report = check_raw(raw, today)
    read = {key: (sheet.name, len(sheet.numbers)) for key, sheet in raw.sheets.items()}
    return CheckResult(report, len(raw.sheets), raw.row_count, raw.lang, read)


def check_workbook(source: Source, today: dt.date) -> CheckResult:
    """``check``: the checks of checks.md."""
    return _checked(source.read(), today)


def fix_workbook(source: Source, today: dt.date, sink: Sink) -> FixResult:
    """``check --fix``: write the safe fixes, then check the workbook again."""
    from cbpt_sheets.core.checks import safe_fixes

    raw = source.read()
    fixes = safe_fixes(raw, today)
    changes = Changes()
    for fix in fixes:
        changes.cells.setdefault(fix.sheet, {})[fix.cell] = fix.new
    written = sink.write(changes) if changes else False
    if written:
        raw = source.read()
    return FixResult(fixes, written, _checked(raw, today))


def load_and_check(
    path: str | os.PathLike[str] | PendingBook, today: dt.date | None = None
) -> tuple[RawWorkbook, Report]:
    """Read a workbook and check it (``path`` may be a book whose reading already started)."""
    from cbpt_sheets.ooxml.reader import read_raw

    raw = read_raw(path)
    return raw, _checked(raw, today or dt.date.today()).report


def check_file(path: str | os.PathLike[str], today: dt.date | None = None) -> Report:
    """The checks of checks.md on a workbook file (raises UnreadableWorkbook if unreadable)."""
    return check_workbook(open_file(path), today or dt.date.today()).report


check = check_file


# ---------------------------------------------------------------- next actions


@dataclass(frozen=True)
class NextResult:
    """The next actions, and (with a sink) the Organisations cells set: computed columns and IDs."""

    today: dt.date
    actions: list[NextAction]
    unmatched: list[Unmatched] = field(default_factory=list)  # rows naming no organisation
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)  # sheet -> A1 -> value
    ids_assigned: int = 0
    missing_columns: list[str] = field(default_factory=list)  # computed columns absent
    written: bool = False

    @property
    def cell_count(self) -> int:
        return sum(len(c) for c in self.cells.values())


def next_cells(
    raw: RawWorkbook, actions: list[NextAction]
) -> tuple[dict[str, dict[str, Any]], int]:
    """The Organisations cells that differ from the plan: computed columns and missing IDs.

    Returns (sheet -> A1 -> value, number of IDs given). A cell already holding its
    value (a due date typed as text included) is left alone.
    """
    from cbpt_sheets.core import values
    from cbpt_sheets.render import computed_values, new_ids

    sheet = raw.sheets.get("organisations")
    if sheet is None:
        return {}, 0
    by_row = {a.row: a for a in actions}
    cells: dict[str, Any] = {}
    rows = [r for r in sheet.rows if r.row in by_row]
    assigned = 0
    if "id" in sheet.columns:
        missing = [r for r in rows if values.text(r.values.get("id")) is None]
        existing = [values.text(r.values.get("id")) for r in sheet.rows]
        for raw_row, new_id in zip(missing, new_ids(existing, len(missing)), strict=True):
            cells[sheet.cell("id", raw_row.row)] = new_id
        assigned = len(missing)
    for raw_row in rows:
        for key, value in computed_values(by_row[raw_row.row]).items():
            if key not in sheet.columns:
                continue
            old = raw_row.values.get(key)
            same = (
                values.parse_date(old) == value
                if key == "due" and value is not None
                else (values.text(old) or None) == (value or None)
            )
            if not same:
                cells[sheet.cell(key, raw_row.row)] = value
    return ({sheet.name: cells} if cells else {}), assigned


def next_actions(source: Source, today: dt.date, sink: Sink | None = None) -> NextResult:
    """``next``: every organisation's next action; with a sink, ``next --write``."""
    raw, planned = _read_and_plan(source, today)
    if sink is None:
        return NextResult(today, planned.actions, planned.unmatched)
    from cbpt_sheets.core.schema import COMPUTED_KEYS, ORGANISATIONS

    orgs = raw.sheets["organisations"]
    missing = [
        ORGANISATIONS.column(k).header(raw.lang) for k in COMPUTED_KEYS if k not in orgs.columns
    ]
    cells, assigned = next_cells(raw, planned.actions)
    written = sink.write(Changes(cells=cells)) if cells else False
    return NextResult(today, planned.actions, planned.unmatched, cells, assigned, missing, written)


# ---------------------------------------------------------------- follow-up list


@dataclass(frozen=True)
class FollowUpFilters:
    """The filters of a follow-up list: due within N days, one volunteer, one library."""

    days: int | None = None
    volunteer: str | None = None
    library: str | None = None

    @property
    def subtitle(self) -> str:
        parts = [
            f"bénévole : {self.volunteer}" if self.volunteer else "",
            f"bibliothèque : {self.library}" if self.library else "",
            f"échéances à {self.days} jour{'s' if self.days != 1 else ''}"
            if self.days is not None
            else "",
        ]
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class UnknownName:
    """A --volunteer or --library that names nobody in the workbook, with the names there are."""

    wanted: str
    what: str  # bénévole, bibliothèque
    known: list[str]


@dataclass(frozen=True)
class FollowUpResult:
    """The follow-up list, the RGPD list, and the Suivi sheet (written when ``written``)."""

    today: dt.date
    filters: FollowUpFilters
    actions: list[NextAction]
    items: list[FollowUpItem]
    gdpr: list[NextAction]
    unknown: list[UnknownName]
    grid: SheetGrid  # the Suivi sheet as rendered (named Suivi)
    sheet: str  # its name in the workbook (Suivi, Follow-up)
    written: bool = False
    unmatched: list[Unmatched] = field(default_factory=list)  # rows naming no organisation


def _unknown_names(actions: list[NextAction], filters: FollowUpFilters) -> list[UnknownName]:
    from cbpt_sheets.core.followup import matches

    out: list[UnknownName] = []
    for wanted, attribute, what in (
        (filters.volunteer, "volunteer", "bénévole"),
        (filters.library, "library", "bibliothèque"),
    ):
        if not wanted:
            continue
        known = sorted({getattr(a, attribute) for a in actions if getattr(a, attribute)})
        if not any(matches(name, wanted) for name in known):
            out.append(UnknownName(wanted, what, known))
    return out


def followup_list(
    source: Source,
    today: dt.date,
    filters: FollowUpFilters | None = None,
    sink: Sink | None = None,
) -> FollowUpResult:
    """``followup``: the follow-up list; with a sink, ``followup --write`` (the Suivi sheet)."""
    from cbpt_sheets.core.followup import followup, gdpr_list
    from cbpt_sheets.core.schema import FOLLOWUP_SHEET
    from cbpt_sheets.render import suivi_grid

    filters = filters or FollowUpFilters()
    raw, planned = _read_and_plan(source, today)
    actions = planned.actions
    items = followup(actions, today, filters.days, filters.volunteer, filters.library)
    gdpr = gdpr_list(actions, filters.volunteer, filters.library)
    grid = suivi_grid(items, today, filters.subtitle, gdpr)
    named = _named(grid, FOLLOWUP_SHEET.key, raw)
    written = sink.write(Changes(sheets=[named])) if sink is not None else False
    return FollowUpResult(
        today,
        filters,
        actions,
        items,
        gdpr,
        _unknown_names(actions, filters),
        grid,
        named.name,
        written,
        planned.unmatched,
    )


def save_followup(
    result: FollowUpResult,
    fmt: str,
    output: Path,
    width: int = 100,
    inputs: tuple[Path, ...] = (),
) -> Path:
    """``followup --output F``: the list as text, JSON, CSV or an xlsx workbook of its own.

    Written through ``ooxml.files.write_output`` (temporary file, atomic replace); an
    ``output`` that is one of ``inputs`` (the workbook read) is refused (CbptError, exit 3).
    """
    from cbpt_sheets.ooxml.files import write_output

    if fmt == "xlsx":
        from cbpt_sheets.ooxml.export import save_grid

        save_grid(result.grid, output, inputs)
        return output
    from cbpt_sheets.render.formats import followup_output

    text = followup_output(
        fmt,
        result.items,
        result.today,
        result.filters.subtitle,
        result.gdpr,
        width,
        pretty=True,
        unmatched=result.unmatched,
    )
    data = text.encode("utf-8")
    write_output(output, lambda fh: fh.write(data), inputs)
    return output


# ---------------------------------------------------------------- call brief


@dataclass(frozen=True)
class BriefResult:
    """The call brief of one organisation, and the Fiche sheet (written when ``written``)."""

    brief: Brief
    grid: SheetGrid
    sheet: str
    written: bool = False


def call_brief(
    source: Source, organisation: str, today: dt.date, sink: Sink | None = None
) -> BriefResult:
    """``brief``: the call brief of an organisation (Nom or ID); with a sink, the Fiche sheet."""
    from cbpt_sheets.core.gc_pause import gc_paused
    from cbpt_sheets.core.plan import plan_brief
    from cbpt_sheets.core.schema import BRIEF_SHEET
    from cbpt_sheets.render import fiche_grid

    with gc_paused():  # many small acyclic objects
        raw = source.read()
        _require_organisations(raw, source)
        result = plan_brief(raw, organisation, today)  # the plan's refusals hold for a brief too
    grid = fiche_grid(result)
    named = _named(grid, BRIEF_SHEET.key, raw)
    written = sink.write(Changes(sheets=[named])) if sink is not None else False
    return BriefResult(result, grid, named.name, written)


def organisation_at(raw: RawWorkbook, sheet: str, row: int) -> str | None:
    """The Nom (or ID) of the organisation of a data sheet's row, None when the row names none."""
    from cbpt_sheets.core.schema import match_sheet

    key = match_sheet(sheet)
    data = raw.sheets.get(key or "")
    found = next((r for r in data.rows if r.row == row), None) if data else None
    if found is None:
        return None
    name = (
        found.values.get("name") or found.values.get("id")
        if key == "organisations"
        else found.values.get("organisation")
    )
    return str(name) if name is not None and str(name).strip() else None


# ---------------------------------------------------------------- Vérifier


@dataclass(frozen=True)
class VerifyResult:
    """The report, the Contrôles sheet, and the cells marked (new marks, old marks cleared)."""

    report: Report
    grid: SheetGrid
    sheet: str
    marks: Marks
    written: bool = False


def previous_marks(rows: list[list[Any]]) -> dict[str, set[tuple[int, int]]]:
    """Cells marked by the previous run, read back from the Contrôles sheet (sheet -> (row, col))."""
    from cbpt_sheets.core.a1 import parse_ref
    from cbpt_sheets.render.controls import HEADER_ROW

    marks: dict[str, set[tuple[int, int]]] = {}
    for row in rows[HEADER_ROW + 1 :]:
        if len(row) < 3 or not isinstance(row[1], str) or not isinstance(row[2], str):
            continue
        ref = parse_ref(row[2])
        if ref is not None:
            marks.setdefault(row[1], set()).add(ref)
    return marks


def new_marks(raw: RawWorkbook, findings: list[Finding]) -> Marks:
    """The fill of each cell to mark, by sheet: errors red, warnings yellow; computed columns left alone."""
    from cbpt_sheets.core.a1 import column_letter, parse_ref
    from cbpt_sheets.core.schema import COMPUTED_KEYS

    orgs = raw.sheets.get("organisations")
    computed = {column_letter(orgs.columns[k]) for k in COMPUTED_KEYS if orgs and k in orgs.columns}
    data_names = {s.name: s.key for s in raw.sheets.values()}
    out: Marks = {}
    for f in findings:
        if f.cell is None or f.sheet not in data_names:
            continue
        if data_names[f.sheet] == "organisations" and f.cell.rstrip("0123456789") in computed:
            continue
        ref = parse_ref(f.cell)
        if ref is None:
            continue
        cells = out.setdefault(f.sheet, {})
        if cells.get(ref) != MARK_ERROR:
            cells[ref] = MARK_ERROR if f.severity == "error" else MARK_WARNING
    return out


def verify(source: Source, today: dt.date, sink: Sink) -> VerifyResult:
    """Vérifier: the findings listed in Contrôles, cells marked, the previous run's marks cleared."""
    from cbpt_sheets.core.schema import CHECKS_SHEET, ORGANISATIONS
    from cbpt_sheets.render.controls import controls_grid

    raw = source.read()
    if not raw.sheets:  # not a CBPT workbook at all: say so rather than add Contrôles to it
        raise CbptError(
            f"{source.label} n'est pas un classeur de suivi CBPT : la feuille "
            f"« {ORGANISATIONS.name(raw.lang)} » est absente. {source.hint}"
        )
    report = _checked(raw, today).report
    grid = controls_grid(report, today)
    named = _named(grid, CHECKS_SHEET.key, raw)
    old = previous_marks(source.sheet_rows(named.name))
    fresh = new_marks(raw, report.findings)
    data_names = {s.name for s in raw.sheets.values()}
    marks: Marks = {}
    for name in sorted((set(old) | set(fresh)) & data_names):
        cells: dict[tuple[int, int], str | None] = dict.fromkeys(old.get(name, set()))
        cells.update(fresh.get(name, {}))
        marks[name] = cells
    written = sink.write(Changes(sheets=[named], marks=marks))
    return VerifyResult(report, grid, named.name, marks, written)


__all__ = [
    "BriefResult",
    "Changes",
    "CheckResult",
    "FileSink",
    "FileSource",
    "FixResult",
    "FollowUpFilters",
    "FollowUpResult",
    "NextResult",
    "Sink",
    "Source",
    "UnknownName",
    "VerifyResult",
    "call_brief",
    "check",
    "check_file",
    "check_workbook",
    "fix_workbook",
    "followup_list",
    "load_and_check",
    "next_actions",
    "open_file",
    "save_followup",
    "verify",
]
