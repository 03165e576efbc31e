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

from cbpt_sheets.errors import CbptError, os_error_fr
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
    from cbpt_sheets.core.rgpd import Clock, Held, Person, PersonCell
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


_READ_ONLY_FORMATS = {
    "ods": "« {name} » est au format OpenDocument (.ods) : cbpt-sheets le lit, mais n'écrit que "
    "dans un classeur Excel. Ouvrez-le dans LibreOffice, choisissez Fichier > Enregistrer "
    "sous…, type « Excel 2007-365 (.xlsx) », puis relancez la commande avec le fichier .xlsx.",
    "xls": "« {name} » est à l'ancien format Excel (.xls) : cbpt-sheets le lit, mais n'écrit que "
    "dans un classeur .xlsx. Ouvrez-le dans Excel, choisissez Fichier > Enregistrer sous, "
    "type « Classeur Excel (.xlsx) » (ou, dans LibreOffice, « Excel 2007-365 (.xlsx) »), "
    "puis relancez la commande avec le fichier .xlsx.",
}


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
        if write and self._book.format != "xlsx":
            self._book.close()
            raise CbptError(_READ_ONLY_FORMATS[self._book.format].format(name=self.path.name))

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


def check_workbook(
    source: Source, today: dt.date, network: list[Path] | None = None
) -> CheckResult:
    """``check``: the checks of checks.md; ``network``: other libraries' workbooks
    (``check --network``, adds ``approached-by-other-library``)."""
    raw = source.read()
    checked = _checked(raw, today)
    if network:
        from dataclasses import replace

        checked = replace(checked, report=network_findings(raw, today, network, checked.report))
    return checked


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
    partial: list[str] = field(default_factory=list)  # what the plan could not read (partial)

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
        for key, value in computed_values(by_row[raw_row.row], raw.lang).items():
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
    partial = partial_notices(planned.report)
    if sink is None:
        return NextResult(today, planned.actions, planned.unmatched, partial=partial)
    from cbpt_sheets.core.schema import COMPUTED_KEYS, ORGANISATIONS

    orgs = raw.sheets["organisations"]
    missing = [
        ORGANISATIONS.column(k).header(raw.lang) for k in COMPUTED_KEYS if k not in orgs.columns
    ]
    cells, assigned = next_cells(raw, planned.actions)
    written = sink.write(Changes(cells=cells)) if cells else False
    return NextResult(
        today, planned.actions, planned.unmatched, cells, assigned, missing, written, partial
    )


PARTIAL_NOTICE = "Attention, calcul sur des données incomplètes : {where} : {message}"
"""How every front end says what a plan was made without (one text for all)."""
PARTIAL_CODES = frozenset({"missing-column"})
"""Warnings that mean the plan was made without a column it reads (Suivi, issue 14's
review): every answer built on it says so."""


def partial_notices(report: Report | None) -> list[str]:
    """« Attention, calcul sur des données incomplètes : Organisations : La colonne
    « Suivi » est absente… » for each ``PARTIAL_CODES`` warning of the check the plan was
    made from (the plan goes on; it says so)."""
    if report is None:
        return []
    return [
        PARTIAL_NOTICE.format(where=f"{f.sheet}{'!' + f.cell if f.cell else ''}", message=f.message)
        for f in report.findings
        if f.code in PARTIAL_CODES and f.severity == "warning"
    ]


# ---------------------------------------------------------------- follow-up list


@dataclass(frozen=True)
class FollowUpFilters:
    """The filters of a follow-up list: due within N days, one volunteer, one library."""

    days: int | None = None
    volunteer: str | None = None
    library: str | None = None

    @property
    def subtitle(self) -> str:
        """``bénévole : Claire · échéances à 7 jours`` (French)."""
        return self.subtitle_in("fr")

    def subtitle_in(self, lang: str) -> str:
        """The filters in words, in ``lang`` (the workbook's language, for the Suivi sheet)."""
        from cbpt_sheets.core.texts import Sheets

        if self.days is None:
            horizon = ""
        elif self.days == 0:
            horizon = Sheets.FOLLOWUP_TODAY(lang)
        elif self.days == 1:
            horizon = Sheets.FOLLOWUP_ONE_DAY(lang)
        else:
            horizon = Sheets.FOLLOWUP_DAYS(lang, days=self.days)
        parts = [
            Sheets.VOLUNTEER(lang, name=self.volunteer) if self.volunteer else "",
            Sheets.LIBRARY(lang, name=self.library) if self.library else "",
            horizon,
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
    partial: list[str] = field(default_factory=list)  # what the plan could not read


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
    grid = suivi_grid(
        items, today, filters.subtitle_in(raw.lang), gdpr, raw.lang, filters.volunteer
    )
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
        partial_notices(planned.report),
    )


def write_output(output: Path, data: bytes, inputs: tuple[Path, ...] = ()) -> Path:
    """Write bytes to an output file the safe way (``ooxml.files.write_output``: temporary
    file, atomic replace, symbolic link written through, an input refused).

    Raises ``CbptError`` (exit 3, French message) when the file cannot be written.
    """
    from cbpt_sheets.ooxml.files import write_output as write_file

    return write_file(output, lambda fh: fh.write(data), inputs)


