"""How a generated sheet (Suivi, Contrôles, Fiche) looks: declared once, applied by every sink.

A ``SheetGrid`` says what goes where (title rows, header rows, link cells, wrapped
columns, widths); this module says how each of those looks, on screen and on paper.
The file writer (``ooxml.sheetxml.render_grid``), the xlsx export (``ooxml.export``),
the Excel ribbon (``excel.book.ExcelSink``) and the PDF (``render.pdf``) all lay a
grid out from these declarations. It imports only the models and a table of font
widths, so that the file writer can use it.

Row heights. A spreadsheet does not grow a row whose wrapped text needs more lines
(LibreOffice keeps the height written in the file, Excel too until the row is
edited), so every row gets the height of its tallest cell, computed here: the text
is wrapped as the engines do (at spaces, a word longer than the column cut by
characters) with the advance widths of DejaVu Sans (``fontwidths``), counted in
widths of the digit 0, the unit of column widths. DejaVu Sans is what LibreOffice
shows for Calibri on a machine without Calibri or Carlito, and it is wider than
Calibri, Arial and Liberation Sans for the same text measured in digits: with a
small margin, the count is the most lines any of them needs, so a row may keep a
little room at its foot in Excel but never cuts a line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from cbpt_sheets.core.a1 import split_ref
from cbpt_sheets.core.models import SheetGrid
from cbpt_sheets.render import fontwidths

Role = Literal["title", "header", "link", "wrap"]


@dataclass(frozen=True)
class Font:
    """A cell font, as a change from the workbook's default font."""

    bold: bool = False
    size: int | None = None
    underline: bool = False
    color: str | None = None  # RRGGBB


@dataclass(frozen=True)
class PageSetup:
    """How a generated sheet prints: A4 landscape, one page wide, as many pages tall as needed."""

    paper_size: int = 9  # A4
    orientation: str = "landscape"
    fit_to_width: int = 1
    fit_to_height: int = 0
    margins: tuple[float, float, float, float, float, float] = (0.5, 0.5, 0.75, 0.75, 0.3, 0.3)
    # left, right, top, bottom, header, footer (inches)


FONTS: dict[Role, Font] = {
    "title": Font(bold=True, size=14),
    "header": Font(bold=True),
    "link": Font(underline=True, color="0563C1"),
}
WRAP_VERTICAL: Literal["top"] = "top"  # wrapped text starts at the top of its cell
DATE_FORMAT = "dd/mm/yyyy"
PAGE = PageSetup()
GENERATED_MARK = "cbpt-sheets"
"""What the print footer of a generated sheet holds: a sheet of that name is rewritten only
when it carries it (or, written before the mark existed, a title of ``GENERATED_TITLES``)."""
GENERATED_FOOTER = "Feuille générée par cbpt-sheets : elle est réécrite à chaque mise à jour"
GENERATED_SHORT = "feuille générée par cbpt-sheets"
GENERATED_TITLES = ("Liste de suivi", "Follow-up list", "Contrôles du ", "Fiche d'appel")
OWN_SHEET = (
    "Le classeur a déjà une feuille « {name} » qui n'a pas été créée par cbpt-sheets : elle "
    "n'a pas été remplacée, et rien n'a été écrit. Renommez-la (par exemple « {name} (perso) ») "
    "puis recommencez : une nouvelle feuille sera créée à sa place."
)
"""The refusal to overwrite a volunteer's own sheet that bears a generated sheet's name."""


def looks_generated(first_cells: list[str]) -> bool:
    """Whether a sheet's A1 and A2 texts are those of a generated sheet written before the
    footer mark (its title, or the "cbpt-sheets" note)."""
    texts = [*first_cells, "", ""][:2]
    return texts[0].startswith(GENERATED_TITLES) or any(GENERATED_MARK in t for t in texts)


def role(grid: SheetGrid, row: int, column: int, links: frozenset[tuple[int, int]]) -> Role | None:
    """What a cell of the grid is (0-based row and column): title, header, link, wrapped, or plain.

    ``links``: the (row, column) of the grid's link cells, 0-based.
    """
    if row in grid.title_rows:
        return "title"
    if row in grid.header_rows:
        return "header"
    if (row, column) in links:
        return "link"
    if column in grid.wrap_columns and not _line_across(grid, row, column):
        return "wrap"
    return None


def _line_across(grid: SheetGrid, row: int, column: int) -> bool:
    """Whether the cell is the only one of its row, in column A: a line of text across the
    sheet (a subtitle, « Rien à faire »), which runs over the empty cells instead of wrapping."""
    if column != 0 or row >= len(grid.rows):
        return False
    return not any(v is not None and v != "" for v in grid.rows[row][1:])


def frozen_rows(grid: SheetGrid) -> int:
    """How many top rows stay in view when scrolling: one block of header rows, else none."""
    headers = sorted(set(grid.header_rows))
    if headers and headers[-1] - headers[0] == len(headers) - 1:
        return headers[-1] + 1
    return 0


# ---------------------------------------------------------------- text on paper

FONT_SIZE = 11.0  # points: the default font of new workbooks (Calibri 11), used by plain cells
LINE_HEIGHT = 15.0  # points per line at FONT_SIZE (Excel's default row height for Calibri 11)
WIDTH_MARGIN = 0.93  # the part of a column's width counted as room for text (padding, rounding)
_UNITS_PER_EM = 2048
_DIGIT = 1303  # advance of the digit 0 in DejaVu Sans (font units): the unit of column widths
_WIDEST = 2048  # a character outside the table counts one em, wider than any Latin letter


