"""xlwings entry points of the CBPT ribbon tab: thin wrappers over the same core as the CLI.

Each button (``addin.py``, ``templates/CBPT.bas``) runs one function here on the
workbook in front of the volunteer. Every sheet is read in one bulk call and every
block written in one bulk call, so the number of calls into Excel does not grow with
the number of rows. Errors reach the volunteer as a French message box.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import xlwings as xw

from cbpt_sheets import render
from cbpt_sheets.core import checks, dataset
from cbpt_sheets.core import rules as steps
from cbpt_sheets.core.a1 import column_letter
from cbpt_sheets.core.a1 import parse_ref as _parse_a1
from cbpt_sheets.core.brief import Brief
from cbpt_sheets.core.brief import brief as make_brief
from cbpt_sheets.core.followup import followup, gdpr_list
from cbpt_sheets.core.french import format_date
from cbpt_sheets.core.models import (
    Finding,
    FollowUpItem,
    NextAction,
    RawWorkbook,
    Report,
    SheetData,
)
from cbpt_sheets.core.schema import (
    BRIEF_SHEET,
    CHECKS_SHEET,
    COMPUTED_KEYS,
    DATA_SHEETS,
    FOLLOWUP_SHEET,
    ORGANISATIONS,
    SHEETS_BY_KEY,
    match_sheet,
)
from cbpt_sheets.errors import CbptError
from cbpt_sheets.errors import NotInExcel as NotInExcel  # its old home
from cbpt_sheets.ooxml.reader import assemble

TITLE = "CBPT"
MARK_ERROR = "#ffc7ce"  # Excel's "bad" red, for cells in error
MARK_WARNING = "#ffeb9c"  # Excel's "neutral" yellow, for warnings
MAX_COLOR_CELLS = 10_000  # xlwings' limit per Range.set_colors call
EXCEL_ERRORS = frozenset(
    {
        "#DIV/0!",
        "#N/A",
        "#NAME?",
        "#NULL!",
        "#NUM!",
        "#REF!",
        "#VALUE!",
        "#DATA!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
    }
)
CHECK_HEADERS = (
    "Gravité",
    "Feuille",
    "Cellule",
    "Colonne",
    "Valeur",
    "Code",
    "Message",
    "Suggestion",
)
SEVERITY_FR = {"error": "Erreur", "warning": "Avertissement"}

F = TypeVar("F", bound=Callable[..., Any])
Rows = list[list[Any]]


# ---------------------------------------------------------------- plumbing


def calling_book(book: xw.Book | None = None) -> xw.Book:
    """The workbook in front of the volunteer: ``book``, else the caller (never the add-in)."""
    if book is not None:
        return book
    try:
        caller = xw.Book.caller()
    except Exception as exc:
        raise NotInExcel("Ce bouton doit être lancé depuis Excel, sur un classeur ouvert.") from exc
    if caller.name.lower().endswith((".xlam", ".xla")):
        return caller.app.books.active
    return caller


def alert(book: xw.Book, message: str) -> None:
    """A French message box in Excel (the only way errors and summaries reach the volunteer)."""
    book.app.alert(message, title=TITLE)


def entry_point(func: F) -> F:
    """Run a button's work and turn any failure into a readable French message, not a traceback."""

    @functools.wraps(func)
    def wrapper(book: xw.Book | None = None, *args: Any, **kwargs: Any) -> Any:
        target: xw.Book | None = None
        try:
            target = calling_book(book)
            return func(target, *args, **kwargs)
        except CbptError as exc:
            message = str(exc)
        except Exception as exc:
            print(f"cbpt-sheets: {type(exc).__name__}: {exc}", file=sys.stderr)
            message = (
                "Le bouton n'a pas pu aller au bout à cause d'une erreur inattendue "
                f"({type(exc).__name__} : {exc}). Enregistrez le classeur, fermez-le, "
                "rouvrez-le et recommencez ; si le problème continue, envoyez le classeur "
                "au référent informatique de la bibliothèque."
            )
        if target is None:
            raise CbptError(message)
        alert(target, message)
        return None

    return wrapper  # type: ignore[return-value]