def save_followup(
    result: FollowUpResult,
    fmt: str,
    output: Path,
    width: int = 100,
    inputs: tuple[Path, ...] = (),
) -> Path:
    """``followup --output F``: the list as text, JSON, CSV, an xlsx workbook of its own or PDF.

    Written through ``ooxml.files.write_output`` (temporary file, atomic replace); an
    ``output`` that is one of ``inputs`` (the workbook read) is refused (CbptError, exit 3).
    """
    if fmt == "xlsx":
        from cbpt_sheets.ooxml.export import save_grid

        save_grid(result.grid, output, inputs)
        return output
    if fmt == "pdf":
        from cbpt_sheets.render.pdf import grid_pdf

        write_output(output, grid_pdf(result.grid, result.today), inputs)
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
    write_output(output, text.encode("utf-8"), inputs)
    return output


# ---------------------------------------------------------------- call brief


@dataclass(frozen=True)
class BriefResult:
    """The call brief of one organisation, and the Fiche sheet (written when ``written``)."""

    brief: Brief
    grid: SheetGrid
    sheet: str
    written: bool = False
    lang: str = "fr"  # the workbook's language: the brief's texts are in it


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
    grid = fiche_grid(result, raw.lang)
    named = _named(grid, BRIEF_SHEET.key, raw)
    written = sink.write(Changes(sheets=[named])) if sink is not None else False
    return BriefResult(result, grid, named.name, written, raw.lang)


def save_brief(
    result: BriefResult,
    fmt: str,
    output: Path,
    width: int = 100,
    inputs: tuple[Path, ...] = (),
) -> Path:
    """``brief --output F``: the call brief as text or as a printable PDF (``fmt``: text, pdf).

    ``inputs``: the workbook read, never overwritten (CbptError, exit 3).
    """
    if fmt == "pdf":
        from cbpt_sheets.render.pdf import grid_pdf

        write_output(output, grid_pdf(result.grid, result.brief.today), inputs)
    else:
        from cbpt_sheets.render import brief_text

        write_output(output, brief_text(result.brief, width, result.lang).encode("utf-8"), inputs)
    return output


# ---------------------------------------------------------------- report, agenda


def _read_and_link(
    source: Source, today: dt.date
) -> tuple[RawWorkbook, Any, list[Any], list[NextAction], list[str]]:
    """The raw workbook, its typed workbook, each organisation's history and next action,
    and what the plan could not read (``partial_notices``).

    The same planning as ``core.plan.plan`` (its refusals included), keeping the histories
    the figures and the calendar read.
    """
    from cbpt_sheets.core.gc_pause import gc_paused
    from cbpt_sheets.core.plan import inputs
    from cbpt_sheets.core.rules import link, next_action

    with gc_paused():  # many small acyclic objects
        raw = source.read()
        _require_organisations(raw, source)
        given = inputs(raw, today)
        histories = link(given.workbook, given.aliases, given.blockers)
        settings = given.workbook.settings
        actions = [next_action(h, settings, today) for h in histories]
    return raw, given.workbook, histories, actions, partial_notices(given.report)


@dataclass(frozen=True)
class ReportResult:
    """The campaign's figures, and the Tableau de bord sheet (written when ``written``)."""

    campaign: Any  # core.report.Campaign
    grid: SheetGrid
    sheet: str
    unknown: list[UnknownName] = field(default_factory=list)
    written: bool = False
    partial: list[str] = field(default_factory=list)  # what the plan could not read


def campaign_report(
    source: Source,
    today: dt.date,
    start: dt.date | None = None,
    library: str | None = None,
    sink: Sink | None = None,
) -> ReportResult:
    """``report``: the campaign's figures; with a sink, ``report --write`` (Tableau de bord).

    Raises ``CbptError`` when ``start`` is after ``today``.
    """
    from cbpt_sheets.core.report import campaign
    from cbpt_sheets.core.schema import DASHBOARD_SHEET
    from cbpt_sheets.render.report import dashboard_grid

    if start is not None and start > today:
        raise CbptError(
            f"La date de début ({start:%d/%m/%Y}) est après aujourd'hui ({today:%d/%m/%Y})\u00a0: "
            "choisissez une date passée avec --from."
        )
    raw, workbook, histories, actions, partial = _read_and_link(source, today)
    figures = campaign(
        histories,
        actions,
        workbook.contacts,
        today,
        start,
        library,
        volunteers=[] if library else workbook.settings.volunteers,
    )
    grid = dashboard_grid(figures)
    named = _named(grid, DASHBOARD_SHEET.key, raw)
    written = sink.write(Changes(sheets=[named])) if sink is not None else False
    unknown = _unknown_names(actions, FollowUpFilters(library=library))
    return ReportResult(figures, grid, named.name, unknown, written, partial)


@dataclass(frozen=True)
class AgendaResult:
    """The calendar's events (``core.agenda.Event``), and the names the filters did not find."""

    today: dt.date
    events: list[Any]
    unknown: list[UnknownName] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)  # what the plan could not read