def cell_text(value: Any) -> str:
    """The text a cell shows for a grid value: a date as ``dd/mm/yyyy``, None as nothing."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


@lru_cache(maxsize=2)
@lru_cache(maxsize=2)
def _advances(bold: bool) -> dict[str, int]:
    data = fontwidths.BOLD if bold else fontwidths.REGULAR
    out: dict[str, int] = {}
    i = 0
    for start, end in fontwidths.RANGES:
        for code in range(start, end):
            width = int.from_bytes(data[2 * i : 2 * i + 2], "big")
            if width:
                out[chr(code)] = width
            i += 1
    return out


@lru_cache(maxsize=65536)
def _units(text: str, bold: bool) -> int:
    advances = _advances(bold)
    return sum(advances.get(ch, _WIDEST) for ch in text)


def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """The width of ``text`` in column-width units (digits 0 of the 11-point default font)."""
    return _units(text, bold) / _DIGIT * size / FONT_SIZE


def text_points(text: str, size: float, bold: bool = False) -> float | None:
    """The width of ``text`` in points at ``size`` points in DejaVu Sans, None when the table
    lacks one of its characters (then ask the font itself)."""
    advances = _advances(bold)
    if not all(ch in advances for ch in text):
        return None
    return _units(text, bold) / _UNITS_PER_EM * size


def wrap_text(
    text: str,
    room: float,
    measure: Callable[[str], float] | None = None,
    size: float = FONT_SIZE,
    bold: bool = False,
) -> list[str]:
    """``text`` cut into lines no wider than ``room``, as a spreadsheet wraps a cell.

    Breaks at spaces and line breaks only (a non-breaking space holds), a word wider
    than the room is cut by characters. ``measure(text) -> float`` gives widths in the
    unit of ``room`` (default: ``text_width`` at ``size``, column-width units); widths
    add up (no kerning), so a line is measured word by word.
    """

    def width(t: str) -> float:
        return float(measure(t)) if measure is not None else text_width(t, size, bold)

    space = width(" ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in paragraph.split(" "):
            wide = width(word)
            if line and used + space + wide <= room:
                line, used = f"{line} {word}", used + space + wide
                continue
            if line:
                lines.append(line)
            line, used = word, wide
            if used > room and len(line) > 1:  # a word longer than the column
                pieces = _cut_word(line, room, width)
                lines.extend(pieces[:-1])
                line = pieces[-1]
                used = width(line)
        lines.append(line)
    return lines


def _cut_word(word: str, room: float, width: Callable[[str], float]) -> list[str]:
    """``word`` cut by characters into pieces no wider than ``room`` (at least one
    character each), in one pass: widths add up, so each character is measured once."""
    pieces: list[str] = []
    start, used = 0, 0.0
    for i, ch in enumerate(word):
        w = width(ch)
        if i > start and used + w > room:
            pieces.append(word[start:i])
            start, used = i, 0.0
        used += w
    pieces.append(word[start:])
    return pieces


def _size(role: Role | None) -> float:
    spec = FONTS.get(role) if role is not None else None
    return float(spec.size) if spec is not None and spec.size else FONT_SIZE


def line_height(size: float = FONT_SIZE) -> float:
    """The height of one line of text at ``size`` points, in points."""
    return LINE_HEIGHT * size / FONT_SIZE


def row_heights(grid: SheetGrid) -> list[float | None]:
    """Each row's height in points (None: an empty row keeps the default height).

    A wrapped cell counts its lines in its column's width; any other cell one line.
    """
    links = frozenset(_link_cells(grid))
    widths = grid.widths
    out: list[float | None] = []
    for r, row in enumerate(grid.rows):
        height: float | None = None
        for c, value in enumerate(row):
            text = cell_text(value)
            if not text:
                continue
            kind = role(grid, r, c, links)
            size = _size(kind)
            lines = 1
            if kind == "wrap" and c < len(widths) and widths[c] > 0:
                room = widths[c] * WIDTH_MARGIN
                if text_width(text, size) > room or "\n" in text:
                    lines = len(wrap_text(text, room, size=size))
            height = max(height or 0.0, lines * line_height(size))
        out.append(None if height is None else round(height, 2))
    return out


def _link_cells(grid: SheetGrid) -> set[tuple[int, int]]:
    cells: set[tuple[int, int]] = set()
    for ref in grid.links:
        r, c = split_ref(ref)
        cells.add((r - 1, c - 1))
    return cells


def _escape(text: str) -> str:
    """Header and footer text for a spreadsheet: ``&`` starts a code, so it is doubled."""
    return text.replace("&", "&&")


PAGE_NUMBER = "Page {page} sur {pages}"


def page_header(grid: SheetGrid) -> str:
    """The spreadsheet code of the page header: the grid's ``page_header`` in bold, centred."""
    if not grid.page_header:
        return ""
    return '&C&"-,Bold"' + _escape(grid.page_header[:200])


def page_footer(grid: SheetGrid) -> str:
    """The spreadsheet code of the page footer: title and date on the left, page n sur N right.

    The left part always carries ``GENERATED_MARK``: it is how a later run knows the
    sheet is its own to rewrite (see ``GENERATED_FOOTER``).
    """
    if grid.page_footer:
        left = _escape(grid.page_footer[:200]) + " – " + GENERATED_SHORT
    else:
        left = GENERATED_FOOTER
    return "&L&8" + left + "&R&8" + PAGE_NUMBER.format(page="&P", pages="&N")


def print_title_rows(grid: SheetGrid) -> tuple[int, int] | None:
    """The first and last 0-based rows repeated at the top of every printed page, or None."""
    rows = sorted(set(grid.header_rows))
    if not rows or rows[-1] - rows[0] != len(rows) - 1:
        return None
    return rows[0], rows[-1]