def _cell(value: Any) -> Any:
    """An Excel value as the reader sees it: dates, times and whole numbers like calamine's."""
    if isinstance(value, dt.datetime):
        if value.date() in (dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1904, 1, 1)):
            return value.time()
        if value.time() == dt.time.min:
            return value.date()
    return value


def read_rows(sheet: xw.Sheet) -> Rows:
    """All values of a sheet from A1 to the last used cell, in one bulk read."""
    last = sheet.used_range.last_cell
    values = sheet.range((1, 1), (last.row, last.column)).options(ndim=2, err_to_str=True).value
    return [[_cell(v) for v in row] for row in values or []]


def _split_errors(rows: Rows) -> dict[tuple[int, int], str]:
    """(Excel row, 0-based column) -> error literal, blanking those cells as calamine does."""
    errors: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, str) and value in EXCEL_ERRORS:
                errors[(r, c)] = value
                row[c] = None
    return errors


def raw_from_rows(path: str, sheet_rows: dict[str, Rows]) -> RawWorkbook:
    """The RawWorkbook the reader would build, from each sheet's rows (reader.assemble)."""
    return assemble(
        path, list(sheet_rows), sheet_rows.__getitem__, lambda _n, rows: _split_errors(rows)
    )


def read_book(book: xw.Book) -> RawWorkbook:
    """Read the data sheets and Paramètres of an open workbook, one bulk call per sheet."""
    wanted: dict[str, Rows] = {}
    for sheet in book.sheets:
        key = match_sheet(sheet.name)
        if key == "settings" or any(s.key == key for s in DATA_SHEETS):
            wanted[sheet.name] = read_rows(sheet)
        else:
            wanted[sheet.name] = []
    return raw_from_rows(book.fullname or book.name, wanted)


def _require_data_sheets(raw: RawWorkbook) -> None:
    missing = [s.name(raw.lang) for s in DATA_SHEETS if s.key not in raw.sheets]
    if missing:
        raise CbptError(
            "Ce classeur n'est pas un classeur de suivi CBPT : il manque "
            + ", ".join(f"la feuille « {m} »" for m in missing)
            + ". Ouvrez votre classeur de suivi, puis cliquez de nouveau sur le bouton."
        )


def sheet_named(book: xw.Book, key: str, lang: str) -> xw.Sheet:
    """The generated sheet (Suivi, Contrôles, Fiche) of the book, added at the end if absent."""
    spec = SHEETS_BY_KEY[key]
    for sheet in book.sheets:
        if match_sheet(sheet.name) == key:
            return sheet
    return book.sheets.add(spec.name(lang), after=book.sheets[len(book.sheets) - 1])


def safe_text(value: Any) -> Any:
    """A value written into a cell, a text starting with = + - @ kept as text (never a formula)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _rectangular(rows: Rows) -> Rows:
    width = max((len(r) for r in rows), default=1)
    return [list(r) + [None] * (width - len(r)) for r in rows]


def write_grid(sheet: xw.Sheet, rows: Rows) -> None:
    """Replace a generated sheet's content with ``rows``: one clear, one write, one autofit."""
    sheet.clear_contents()
    if rows:
        sheet.range("A1").value = _rectangular(rows)
        sheet.used_range.columns.autofit()


def _hyperlink(sheet: str, cell: str, text: str) -> str:
    target = "#'" + sheet.replace("'", "''") + "'!" + cell
    return '=HYPERLINK("' + target.replace('"', '""') + '","' + text.replace('"', '""') + '")'


# ---------------------------------------------------------------- Vérifier