def agenda(
    source: Source, today: dt.date, days: int | None = None, volunteer: str | None = None
) -> AgendaResult:
    """``agenda``: the dated actions of the follow-up list and the appointments, as events."""
    from cbpt_sheets.core.agenda import events

    _raw, _workbook, histories, actions, partial = _read_and_link(source, today)
    found = events(histories, actions, today, days, volunteer)
    unknown = _unknown_names(actions, FollowUpFilters(volunteer=volunteer))
    return AgendaResult(today, found, unknown, partial)


def refuse_input_as_output(output: Path, inputs: list[Path]) -> None:
    """Raise ``CbptError`` when an output file is one of the input workbooks (never
    overwritten), by any name or link (``ooxml.files.refuse_input``)."""
    from cbpt_sheets.ooxml.files import refuse_input

    refuse_input(output, inputs)


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


# ---------------------------------------------------------------- RGPD: list, export, erase


@dataclass
class _People:
    """A workbook's people, their organisations' retention clocks and its planned histories."""

    raw: RawWorkbook
    everyone: list[Person]
    clocks: dict[str, Clock]
    opt_outs: dict[str, bool]  # organisation -> a refusal noted (outcome or Suivi)
    org_rows: dict[str, int]  # organisation -> its Excel row on Organisations
    months: int
    order: dict[str, int]  # sheet name -> its position in the workbook


def _read_people(source: Source, today: dt.date) -> _People:
    from cbpt_sheets.core import values
    from cbpt_sheets.core.gc_pause import gc_paused
    from cbpt_sheets.core.plan import inputs
    from cbpt_sheets.core.rgpd import people, retention_clock
    from cbpt_sheets.core.rules import link

    with gc_paused():
        raw = source.read()
        _require_organisations(raw, source)
        given = inputs(raw, today)  # a broken structure is refused here, as for next
        histories = link(given.workbook, given.aliases)
    organisation_of: dict[tuple[str, int], str] = {}
    clocks: dict[str, Clock] = {}
    opt_outs: dict[str, bool] = {}
    org_rows: dict[str, int] = {}
    for h in histories:
        name = h.org.name
        organisation_of.setdefault(("organisations", h.org.row), name)
        org_rows.setdefault(name, h.org.row)
        for c in h.contacts:
            organisation_of.setdefault(("calls", c.row), name)
        for a in h.appointments:
            organisation_of.setdefault(("appointments", a.row), name)
        clocks.setdefault(name, retention_clock((c.date, c.outcome) for c in h.dated))
        opt_outs[name] = opt_outs.get(name, False) or (
            h.org.tracking == "opposition" or any(c.outcome == "opt-out" for c in h.contacts)
        )
    for key, sheet in raw.sheets.items():  # rows linked to no organisation: the name they give
        label_key = "name" if key == "organisations" else "organisation"
        labels = sheet.data.get(label_key) or [None] * len(sheet.numbers)
        for row, label in zip(sheet.numbers, labels, strict=True):
            text = values.text(label)
            organisation_of.setdefault((key, row), text or f"({sheet.name}, ligne {row})")
    return _People(
        raw,
        people(raw, organisation_of),
        clocks,
        opt_outs,
        org_rows,
        given.workbook.settings.retention_months,
        {name: i for i, name in enumerate(raw.sheet_names)},
    )


@dataclass(frozen=True)
class GdprListResult:
    """``rgpd list``: the people whose personal data is past retention (JSON ``people``)."""

    today: dt.date
    months: int
    held: list[Held]
    order: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        """``{"today", "people": [{"organisation", "name", "last_answered", "expires", "cells"}]}``."""
        return {
            "today": self.today.isoformat(),
            "people": [h.as_json(self.order) for h in self.held],
        }


def gdpr_list(source: Source, today: dt.date) -> GdprListResult:
    """``rgpd list``: everyone past retention, with their cells, in sheet order."""
    from cbpt_sheets.core.rgpd import held_people

    found = _read_people(source, today)
    held = [h for h in held_people(found.everyone, found.clocks, found.months, today) if h.expired]
    return GdprListResult(today, found.months, held, found.order)


@dataclass(frozen=True)
class GdprExportResult:
    """``rgpd export``: every cell the workbook holds about one person (JSON ``cells``)."""

    person: str
    people: list[Person]
    cells: list[PersonCell]

    def as_json(self) -> dict[str, Any]:
        """``{"person": QUERY, "cells": [{"sheet", "cell", "column", "value"}]}``."""
        return {"person": self.person, "cells": [c.as_json() for c in self.cells]}


def _mentions(
    path: Path, found: _People, targets: list[Person], known: set[tuple[str, str]]
) -> list[PersonCell]:
    """Cells of any sheet, outside the people's own cells, whose text holds a trace of them."""
    from cbpt_sheets.core.rgpd import trace_regex

    terms = sorted({t for p in targets for t in p.terms()}, key=len, reverse=True)
    return _cells_holding(path, found, trace_regex(terms), known)


