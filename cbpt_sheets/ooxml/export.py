"""A generated sheet saved as a workbook of its own (``followup --format xlsx --output F``).

Laid out from ``render.layout``, the same declarations as the generated sheets the
writer puts into the volunteer's workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cbpt_sheets.core.a1 import split_ref
from cbpt_sheets.core.models import SheetGrid
from cbpt_sheets.ooxml.files import write_output
from cbpt_sheets.render import layout


def _font(spec: layout.Font) -> Font:
    return Font(
        bold=spec.bold or None,
        size=spec.size,
        underline="single" if spec.underline else None,
        color=spec.color,
    )


def lay_out(ws: Worksheet, grid: SheetGrid) -> None:
    """Lay a grid out on an empty openpyxl sheet: values, fonts, wrapping, dates, widths, print."""
    links: dict[tuple[int, int], str] = {}
    for ref, loc in grid.links.items():
        r, c = split_ref(ref)
        links[(r - 1, c - 1)] = loc
    link_cells = frozenset(links)
    for r, row in enumerate(grid.rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            cell = ws.cell(row=r + 1, column=c + 1, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a text, never a formula (openpyxl runs what starts with =)
            role = layout.role(grid, r, c, link_cells)
            if role == "wrap":
                cell.alignment = Alignment(wrap_text=True, vertical=layout.WRAP_VERTICAL)
            elif role is not None:
                cell.font = _font(layout.FONTS[role])
                if role == "link":  # in a row of wrapped cells: at the top, as they are
                    cell.alignment = Alignment(vertical=layout.WRAP_VERTICAL)
            if role == "link":
                cell.hyperlink = "#" + links[(r, c)]
            if isinstance(value, dt.date):
                cell.number_format = layout.DATE_FORMAT
    for r, height in enumerate(layout.row_heights(grid), start=1):
        if height is not None:
            ws.row_dimensions[r].height = height
    for c, width in enumerate(grid.widths, start=1):
        if width > 0:
            ws.column_dimensions[get_column_letter(c)].width = width
    split = layout.frozen_rows(grid)
    if split:
        ws.freeze_panes = f"A{split + 1}"
    page = layout.PAGE
    ws.page_setup.paperSize = page.paper_size
    ws.page_setup.orientation = page.orientation
    ws.page_setup.fitToWidth = page.fit_to_width
    ws.page_setup.fitToHeight = page.fit_to_height
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    left, right, top, bottom, header, footer = page.margins
    ws.page_margins.left, ws.page_margins.right = left, right
    ws.page_margins.top, ws.page_margins.bottom = top, bottom
    ws.page_margins.header, ws.page_margins.footer = header, footer
    titles = layout.print_title_rows(grid)
    if titles is not None:
        ws.print_title_rows = f"{titles[0] + 1}:{titles[1] + 1}"
    # openpyxl writes a header or footer as given: the layout's codes, & already doubled
    if grid.page_header:
        ws.oddHeader.center.text = layout.page_header(grid).removeprefix("&C")
    footer_left, _, footer_right = layout.page_footer(grid).partition("&R")
    if footer_left:
        ws.oddFooter.left.text = footer_left.removeprefix("&L")
    ws.oddFooter.right.text = footer_right


def save_grid(grid: SheetGrid, output: Path, inputs: Sequence[Path] = ()) -> None:
    """Write ``grid`` as the only sheet of a new workbook ``output`` (``files.write_output``).

    ``inputs``: the workbooks read, which ``output`` may not be. CbptError (exit 3) on failure.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = grid.name
    lay_out(sheet, grid)
    write_output(output, book.save, inputs)
