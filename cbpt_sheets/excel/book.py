"""The workbook open in Excel as a source and a sink of the operations (xlwings).

``ExcelSource`` reads each sheet in one bulk call into the raw workbook the file
reader would build; ``ExcelSink`` applies the operations' ``Changes`` in bulk calls:
the changed cells of a band of adjacent columns in one write, a generated sheet in
one write plus its layout (``render.layout``: a call per title or header row, per
column, never per data row), the marks of Vérifier in a few colour blocks. The
number of calls into Excel does not grow with the number of rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from typing import Any

import xlwings as xw

from cbpt_sheets.core.a1 import split_ref
from cbpt_sheets.core.celltext import excel_literal
from cbpt_sheets.core.models import RawWorkbook, SheetGrid
from cbpt_sheets.core.schema import DATA_SHEETS, match_sheet
from cbpt_sheets.errors import StructureError
from cbpt_sheets.ooxml.reader import assemble
from cbpt_sheets.operations import Changes
from cbpt_sheets.render import layout

Rows = list[list[Any]]
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
_READ_KEYS = frozenset({"settings", *(s.key for s in DATA_SHEETS)})


# ---------------------------------------------------------------- reading


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
    """The RawWorkbook the reader would build, from each sheet's rows (reader.assemble).

    The rows are copied: the error cells are blanked in the copy only.
    """
    copies = {name: [list(row) for row in rows] for name, rows in sheet_rows.items()}
    return assemble(path, list(copies), copies.__getitem__, lambda _n, rows: _split_errors(rows))


class ExcelSource:
    """The workbook open in Excel: its data sheets and Paramètres, each read once in bulk."""

    label = "Ce classeur"
    hint = "Ouvrez votre classeur de suivi, puis cliquez de nouveau sur le bouton."

    def __init__(self, book: xw.Book) -> None:
        self.book = book
        self._rows: dict[str, Rows] = {}

    def rows(self, name: str) -> Rows:
        """A sheet's values as read (one bulk read, kept for the sink's unchanged cells)."""
        if name not in self._rows:
            self._rows[name] = read_rows(self.book.sheets[name])
        return self._rows[name]

    def read(self) -> RawWorkbook:
        wanted = {
            s.name: self.rows(s.name) if match_sheet(s.name) in _READ_KEYS else []
            for s in self.book.sheets
        }
        return raw_from_rows(self.book.fullname or self.book.name, wanted)

    def sheet_rows(self, name: str) -> Rows:
        found = next((s for s in self.book.sheets if s.name == name), None)
        return read_rows(found) if found is not None else []


def read_book(book: xw.Book) -> RawWorkbook:
    """Read the data sheets and Paramètres of an open workbook, one bulk call per sheet."""
    return ExcelSource(book).read()


# ---------------------------------------------------------------- writing


def safe_text(value: Any) -> Any:
    """A value set in a cell: the text guard of ``core.celltext.excel_literal`` (never a
    formula, a number or a date made of a text; limited in UTF-16 units)."""
    return excel_literal(value)


def _as_read(value: Any) -> Any:
    """A cell's value as read, to write back unchanged: texts Excel would convert stay texts.

    An error value read as its literal (``#N/A``) is written back as that error.
    """
    if isinstance(value, str) and value in EXCEL_ERRORS:
        return value
    return excel_literal(value)


def column_bands(columns: Iterable[int]) -> list[tuple[int, int]]:
    """Adjacent columns grouped: [(first, last)], 1-based."""
    bands: list[tuple[int, int]] = []
    for c in sorted(set(columns)):
        if bands and c == bands[-1][1] + 1:
            bands[-1] = (bands[-1][0], c)
        else:
            bands.append((c, c))
    return bands


def cell_blocks(cells: dict[str, Any], current: Rows) -> list[tuple[int, int, list[list[Any]]]]:
    """The cells to set as blocks (top row, left column, values), one per band of adjacent columns.

    A block spans its band from the first to the last changed row; its cells that do not
    change get the value they hold (``current``, the sheet as read), so that Excel ends
    with exactly the changed cells changed.
    """
    changes = {split_ref(ref): value for ref, value in cells.items()}
    blocks = []
    for first, last in column_bands(c for _r, c in changes):
        rows = [r for r, c in changes if first <= c <= last]
        top, bottom = min(rows), max(rows)
        matrix: list[list[Any]] = []
        for r in range(top, bottom + 1):
            line = current[r - 1] if r - 1 < len(current) else []
            matrix.append(
                [
                    safe_text(changes[(r, c)])
                    if (r, c) in changes
                    else _as_read(line[c - 1] if c - 1 < len(line) else None)
                    for c in range(first, last + 1)
                ]
            )
        blocks.append((top, first, matrix))
    return blocks


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
    for start in range(min(rows), max(rows) + 1, band):
        end = start + band - 1
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


def _hyperlink(location: str, text: Any) -> str:
    """A link inside the workbook as a formula (set with the values, in the same bulk call)."""
    shown = str(text).replace('"', '""')
    return '=HYPERLINK("#' + location.replace('"', '""') + '","' + shown + '")'


def grid_values(grid: SheetGrid) -> Rows:
    """The grid's values as one rectangle, its links as HYPERLINK formulas."""
    width = max([len(r) for r in grid.rows] + [1])
    rows = [[excel_literal(v) for v in r] + [None] * (width - len(r)) for r in grid.rows]
    for ref, location in grid.links.items():
        r, c = split_ref(ref)
        rows[r - 1][c - 1] = _hyperlink(location, grid.rows[r - 1][c - 1])
    return rows


def _font(target: Any, spec: layout.Font) -> None:
    """Apply a layout font (xlwings has no underline: a link is told by its colour)."""
    if spec.bold:
        target.font.bold = True
    if spec.size is not None:
        target.font.size = spec.size
    if spec.color is not None:
        target.font.color = "#" + spec.color


def lay_out(sheet: xw.Sheet, grid: SheetGrid) -> None:
    """Apply ``render.layout`` to a generated sheet: fonts by row, wrapping, dates and widths by column.

    Widths are in characters, as the desktop engines take them; Excel fits the row
    heights to the wrapped text itself. The print setup is left to Excel's defaults:
    xlwings has no portable call for it.
    """
    height = len(grid.rows)
    width = max([len(r) for r in grid.rows] + [1])
    for r in grid.title_rows:
        _font(sheet.range((r + 1, 1), (r + 1, width)), layout.FONTS["title"])
    for r in grid.header_rows:
        _font(sheet.range((r + 1, 1), (r + 1, width)), layout.FONTS["header"])
    link_columns: dict[int, list[int]] = {}
    for ref in grid.links:
        r, c = split_ref(ref)
        link_columns.setdefault(c, []).append(r)
    for c, rows in link_columns.items():
        _font(sheet.range((min(rows), c), (max(rows), c)), layout.FONTS["link"])
    for c in grid.wrap_columns:
        column = sheet.range((1, c + 1), (max(height, 1), c + 1))
        column.wrap_text = True
        # the remote engine's Office Scripts client has no alignment: Excel's own then
        with contextlib.suppress(NotImplementedError):
            column.vertical_alignment = layout.WRAP_VERTICAL
    date_rows: dict[int, list[int]] = {}
    for r, row in enumerate(grid.rows, start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, dt.date):
                date_rows.setdefault(c, []).append(r)
    for c, rows in date_rows.items():
        sheet.range((min(rows), c), (max(rows), c)).number_format = layout.DATE_FORMAT
    for c, w in enumerate(grid.widths, start=1):
        if w > 0:
            sheet.range((1, c)).column_width = w
    split = layout.frozen_rows(grid)
    if split:
        sheet.freeze_panes.freeze_at(f"1:{split}")
    # Excel measures its own fonts: one autofit of every row (the files get computed heights)
    with contextlib.suppress(NotImplementedError, AttributeError):
        sheet.range((1, 1), (max(height, 1), width)).rows.autofit()


CHART_TYPES = {"bar": "bar_clustered", "column": "column_clustered", "line": "line_markers"}
"""A GridChart's kind -> xlwings' chart type (``column`` stacked: ``column_stacked``)."""
POINTS_PER_CM = 72 / 2.54


def draw_charts(sheet: xw.Sheet, grid: SheetGrid) -> None:
    """The grid's native charts (Tableau de bord), in place of the sheet's charts of a previous run.

    One call per chart and property: the number of calls grows with the charts, never
    with the rows.
    """
    for old in list(sheet.charts):
        old.delete()
    for index, spec in enumerate(grid.charts, start=1):
        kind = CHART_TYPES[spec.kind]
        if spec.kind == "column" and spec.stacked:
            kind = "column_stacked"
        columns = [spec.category_column, *spec.value_columns]
        source = sheet.range(
            (spec.header_row + 1, min(columns) + 1), (spec.last_row + 1, max(columns) + 1)
        )
        chart = sheet.charts.add(
            width=spec.width_cm * POINTS_PER_CM,
            height=spec.height_cm * POINTS_PER_CM,
            chart_type=kind,
            source=source,
            plot_by="columns",
            name=f"CBPT {index}",
            anchor=sheet.range(spec.anchor),
        )
        chart.title = spec.title


class ExcelSink:
    """Apply an operation's changes to the workbook open in Excel, in bulk calls."""

    def __init__(self, book: xw.Book, source: ExcelSource) -> None:
        self.book = book
        self.source = source

    def _sheet(self, name: str) -> xw.Sheet | None:
        folded = name.casefold()
        return next((s for s in self.book.sheets if s.name.casefold() == folded), None)

    def _generated(self, sheet: xw.Sheet) -> bool:
        """Whether an existing sheet was written by cbpt-sheets (footer mark, or older title)."""
        try:
            footer = str(sheet.api.PageSetup.LeftFooter or "")
        except Exception:  # no page setup through this engine (xlwings Lite, remote)
            footer = ""
        if layout.GENERATED_MARK in footer:
            return True
        values = sheet.range("A1:A2").value
        cells = values if isinstance(values, list) else [values]
        return layout.looks_generated(["" if v is None else str(v) for v in cells])

    def write(self, changes: Changes) -> bool:
        for grid in changes.sheets:  # refused before anything is written
            sheet = self._sheet(grid.name)
            if sheet is not None and not self._generated(sheet):
                raise StructureError(layout.OWN_SHEET.format(name=sheet.name))
        for name, cells in changes.cells.items():
            sheet = self._sheet(name)
            assert sheet is not None, name
            for top, left, matrix in cell_blocks(cells, self.source.rows(sheet.name)):
                sheet.range((top, left)).value = matrix
        for name, marks in changes.marks.items():
            sheet = self._sheet(name)
            if sheet is None:
                continue
            for r0, c0, r1, c1, matrix in color_bands(marks):
                sheet.range((r0, c0), (r1, c1)).set_colors(matrix)
        for grid in changes.sheets:
            sheet = self._sheet(grid.name)
            if sheet is None:
                last = self.book.sheets[len(self.book.sheets) - 1]
                sheet = self.book.sheets.add(grid.name, after=last)
            sheet.clear()  # the previous run's values and formats
            if grid.rows:
                sheet.range("A1").value = grid_values(grid)
            sheet.activate()
            lay_out(sheet, grid)
            with contextlib.suppress(Exception):  # the mark, where the engine sets page setup
                sheet.api.PageSetup.LeftFooter = "&8" + layout.GENERATED_FOOTER
            if grid.charts:
                draw_charts(sheet, grid)
        return bool(changes)