def _cells_holding(
    path: Path, found: _People, pattern: Any, known: set[tuple[str, str]]
) -> list[PersonCell]:
    """The text cells of every sheet (outside ``known``) that ``pattern`` finds."""
    from cbpt_sheets.core.a1 import column_letter
    from cbpt_sheets.core.rgpd import PersonCell, trace_cells
    from cbpt_sheets.ooxml.rgpd import sheet_texts

    if pattern is None:
        return []
    keys = {s.name: s for s in found.raw.sheets.values()}
    out: list[PersonCell] = []
    for name, rows in sheet_texts(path).items():
        data = keys.get(name)
        by_index = {i: k for k, i in data.columns.items()} if data is not None else {}
        for row, col, text in trace_cells(rows, pattern):
            cell = f"{column_letter(col)}{row}"
            if (name, cell) in known:
                continue
            column_key = by_index.get(col, "")
            header = (
                str(data.headers[col]).strip()
                if data is not None and col < len(data.headers) and row > data.header_row
                else column_letter(col)
            )
            out.append(
                PersonCell(
                    name, data.key if data else "", row, column_key, header, cell, text, "mention"
                )
            )
    return out


def gdpr_export(source: FileSource, query: str, today: dt.date) -> GdprExportResult:
    """``rgpd export``: the people a query names (name, phone, e-mail) and all their cells.

    Their own cells (names, roles, phones, e-mails, notes naming them) come first, in
    sheet order; then every other cell of any sheet whose text holds one of their
    names, numbers or addresses (a computed Prochaine action, the Suivi sheet...).
    """
    from cbpt_sheets.core.rgpd import find_people

    found = _read_people(source, today)
    targets = find_people(found.everyone, query)
    own = _ordered([c for p in targets for c in p.cells], found.order)
    known = {(c.sheet, c.cell) for c in own}
    if targets:
        mentions = _mentions(source.path, found, targets, known)
    else:  # named in no person column, perhaps in a note (« Rappeler M. Lefort »)
        mentions = query_mentions(source.path, found, query)
    return GdprExportResult(query, targets, own + _ordered(mentions, found.order))


def query_mentions(path: Path, found: _People, query: str) -> list[PersonCell]:
    """The text cells holding ``query`` as typed (case ignored, at word bounds), for a
    person no name, phone or e-mail column holds: the right of access lists them, and
    the erasure names them to clear by hand. Queries under 3 characters find nothing."""
    import re

    text = " ".join(query.split())
    if len(text) < 3:
        return []
    pattern = re.compile(r"(?<!\w)" + re.escape(text) + r"(?!\w)", re.IGNORECASE)
    return _cells_holding(path, found, pattern, set())


def gdpr_mentions(source: FileSource, query: str, today: dt.date) -> list[PersonCell]:
    """``query_mentions`` of a workbook (``rgpd erase`` when no person matches)."""
    found = _read_people(source, today)
    return _ordered(query_mentions(source.path, found, query), found.order)


def _ordered(cells: list[PersonCell], order: dict[str, int]) -> list[PersonCell]:
    from cbpt_sheets.core.a1 import parse_ref

    unique = {(c.sheet, c.cell): c for c in cells}
    return sorted(
        unique.values(), key=lambda c: (order.get(c.sheet, 99), c.row, parse_ref(c.cell) or (0, 0))
    )


@dataclass
class ErasurePlan:
    """What ``rgpd erase`` will change, shown before it asks; ``gdpr_erase`` applies it."""

    source: FileSource
    today: dt.date
    reason: str
    people: list[Person]
    erased: list[PersonCell]  # the people's own cells, blanked
    rewritten: list[tuple[PersonCell, Any]]  # other cells holding a trace, and their new value
    kept: list[PersonCell]  # cells left as they are (a Nom, an Organisation): still a trace
    markers: list[str]  # organisations whose Suivi is set to « Ne pas contacter »
    register: str  # the register sheet's name
    register_rows: list[list[Any]]
    copies: list[Path]  # backups and versions that will be deleted
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    sheets: list[SheetGrid] = field(default_factory=list)
    pattern: Any = None  # re.Pattern of every trace


@dataclass(frozen=True)
class ErasureResult:
    """What ``rgpd erase`` did: cells written, copies deleted, parts still holding a trace."""

    plan: ErasurePlan
    written: bool
    copies_removed: list[Path]
    traces: list[str]  # "file: part" still holding a trace (empty when none)


REGISTER_HEADERS = {
    "fr": ["Date", "Organisation", "Données effacées", "Motif", "Cellules"],
    "en": ["Date", "Organisation", "Data erased", "Reason", "Cells"],
}