def checks_rows(report: Report, today: dt.date) -> Rows:
    """The Contrôles sheet: a title, a header, one row per finding, each cell a link to it."""
    errors = report.counts.get("error", 0)
    warnings = report.counts.get("warning", 0)
    title = f"Contrôles du {format_date(today)} : {checks.plural(errors, 'erreur')}, {checks.plural(warnings, 'avertissement')}"
    rows: Rows = [[title], list(CHECK_HEADERS)]
    for f in report.findings:
        cell = _hyperlink(f.sheet, f.cell, f.cell) if f.cell else None
        value = f.value.isoformat() if isinstance(f.value, (dt.date, dt.time)) else f.value
        rows.append(
            [
                SEVERITY_FR[f.severity],
                f.sheet,
                cell,
                f.column,
                safe_text(value),
                f.code,
                safe_text(f.message),
                safe_text(f.suggestion),
            ]
        )
    if not report.findings:
        rows.append(["Aucun problème trouvé : bravo !"])
    return rows


CHECKS_HEADER_ROW = 2  # Excel row of the header in Contrôles; findings follow


def previous_marks(rows: Rows) -> dict[str, set[tuple[int, int]]]:
    """Cells marked by the previous run, read back from the Contrôles sheet (sheet -> (row, col))."""
    marks: dict[str, set[tuple[int, int]]] = {}
    for row in rows[CHECKS_HEADER_ROW:]:
        if len(row) < 3 or not isinstance(row[1], str) or not isinstance(row[2], str):
            continue
        ref = _parse_a1(row[2])
        if ref is not None:
            marks.setdefault(row[1], set()).add(ref)
    return marks


def new_marks(
    raw: RawWorkbook, findings: Iterable[Finding]
) -> dict[str, dict[tuple[int, int], str]]:
    """The fill of each cell to mark, by sheet: errors red, warnings yellow; computed columns left alone."""
    computed = {
        column_letter(raw.sheets["organisations"].columns[k])
        for k in COMPUTED_KEYS
        if "organisations" in raw.sheets and k in raw.sheets["organisations"].columns
    }
    data_names = {s.name: s.key for s in raw.sheets.values()}
    out: dict[str, dict[tuple[int, int], str]] = {}
    for f in findings:
        if f.cell is None or f.sheet not in data_names:
            continue
        if data_names[f.sheet] == "organisations" and f.cell.rstrip("0123456789") in computed:
            continue
        ref = _parse_a1(f.cell)
        if ref is None:
            continue
        cells = out.setdefault(f.sheet, {})
        if cells.get(ref) != MARK_ERROR:
            cells[ref] = MARK_ERROR if f.severity == "error" else MARK_WARNING
    return out


