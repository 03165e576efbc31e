"""Read a workbook file into raw rows and typed models (fr or en, columns in any order).

Values are read with python-calamine (about ten times faster than openpyxl's
read-only mode), in threads (``source.py``). Its blind spot, Excel error cells
read as empty strings, is covered by a scan of the sheet XML for ``t="e"`` cells.
Each data sheet is kept column by column: one list of cleaned values per known
column.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
from collections.abc import Callable, Collection, Sequence
from typing import Any

from cbpt_sheets.core import dataset
from cbpt_sheets.core.a1 import column_letter, split_ref
from cbpt_sheets.core.gc_pause import gc_paused
from cbpt_sheets.core.models import RawWorkbook, SheetData, Workbook
from cbpt_sheets.core.schema import (
    CONTENT_COLUMNS,
    DATA_SHEETS,
    LANGS,
    LIBRARIES_HEADER,
    LIBRARY_ADDRESS_ALIASES,
    LIBRARY_ADDRESS_HEADER,
    OPT_OUT_CODES,
    SETTINGS,
    SHEETS_BY_KEY,
    TEXT_SETTINGS,
    VOLUNTEER_EMAIL_ALIASES,
    VOLUNTEER_EMAIL_HEADER,
    VOLUNTEERS_HEADER,
    fold,
    list_code,
    match_header,
    match_sheet,
    reads_as_list,
)
from cbpt_sheets.ooxml.source import PendingBook, open_book

__all__ = ["assemble", "read_raw", "read_workbook"]


def _convert(value: Any) -> Any:
    """Calamine values to the reader's: whole floats to int, empty strings to None."""
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        if 0 <= seconds < 86400:
            return dt.time(seconds // 3600, (seconds // 60) % 60, seconds % 60)
    return value


def _find_header(key: str, rows: list[list[Any]]) -> int:
    """The 0-based index of the header row (row 1 for a Table at A1).

    A title above the table is tolerated: among the first rows, the one whose cells
    name the most known columns wins; with none, the first non-blank row.
    """
    first: int | None = None
    best, best_hits = 0, 0
    for i, row in enumerate(rows[:20]):
        if first is None and any(c not in (None, "") for c in row):
            first = i
        hits = sum(1 for c in row if isinstance(c, str) and match_header(key, c) is not None)
        if hits > best_hits:
            best, best_hits = i, hits
    return best if best_hits else (first or 0)


def _range(ref: str) -> tuple[int, int, int, int] | None:
    """(first row, first column, last row, last column), 1-based, of ``C12:C14``; None if bad."""
    corners = ref.replace("$", "").split(":")
    try:
        (r1, c1), (r2, c2) = split_ref(corners[0]), split_ref(corners[-1])
    except ValueError:
        return None
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _fill_merges(
    rows: list[list[Any]], merges: Sequence[str], index: Callable[[int], int | None]
) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Give every cell of each merged range the value of its first cell, as Excel shows it.

    ``index(row)``: the position in ``rows`` of a real row (None when left out). Returns
    the ranges with their corners (positions, 0-based rows and columns).
    """
    out: list[tuple[str, tuple[int, int, int, int]]] = []
    for ref in merges:
        corners = _range(ref)
        if corners is None:
            continue
        r1, c1, r2, c2 = corners
        top = index(r1)
        if top is None or top >= len(rows):
            continue
        bottom = top + (r2 - r1)
        first_row = rows[top]
        value = first_row[c1 - 1] if c1 - 1 < len(first_row) else ""
        for pos in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[pos]
            if len(row) < c2:
                row.extend([""] * (c2 - len(row)))
            for c in range(c1 - 1, c2):
                if pos != top or c != c1 - 1:
                    row[c] = value
        out.append((ref.replace("$", ""), (top, c1 - 1, bottom, c2 - 1)))
    return out


def _read_data_sheet(
    key: str,
    name: str,
    rows: list[list[Any]],
    errors: dict[tuple[int, int], str],
    merges: Sequence[str] = (),
    totals: Collection[int] = (),
    real: Sequence[int] | None = None,
) -> SheetData:
    """A data sheet's known columns, read column by column (each a list of cleaned values).

    A row is kept when a known column holds a value or an Excel error; a row whose
    known columns are blank but whose other cells hold something is kept only when
    it has an Excel error somewhere (otherwise there is nothing to check on it).
    ``merges``: merged ranges, read as Excel shows them (each cell the first one's
    value); ``totals``: the rows of Excel tables' total rows, left out like blank
    rows. ``real``: the real row of each of ``rows`` when long runs of empty rows
    were left out of them (``source.Trim``); rows count from 1 otherwise.
    """
    position: dict[int, int] | None = None
    if real is not None:
        position = {r: i for i, r in enumerate(real)}
        errors = {
            (position[r] + 1, c): literal for (r, c), literal in errors.items() if r in position
        }
        totals = {position[r] + 1 for r in totals if r in position}

    def position_of(row: int) -> int | None:
        return row - 1 if position is None else position.get(row)

    for total in totals:
        if 0 < total <= len(rows):
            rows[total - 1] = []
    if totals:
        errors = {(r, c): literal for (r, c), literal in errors.items() if r not in totals}
    merged = _fill_merges(rows, merges, position_of) if merges else []
    start = _find_header(key, rows)
    header_cells = rows[start] if rows else []
    headers = ["" if c is None else str(c) for c in header_cells]
    columns: dict[str, int] = {}
    unknown: list[int] = []
    duplicates: list[tuple[str, int]] = []
    for index, header in enumerate(headers):
        if not header.strip():
            continue
        col_key = match_header(key, header)
        if col_key is None:
            unknown.append(index)
        elif col_key in columns:
            duplicates.append((col_key, index))
        else:
            columns[col_key] = index
    body = rows[start + 1 :]
    inferred = _inferred_columns(key, columns, headers, unknown, body)
    sheet = SheetData(key, name, columns, headers, unknown, duplicates, header_row=start + 1)
    sheet.inferred = inferred
    keys = list(columns)
    indexes = list(columns.values())
    reach = max(indexes) + 1 if indexes else 0
    if body and min(map(len, body)) < reach:  # ragged rows (xlwings): pad them
        body = [_padded(cells, reach) for cells in body]
    data = [_clean_column(column) for column in _columns_of(body, indexes)]
    # Excel errors of known columns, by position in body
    error_by_pos: dict[int, dict[str, str]] = {}
    errors_anywhere: set[int] = set()
    key_of = {index: col_key for col_key, index in columns.items()}
    first_body_row = start + 2  # the Excel row of body[0]
    for (r, c), literal in errors.items():
        pos = r - first_body_row
        if not 0 <= pos < len(body):
            continue
        errors_anywhere.add(pos)
        col_key = key_of.get(c)
        if col_key is not None:
            error_by_pos.setdefault(pos, {})[col_key] = literal
    n_known = len(keys)
    if n_known:
        kept = [
            i for i, cells in enumerate(zip(*data, strict=True)) if cells.count(None) != n_known
        ]
    else:
        kept = []
    extra = [
        pos
        for pos in errors_anywhere
        if pos in error_by_pos or any(_convert(c) is not None for c in body[pos][: len(headers)])
    ]
    if extra:
        kept = sorted(set(kept).union(extra))
    if len(kept) != len(body):
        if kept:
            take = operator.itemgetter(*kept)
            data = [list(take(column)) if len(kept) > 1 else [column[kept[0]]] for column in data]
        else:
            data = [[] for _ in data]
    sheet.numbers = [pos + first_body_row for pos in kept]
    if real is not None:
        sheet.numbers = [real[n - 1] for n in sheet.numbers]
        sheet.header_row = real[start]
    known = set(indexes)
    sheet.merged = [
        ref
        for ref, (top, left, bottom, right) in merged
        if bottom > start and known.intersection(range(left, right + 1))
    ]
    sheet.data = dict(zip(keys, data, strict=True))
    if error_by_pos:
        position = {pos: i for i, pos in enumerate(kept)}
        sheet.cell_errors = {position[pos]: errs for pos, errs in error_by_pos.items()}
    return sheet


def _inferred_columns(
    key: str,
    columns: dict[str, int],
    headers: list[str],
    unknown: list[int],
    body: list[list[Any]],
) -> dict[str, int]:
    """Known columns found by their values (``schema.CONTENT_COLUMNS``) when no header
    names them: a renamed header (among ``unknown``, taken out of it) or a blank one.
    Adds them to ``columns``; returns key -> index."""
    found: dict[str, int] = {}
    for col_key, list_name in CONTENT_COLUMNS.get(key, ()):
        if col_key in columns:
            continue
        blank = [i for i, h in enumerate(headers) if not h.strip()]
        candidates: list[tuple[int, int]] = []  # (refusals it holds, index)
        for index in [*unknown, *blank]:
            values = [row[index] for row in body if index < len(row)]
            if reads_as_list(list_name, values):
                refusals = sum(
                    1
                    for x in values
                    if x is not None and list_code(list_name, str(x)) == OPT_OUT_CODES[list_name]
                )
                candidates.append((refusals, -index))
        if candidates:
            # two columns look like it: the one holding refusals wins (an opt-out is
            # never left unread for a column of « Actif »), else the first
            index = -max(candidates)[1]
            columns[col_key] = found[col_key] = index
            if index in unknown:
                unknown.remove(index)
    return found


def _padded(cells: list[Any], width: int) -> list[Any]:
    """A row made at least ``width`` cells long with empty cells."""
    return cells if len(cells) >= width else [*cells, *[None] * (width - len(cells))]


def _columns_of(body: list[list[Any]], indexes: list[int]) -> list[Sequence[Any]]:
    """The cells at ``indexes`` of every row (each long enough), column by column, in C.

    A row much wider than the known columns (a stray cell far to the right) has its
    known cells taken out first.
    """
    if not body or not indexes:
        return [() for _ in indexes]
    if len(body[0]) <= 2 * len(indexes):
        transposed = list(zip(*body, strict=False))  # cut at the shortest row: long enough
        return [transposed[index] for index in indexes]
    if len(indexes) == 1:
        only = indexes[0]
        return [[cells[only] for cells in body]]
    return list(zip(*map(operator.itemgetter(*indexes), body), strict=True))


_AS_IS = frozenset((dt.date, dt.datetime, dt.time, int, bool))  # what _convert keeps as is


def _clean_column(column: Sequence[Any]) -> list[Any]:
    """A column's calamine values as the reader gives them: blank text None, whole floats int.

    Equal texts become one object (the first seen), so that every later look-up of a
    value (distinct values, list codes, names) compares identities, not characters.
    """
    str_ = str
    convert = _convert_cell
    canonical: dict[str, str] = {}
    same = canonical.setdefault
    cleaned = [
        (same(x, x) if x else None)
        if x.__class__ is str_
        else (x if x.__class__ in _AS_IS or x is None else convert(x))
        for x in column
    ]
    blank = {text for text in canonical if text.isspace()}  # only spaces: empty too
    if blank:
        cleaned = [None if x in blank else x for x in cleaned]
    return cleaned


def _convert_cell(value: Any) -> Any:
    """``_convert`` for a cell that is neither text nor empty; blank text still None."""
    value = _convert(value)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _read_settings(raw: RawWorkbook, rows: list[list[Any]]) -> None:
    """Paramètres: the settings by label (value on the right), the lists by header.

    The volunteers' and libraries' lists are found by their header (Bénévoles,
    Bibliothèques, fr or en); the column right of each may hold, under an e-mail or
    address header, each volunteer's e-mail and each library's postal address.
    """
    labels: dict[str, str] = {}
    for key, fr, en in [(s.key, s.fr, s.en) for s in SETTINGS] + [
        (s.key, s.fr, s.en) for s in TEXT_SETTINGS
    ]:
        for label in (key, fr, en):
            labels[fold(label)] = key
    lists = {
        fold(h): key
        for key, headers in (("volunteers", VOLUNTEERS_HEADER), ("libraries", LIBRARIES_HEADER))
        for h in headers.values()
    }
    beside = {
        "volunteers": {
            fold(h) for h in (*VOLUNTEER_EMAIL_HEADER.values(), *VOLUNTEER_EMAIL_ALIASES)
        },
        "libraries": {
            fold(h) for h in (*LIBRARY_ADDRESS_HEADER.values(), *LIBRARY_ADDRESS_ALIASES)
        },
    }
    found: dict[str, tuple[int, int]] = {}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if not isinstance(value, str):
                continue
            folded = fold(value)
            if folded in labels and c + 1 < len(row):
                key = labels[folded]
                raw.settings[key] = _convert(row[c + 1])
                raw.settings_cells[key] = f"{column_letter(c + 1)}{r + 1}"
            elif folded in lists and lists[folded] not in found:
                found[lists[folded]] = (r, c)
    targets = {
        "volunteers": (raw.volunteers, raw.volunteer_emails),
        "libraries": (raw.libraries, raw.library_addresses),
    }
    for key, (r0, c0) in found.items():
        names, details = targets[key]
        header = rows[r0][c0 + 1] if c0 + 1 < len(rows[r0]) else None
        paired = isinstance(header, str) and fold(header) in beside[key]
        for row in rows[r0 + 1 :]:
            value = _convert(row[c0]) if c0 < len(row) else None
            if value is None:
                continue
            text = str(value).strip()
            if not text:
                continue
            names.append(text)
            if paired and c0 + 1 < len(row):
                detail = _convert(row[c0 + 1])
                if detail is not None and str(detail).strip():
                    details[text] = str(detail).strip()


def assemble(
    path: str,
    names: list[str],
    rows_of: Callable[[str], list[list[Any]]],
    errors_of: Callable[[str, list[list[Any]]], dict[tuple[int, int], str]],
    book: PendingBook | None = None,
) -> RawWorkbook:
    """The raw workbook of a book's sheets, whoever read them (a file, or Excel via xlwings).

    ``rows_of(name)`` gives a sheet's rows from A1; ``errors_of(name, rows)`` its Excel
    error cells, (row, column index) -> literal. Only the data sheets and Paramètres
    are asked for; the language is the one most sheet names are in. ``book``: the file
    being read, for what only a file tells (merged ranges, tables' total rows, rows
    left out of a mostly empty sheet).
    """
    raw = RawWorkbook(path, "fr", list(names), {})
    langs = dict.fromkeys(LANGS, 0)
    data_keys = {s.key for s in DATA_SHEETS}
    for name in names:
        key = match_sheet(name)
        if key is None:
            continue
        spec = SHEETS_BY_KEY[key]
        for lang in LANGS:
            if spec.fr != spec.en and fold(spec.name(lang)) == fold(name):
                langs[lang] += 1
        if key == "settings":
            if not raw.settings_cells:
                _read_settings(raw, rows_of(name))
        elif key in data_keys and key not in raw.sheets:
            rows = rows_of(name)
            errors = errors_of(name, rows)
            if book is None:
                raw.sheets[key] = _read_data_sheet(key, name, rows, errors)
            else:
                raw.sheets[key] = _read_data_sheet(
                    key,
                    name,
                    rows,
                    errors,
                    book.merges(name),
                    book.totals(name),
                    book.rows_kept(name),
                )
    raw.lang = "en" if langs["en"] > langs["fr"] else "fr"
    return raw


def read_raw(source: str | os.PathLike[str] | PendingBook) -> RawWorkbook:
    """Read a workbook into raw rows, keeping each value's sheet and cell.

    ``source`` is a path, or a book whose reading ``source.open_book`` started.
    Raises UnreadableWorkbook, with a French message, when the file cannot be read.
    """
    book = source if isinstance(source, PendingBook) else open_book(source)
    try:
        with gc_paused():
            raw = assemble(
                str(book.path), book.names, book.rows, lambda name, _rows: book.errors(name), book
            )
    except Exception:
        book.finish()  # an unsafe or damaged file says so, whatever the reading met
        raise
    except BaseException:  # Ctrl-C: stop at once, the threads end on their own
        book.close()
        raise
    book.finish()
    return raw


def read_workbook(path: str | os.PathLike[str], today: dt.date | None = None) -> Workbook:
    """Read a workbook file into typed models (organisations, contacts, appointments, settings).

    ``today`` (default: the machine's date): the day dates typed without a year are read for.
    """
    return dataset.build(read_raw(path), today or dt.date.today())