def plan_erasure(
    source: FileSource,
    today: dt.date,
    query: str | None = None,
    expired: bool = False,
    reason: str | None = None,
    force: bool = False,
) -> ErasurePlan:
    """``rgpd erase``: who and what will be erased, before asking (nothing written yet).

    ``query`` names one person (name, phone, e-mail); ``expired``: everyone past
    retention. Raises WorkbookLocked at once when the workbook is open elsewhere.
    """
    from cbpt_sheets.core.a1 import column_letter, parse_ref
    from cbpt_sheets.core.french import format_date
    from cbpt_sheets.core.rgpd import (
        COMPUTED_KEYS,
        KEPT_KEYS,
        find_people,
        held_people,
        redact,
        summary,
        trace_regex,
    )
    from cbpt_sheets.core.schema import REGISTER_SHEET, TRACKING
    from cbpt_sheets.ooxml.rgpd import kept_copies, sheet_texts
    from cbpt_sheets.ooxml.writer import ensure_writable

    ensure_writable(source.path, force)
    found = _read_people(source, today)
    raw = found.raw
    if expired:
        held = [
            h for h in held_people(found.everyone, found.clocks, found.months, today) if h.expired
        ]
        targets = [h.person for h in held]
        why = {
            id(h.person): reason
            or (
                f"Durée de conservation dépassée ({found.months} mois sans échange depuis le "
                f"{format_date(h.clock.start)})"
            )
            for h in held
        }
    else:
        targets = find_people(found.everyone, query or "")
        why = {
            id(p): reason or "Demande de la personne concernée (droit à l'effacement)"
            for p in targets
        }
    erased = _ordered([c for p in targets for c in p.cells], found.order)
    cells: dict[str, dict[str, Any]] = {}
    for c in erased:
        cells.setdefault(c.sheet, {})[c.cell] = None
    pattern = trace_regex(sorted({t for p in targets for t in p.terms()}, key=len, reverse=True))
    erased_raw = _blanked(raw, erased)
    actions: dict[int, NextAction] = {}
    if erased:
        from cbpt_sheets.core.plan import plan

        actions = {a.row: a for a in plan(erased_raw, today).actions}
    rewritten: list[tuple[PersonCell, Any]] = []
    kept: list[PersonCell] = []
    known = {(c.sheet, c.cell) for c in erased}
    if targets:
        from cbpt_sheets.render import computed_values

        for m in _mentions(source.path, found, targets, known):
            new: Any
            if m.sheet_key and m.column_key in KEPT_KEYS.get(m.sheet_key, frozenset()):
                kept.append(m)
                continue
            if (
                m.sheet_key == "organisations"
                and m.column_key in COMPUTED_KEYS
                and m.row in actions
            ):
                new = computed_values(actions[m.row])[m.column_key]
                if isinstance(new, str) and pattern is not None and pattern.search(new):
                    new = redact(new, pattern, raw.lang)
            else:
                assert pattern is not None
                new = redact(str(m.value), pattern, raw.lang)
            rewritten.append((m, new))
            cells.setdefault(m.sheet, {})[m.cell] = new
    # the refusal stays in force: Suivi « Ne pas contacter » on the organisation's row
    markers: list[str] = []
    orgs = raw.sheets["organisations"]
    if "tracking" in orgs.columns:
        label = TRACKING.by_code("opposition").label(raw.lang)
        for org in dict.fromkeys(p.organisation for p in targets):
            row = found.org_rows.get(org)
            if row is None or not found.opt_outs.get(org):
                continue
            position = orgs.numbers.index(row)
            current = (orgs.data.get("tracking") or [None] * len(orgs.numbers))[position]
            if str(current or "").strip() != label:
                cells.setdefault(orgs.name, {})[orgs.cell("tracking", row)] = label
                markers.append(org)
    # one register line per person: the date, the organisation, what, why; no personal data
    lines: list[list[Any]] = []
    for person in targets:
        lines.append(
            [today, person.organisation, summary(person.cells), why[id(person)], len(person.cells)]
        )
    register = sheet_name(REGISTER_SHEET.key, raw)
    sheets: list[SheetGrid] = []
    if lines:
        if register in raw.sheet_names:
            rows = sheet_texts(source.path).get(register, [])
            last = max(
                (i + 1 for i, r in enumerate(rows) if any(x not in ("", None) for x in r)),
                default=0,
            )
            target = cells.setdefault(register, {})
            for offset, line in enumerate(lines, start=last + 1):
                for col, value in enumerate(line):
                    target[f"{column_letter(col)}{offset}"] = value
        else:
            from cbpt_sheets.core.models import SheetGrid

            lang = "en" if register == REGISTER_SHEET.en else "fr"
            sheets.append(
                SheetGrid(
                    name=register,
                    rows=[REGISTER_HEADERS[lang], *lines],
                    widths=[12.0, 30.0, 60.0, 60.0, 10.0],
                    header_rows=[0],
                    wrap_columns=[2, 3],
                )
            )
    assert all(parse_ref(ref) for sheet in cells.values() for ref in sheet)
    return ErasurePlan(
        source,
        today,
        reason or "",
        targets,
        erased,
        rewritten,
        kept,
        markers,
        register,
        lines,
        kept_copies(source.path) if targets else _copies_holding(source.path, query, today),
        cells,
        sheets,
        pattern,
    )