def color_bands(
    cells: dict[tuple[int, int], str | None],
) -> list[tuple[int, int, int, int, list[list[Any]]]]:
    """Cells to colour as few rectangular blocks of at most MAX_COLOR_CELLS (``...`` keeps a fill)."""
    if not cells:
        return []
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    first_col, last_col = min(cols), max(cols)
    width = last_col - first_col + 1
    band = max(1, MAX_COLOR_CELLS // width)
    bands = []
    top = min(rows)
    bottom = max(rows)
    for start in range(top, bottom + 1, band):
        end = min(start + band - 1, bottom)
        inside = {(r, c): v for (r, c), v in cells.items() if start <= r <= end}
        if not inside:
            continue
        used = [r for r, _ in inside]
        r0, r1 = min(used), max(used)
        matrix: list[list[Any]] = [[...] * width for _ in range(r1 - r0 + 1)]
        for (r, c), colour in inside.items():
            matrix[r - r0][c - first_col] = colour
        bands.append((r0, first_col, r1, last_col, matrix))
    return bands


@entry_point
def verify(book: xw.Book | None = None, today: dt.date | None = None) -> Report:
    """Vérifier: the checks, listed in Contrôles with links, cells in error marked, old marks cleared."""
    assert book is not None
    today = today or dt.date.today()
    raw = read_book(book)
    if not raw.sheets:  # not a CBPT workbook at all: say so rather than add Contrôles to it
        _require_data_sheets(raw)
    report = checks.check_raw(raw, today)
    target = sheet_named(book, CHECKS_SHEET.key, raw.lang)
    old = previous_marks(read_rows(target))
    marks = new_marks(raw, report.findings)
    for name in sorted(set(old) | set(marks)):
        if name not in {s.name for s in raw.sheets.values()}:
            continue
        cells: dict[tuple[int, int], str | None] = dict.fromkeys(old.get(name, set()))
        cells.update(marks.get(name, {}))
        sheet = book.sheets[name]
        for r0, c0, r1, c1, matrix in color_bands(cells):
            sheet.range((r0, c0), (r1, c1)).set_colors(matrix)
    write_grid(target, checks_rows(report, today))
    target.activate()
    errors, warnings = report.counts.get("error", 0), report.counts.get("warning", 0)
    if errors or warnings:
        alert(
            book,
            f"{checks.plural(errors, 'erreur')} et {checks.plural(warnings, 'avertissement')} : "
            f"la feuille « {target.name} » les liste, avec un lien vers chaque cellule. "
            "Les cellules en erreur sont colorées en rouge, les avertissements en jaune.",
        )
    else:
        alert(book, "Aucun problème trouvé dans le classeur.")
    return report


# ---------------------------------------------------------------- Prochaines actions


def missing_ids(ids: list[Any]) -> list[str | None]:
    """New ``ORG-0001``-style ids for the blank entries (render.new_ids), None for the others."""
    texts = [str(v).strip() if v is not None else "" for v in ids]
    fresh = iter(render.new_ids([t for t in texts if t], texts.count("")))
    return [None if t else next(fresh) for t in texts]


def computed_values(action: NextAction | None) -> list[Any]:
    """The four computed columns of an organisation's row, in sheet order, safe to set in Excel."""
    if action is None:
        return [None, None, None, None]
    values = render.computed_values(action)
    return [safe_text(values[key]) for key in COMPUTED_KEYS]


def _organisations(raw: RawWorkbook) -> SheetData:
    _require_data_sheets(raw)
    return raw.sheets["organisations"]


@entry_point
def next_actions(book: xw.Book | None = None, today: dt.date | None = None) -> list[NextAction]:
    """Prochaines actions: fill the computed columns and the missing IDs, like ``next --write``."""
    assert book is not None
    today = today or dt.date.today()
    raw = read_book(book)
    orgs = _organisations(raw)
    missing = [
        ORGANISATIONS.column(k).header(raw.lang) for k in COMPUTED_KEYS if k not in orgs.columns
    ]
    if missing:
        raise CbptError(
            "Il manque dans la feuille Organisations "
            + ", ".join(f"la colonne « {m} »" for m in missing)
            + " : ajoutez-la (en-tête exact) puis recommencez."
        )
    workbook = dataset.build(raw)
    actions = steps.next_actions(workbook, today)
    by_row = steps.by_row(actions)
    sheet = book.sheets[orgs.name]
    first = orgs.header_row + 1
    last = max((r.row for r in orgs.rows), default=orgs.header_row)
    if last >= first:
        block = [computed_values(by_row.get(r)) for r in range(first, last + 1)]
        indexes = [orgs.columns[k] for k in COMPUTED_KEYS]
        if indexes == list(range(indexes[0], indexes[0] + len(indexes))):
            sheet.range((first, indexes[0] + 1)).value = block
        else:  # columns moved apart: one write per column, still not per row
            for j, index in enumerate(indexes):
                sheet.range((first, index + 1)).options(transpose=True).value = [
                    row[j] for row in block
                ]
    assigned = 0
    if "id" in orgs.columns and last >= first:
        values_by_row = {r.row: r.values.get("id") for r in orgs.rows}
        blank_rows = {
            r.row
            for r in orgs.rows
            if not any(v is not None for k, v in r.values.items() if k not in COMPUTED_KEYS)
        }
        ids = [
            values_by_row.get(r) if r in values_by_row and r not in blank_rows else "-"
            for r in range(first, last + 1)
        ]
        new = missing_ids(ids)
        if any(new):
            assigned = sum(1 for n in new if n)
            column = [n if n else (None if i == "-" else i) for n, i in zip(new, ids, strict=True)]
            sheet.range((first, orgs.columns["id"] + 1)).options(transpose=True).value = column
    due = sum(1 for a in actions if a.due is not None and a.due <= today and a.action != "none")
    message = f"Prochaines actions calculées pour {checks.plural(len(actions), 'organisation')}"
    message += f", dont {due} à faire aujourd'hui ou en retard." if due else "."
    if assigned:
        message += (
            f" {checks.plural(assigned, 'identifiant')} attribué{'s' if assigned > 1 else ''}."
        )
    alert(book, message)
    return actions


# ---------------------------------------------------------------- Liste de suivi


def followup_rows(
    items: list[FollowUpItem], today: dt.date, gdpr: Iterable[NextAction] = ()
) -> Rows:
    """The Suivi sheet, laid out exactly as ``followup --write`` lays it out (render.suivi_grid)."""
    return render.suivi_grid(items, today, gdpr=list(gdpr)).rows


@entry_point
def followup_list(book: xw.Book | None = None, today: dt.date | None = None) -> list[FollowUpItem]:
    """Liste de suivi: rewrite the Suivi sheet, like ``followup --write``."""
    assert book is not None
    today = today or dt.date.today()
    raw = read_book(book)
    _require_data_sheets(raw)
    actions = steps.next_actions(dataset.build(raw), today)
    items = followup(actions, today)
    target = sheet_named(book, FOLLOWUP_SHEET.key, raw.lang)
    write_grid(target, followup_rows(items, today, gdpr_list(actions)))
    target.activate()
    overdue = sum(1 for i in items if i.bucket == "overdue")
    alert(
        book,
        f"La feuille « {target.name} » est à jour : {checks.plural(len(items), 'action')}"
        + (f", dont {overdue} en retard." if overdue else "."),
    )
    return items


# ---------------------------------------------------------------- Fiche d'appel


def _selected_organisation(book: xw.Book, raw: RawWorkbook) -> str:
    """The Nom (or ID) of the organisation on the selected row of a data sheet."""
    selection = book.app.selection
    hint = (
        "Cliquez d'abord sur une ligne de la feuille Organisations (ou sur un appel ou un "
        "rendez-vous), puis sur « Fiche d'appel »."
    )
    if selection is None:
        raise CbptError(hint)
    key = match_sheet(selection.sheet.name)
    sheet = raw.sheets.get(key or "")
    row = next((r for r in sheet.rows if r.row == selection.row), None) if sheet else None
    if sheet is None or row is None:
        raise CbptError(hint)
    if key == "organisations":
        name = row.values.get("name") or row.values.get("id")
    else:
        name = row.values.get("organisation")
    if name is None or not str(name).strip():
        raise CbptError(
            f"La ligne {row.row} de la feuille « {sheet.name} » ne nomme aucune organisation. {hint}"
        )
    return str(name)


def brief_rows(brief: Brief) -> Rows:
    """The Fiche sheet, laid out as the CLI's (render.fiche_grid)."""
    return render.fiche_grid(brief).rows


@entry_point
def call_brief(book: xw.Book | None = None, today: dt.date | None = None) -> Brief:
    """Fiche d'appel: the brief of the organisation on the selected row, in the Fiche sheet."""
    assert book is not None
    today = today or dt.date.today()
    raw = read_book(book)
    _require_data_sheets(raw)
    name = _selected_organisation(book, raw)
    result = make_brief(dataset.build(raw), name, today)
    target = sheet_named(book, BRIEF_SHEET.key, raw.lang)
    write_grid(target, brief_rows(result))
    target.activate()
    return result