def _copies_holding(path: Path, query: str | None, today: dt.date) -> list[Path]:
    """The kept copies that still hold the person a query names (an erasure interrupted
    between its write and the deletion of the copies); an interrupted temporary copy always."""
    from cbpt_sheets.core.rgpd import find_people
    from cbpt_sheets.ooxml.rgpd import kept_copies

    if not query:
        return []
    out: list[Path] = []
    for copy in kept_copies(path):
        if copy.suffix == ".tmp":
            out.append(copy)
            continue
        try:
            found = _read_people(open_file(copy), today)
        except CbptError:
            continue
        if find_people(found.everyone, query):
            out.append(copy)
    return out


def _purge(path: Path, copies: list[Path] | None) -> list[Path]:
    """Delete the kept copies (all of them when ``copies`` is None); a French error if one stays."""
    from cbpt_sheets.ooxml.rgpd import purge_copies

    try:
        return purge_copies(path, copies)
    except OSError as exc:
        raise CbptError(
            f"Une copie de sauvegarde de « {path.name} » qui contient ces données n'a pas pu "
            f"être supprimée : {os_error_fr(exc)}. Supprimez à la main les fichiers "
            f"« {path.stem}.bak… » du dossier, puis relancez la commande."
        ) from exc


def _blanked(raw: RawWorkbook, erased: list[PersonCell]) -> RawWorkbook:
    """A copy of the raw workbook with the erased cells blank (the original is untouched)."""
    import dataclasses

    by_sheet: dict[str, list[PersonCell]] = {}
    for c in erased:
        by_sheet.setdefault(c.sheet_key, []).append(c)
    sheets = dict(raw.sheets)
    for key, cells in by_sheet.items():
        sheet = sheets[key]
        data = dict(sheet.data)
        index = {row: i for i, row in enumerate(sheet.numbers)}
        for c in cells:
            column = data[c.column_key] = list(data[c.column_key])
            column[index[c.row]] = None
        sheets[key] = dataclasses.replace(sheet, data=data)
    return dataclasses.replace(raw, sheets=sheets)


def gdpr_erase(plan: ErasurePlan, force: bool = False) -> ErasureResult:
    """Apply an erasure plan through the safe writer, then delete every kept copy.

    The shared strings that held the people are emptied in the same write; the
    backup the write keeps, and every other backup or version of the workbook, are
    deleted (they hold the people). Raises WorkbookLocked or WorkbookChanged as any write.
    """
    from cbpt_sheets.ooxml.rgpd import package_traces, shared_strings_scrubber
    from cbpt_sheets.ooxml.writer import write_changes

    if not plan.people:  # only copies left holding the person: delete them
        return ErasureResult(plan, False, _purge(plan.source.path, plan.copies), [])
    source = plan.source
    result = write_changes(
        source.path,
        cells=plan.cells,
        sheets=plan.sheets,
        expected=source.fingerprint,
        force=force,
        scrub=shared_strings_scrubber(plan.pattern),
    )
    removed = _purge(source.path, None)
    traces = [f"{source.path.name} : {part}" for part in package_traces(source.path, plan.pattern)]
    return ErasureResult(plan, result.written, removed, traces)


__all__ = [
    "AgendaResult",
    "BriefResult",
    "Changes",
    "CheckResult",
    "ErasurePlan",
    "ErasureResult",
    "FileSink",
    "FileSource",
    "FixResult",
    "FollowUpFilters",
    "FollowUpResult",
    "GdprExportResult",
    "GdprListResult",
    "NextResult",
    "ReportResult",
    "Sink",
    "Source",
    "UnknownName",
    "VerifyResult",
    "agenda",
    "call_brief",
    "campaign_report",
    "check",
    "check_file",
    "check_workbook",
    "fix_workbook",
    "followup_list",
    "gdpr_erase",
    "gdpr_export",
    "gdpr_list",
    "load_and_check",
    "next_actions",
    "open_file",
    "plan_erasure",
    "save_followup",
    "verify",
    "write_output",
]


# ---------------------------------------------------------------- drafts


@dataclass(frozen=True)
class WrittenDraft:
    """One draft and what happened to its file: ``written``, or ``kept`` (already there)."""

    draft: Any  # core.drafts.Draft
    path: Path
    status: str  # "written" | "kept"

    def as_json(self) -> dict[str, Any]:
        """``{"organisation", "id", "action", "kind", "path", "status", "missing"}``."""
        d = self.draft
        return {
            "organisation": d.organisation,
            "id": d.id,
            "action": d.action,
            "kind": d.kind,
            "path": str(self.path),
            "status": self.status,
            "missing": list(d.missing),
        }


@dataclass(frozen=True)
class DraftsResult:
    """``drafts``: the drafts written to ``folder``, and the template folder used."""

    today: dt.date
    folder: Path
    drafts: list[WrittenDraft]
    templates: Path | None  # the coordinator's folder, when Paramètres names one that exists
    unfound_templates: str | None  # a folder named in Paramètres that does not exist
    unmatched: list[Unmatched] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)  # what the plan could not read


def write_new_file(path: Path, data: bytes, force: bool = False) -> bool:
    """Write ``data`` to ``path`` the safe way (``write_output``: temporary file, atomic
    replace, a symbolic link written through).

    Returns False, writing nothing, when ``path`` exists and not ``force`` (a draft
    the volunteer may have edited is never replaced unasked). Raises CbptError
    (French, naming the file) on an OS error.
    """
    if path.exists() and not force:
        return False
    write_output(path, data)
    return True


def write_drafts(
    source: FileSource,
    today: dt.date,
    folder: Path,
    filters: FollowUpFilters | None = None,
    force: bool = False,
    now: dt.datetime | None = None,
) -> DraftsResult:
    """``drafts``: one .eml and/or .docx per writing action due within the filters' horizon.

    ``folder`` is created when missing (its parent must exist). An existing draft is
    kept unless ``force``. Raises CbptError on a broken workbook (as ``next``), a
    template error or a file that cannot be written.
    """
    from cbpt_sheets.core.plan import plan_drafts
    from cbpt_sheets.render.drafts import email_bytes, find_templates, letter_bytes

    filters = filters or FollowUpFilters()
    raw = source.read()
    _require_organisations(raw, source)
    planned, drafts = plan_drafts(raw, today, filters.days, filters.volunteer, filters.library)
    settings_dir = raw.settings.get("templates_dir")
    templates = find_templates(
        str(settings_dir).strip() if settings_dir not in (None, "") else None,
        Path(raw.path).resolve().parent,
    )
    if folder.exists() and not folder.is_dir():
        raise CbptError(f"« {folder} » est un fichier : donnez un dossier pour les brouillons.")
    try:
        folder.mkdir(exist_ok=True)
    except FileNotFoundError as exc:
        raise CbptError(
            f"Le dossier « {folder.parent} » n'existe pas : créez-le, ou choisissez un autre dossier."
        ) from exc
    except OSError as exc:
        raise CbptError(
            f"Impossible de créer le dossier « {folder} » : {os_error_fr(exc)}."
        ) from exc
    moment = now or dt.datetime.now().astimezone()
    done: list[WrittenDraft] = []
    for draft in drafts:
        target = folder / draft.file_name
        if draft.kind == "email":
            data = email_bytes(draft, templates, moment)
        else:
            data = letter_bytes(draft, templates, today)
        written = write_new_file(target, data, force)
        done.append(WrittenDraft(draft, target, "written" if written else "kept"))
    return DraftsResult(
        today,
        folder,
        done,
        templates.custom,
        templates.unfound,
        planned.unmatched,
        partial_notices(planned.report),
    )


def copy_templates(folder: Path, force: bool = False) -> list[tuple[Path, bool]]:
    """``templates DIR``: copy the shipped draft templates there, for a coordinator to edit.

    Returns (path, copied) per file; an existing file is kept unless ``force``.
    """
    from cbpt_sheets.render.drafts import TEMPLATE_FILES, shipped_dir

    shipped = shipped_dir()
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise CbptError(
            f"Impossible de créer le dossier « {folder} » : {os_error_fr(exc)}."
        ) from exc
    out = []
    for name in TEMPLATE_FILES:
        target = folder / name
        out.append((target, write_new_file(target, (shipped / name).read_bytes(), force)))
    return out


# ---------------------------------------------------------------- the network


@dataclass(frozen=True)
class NetworkResult:
    """``network``: the libraries read, the duplicates across them, the workbook written."""

    today: dt.date
    libraries: list[Any]  # core.network.Library, in the order given
    duplicates: list[Any]  # core.network.Duplicate, best score first
    output: Path | None = None
    differing_settings: list[str] = field(default_factory=list)  # setting keys that differ

    def as_json(self) -> dict[str, Any]:
        """``{"today", "files", "libraries", "duplicates", "output"}`` (interfaces.md)."""
        return {
            "today": self.today.isoformat(),
            "files": [lib.file for lib in self.libraries],
            "libraries": [
                {
                    "file": lib.file,
                    "library": lib.library,
                    "organisations": len(lib.histories),
                    "errors": lib.errors,
                    "warnings": lib.warnings,
                }
                for lib in self.libraries
            ],
            "duplicates": [d.as_json() for d in self.duplicates],
            "output": str(self.output) if self.output else None,
        }


def library_of(raw: RawWorkbook, path: str | os.PathLike[str]) -> str:
    """A workbook's library: the only one of Paramètres' list, else the file's name."""
    return raw.libraries[0] if len(raw.libraries) == 1 else Path(path).stem


def read_library(path: str | os.PathLike[str], today: dt.date) -> Any:
    """One library's workbook, checked and planned (``core.network.Library``).

    Raises CbptError (naming the file) when it cannot be read or planned.
    """
    from cbpt_sheets.core.network import Library
    from cbpt_sheets.core.plan import plan_histories

    source = open_file(path)
    raw = source.read()
    _require_organisations(raw, source)
    try:
        planned, histories, workbook = plan_histories(raw, today)
    except CbptError as exc:
        raise CbptError(f"{Path(path).name} : {exc}") from exc
    report = planned.report
    assert report is not None
    return Library(
        file=str(path),
        library=library_of(raw, path),
        workbook=workbook,
        histories=histories,
        stages=[a.stage for a in planned.actions],
        labels=[a.label for a in planned.actions],
        errors=report.counts.get("error", 0),
        warnings=report.counts.get("warning", 0),
    )


def _read_libraries(paths: list[Path], today: dt.date) -> list[Any]:
    """``read_library`` on each file; from three files on, in worker processes, one per core.

    Each file's check and plan is pure Python (the GIL): processes are what uses the
    cores of a coordinator's computer (``benchmarks/run.py --network`` measures it).
    """
    workers = min(len(paths), os.cpu_count() or 1)
    if workers < 2 or len(paths) < 3:
        return [read_library(path, today) for path in paths]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"  # no fork of a threaded process
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        return list(pool.map(read_library, paths, [today] * len(paths)))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def network_view(paths: list[Path], today: dt.date, output: Path | None = None) -> NetworkResult:
    """``network``: several libraries' workbooks (read only): duplicates, and a network workbook.

    Raises CbptError when a workbook cannot be read or planned, or when ``output``
    is one of the workbooks read.
    """
    from cbpt_sheets.core.network import find_duplicates, network_rows
    from cbpt_sheets.core.schema import SETTINGS

    seen: list[Path] = []
    for path in paths:
        if any(_same_file(path, other) for other in seen):
            raise CbptError(f"« {path} » est donné deux fois : chaque classeur une seule fois.")
        seen.append(path)
    if output is not None:
        if output.suffix.lower() != ".xlsx":
            raise CbptError(
                f"« {output.name} » : donnez un nom de fichier en .xlsx (ex. reseau.xlsx)."
            )
        if any(_same_file(output, path) for path in paths):
            raise CbptError(
                f"« {output} » est l'un des classeurs lus : choisissez un autre nom pour le "
                "classeur du réseau, les classeurs des bibliothèques ne sont jamais modifiés."
            )
    libraries = _read_libraries(paths, today)
    entries = [entry for lib in libraries for entry in lib.entries]
    duplicates = find_duplicates(entries)
    differing = [
        s.key
        for s in SETTINGS
        if len({getattr(lib.workbook.settings, s.key) for lib in libraries}) > 1
    ]
    written = None
    if output is not None:
        from cbpt_sheets.ooxml.network import save_network_workbook

        rows = network_rows(libraries, duplicates)
        try:
            save_network_workbook(output, rows, duplicates, libraries[0].workbook.settings, today)
        except OSError as exc:
            raise CbptError(f"Impossible d'écrire « {output} » : {os_error_fr(exc)}.") from exc
        written = output
    return NetworkResult(today, libraries, duplicates, written, differing)


def network_findings(
    raw: RawWorkbook, today: dt.date, others: list[Path], report: Report
) -> Report:
    """``check --network``: the report, with ``approached-by-other-library`` on the Nom cells
    of the organisations another library's workbook already works with."""
    from cbpt_sheets.core.a1 import column_letter
    from cbpt_sheets.core.checks import report_of
    from cbpt_sheets.core.checks.findings import FINDINGS
    from cbpt_sheets.core.codes import STAGES, Stage
    from cbpt_sheets.core.models import Finding
    from cbpt_sheets.core.network import Library, others_working_with
    from cbpt_sheets.core.plan import plan_histories
    from cbpt_sheets.core.schema import ORGANISATIONS

    sheet = raw.sheets.get("organisations")
    if sheet is None or "name" not in sheet.columns:
        return report  # the check already says what is missing
    try:
        planned, histories, workbook = plan_histories(raw, today)
    except CbptError:
        return report  # a broken structure is in the report already
    mine = Library(
        raw.path, library_of(raw, raw.path), workbook, histories, [a.stage for a in planned.actions]
    ).entries
    theirs = [e for path in others for e in read_library(path, today).entries]
    kind = FINDINGS["approached-by-other-library"]
    letter = column_letter(sheet.columns["name"])
    added = []
    for entry, other, _reasons in others_working_with(mine, theirs):
        stage = STAGES.get(other.stage, other.stage)
        variant = "opt-out" if other.stage == Stage.DO_NOT_CONTACT else None
        added.append(
            Finding(
                code="approached-by-other-library",
                severity=kind.severity_of(variant),
                sheet=sheet.name,
                cell=f"{letter}{entry.row}",
                row=entry.row,
                column=ORGANISATIONS.column("name").header(raw.lang),
                value=entry.organisation,
                message=kind.message(
                    variant,
                    name=other.organisation,
                    library=other.library,
                    file=Path(other.file).name,
                    stage=stage,
                ),
            )
        )
    if not added:
        return report
    order = {name: i for i, name in enumerate(raw.sheet_names)}

    def place(f: Finding) -> tuple[int, int, int]:
        from cbpt_sheets.core.a1 import parse_ref

        ref = parse_ref(f.cell) if f.cell else None
        return (order.get(f.sheet, 99), f.row or 0, ref[1] if ref else 0)

    findings = list(report.findings)
    for new in sorted(added, key=place):  # each after the findings that come before it
        at = next((i for i, f in enumerate(findings) if place(f) > place(new)), len(findings))
        findings.insert(at, new)
    return report_of(report.file, findings)
