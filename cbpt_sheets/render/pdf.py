"""A generated sheet (the Suivi list, the Fiche) as a printable PDF, with fpdf2 (pure Python).

The PDF is drawn from the same ``SheetGrid`` as the sheet, so it has the same content
in the same order: title rows, the header row (repeated at the top of every page),
one section per bucket, a box to tick where the sheet has « ☐ ». Column widths are the
sheet's, scaled to the width of an A4 landscape page; text wraps with the same rule
as the sheet's row heights (``layout.wrap_text``), measured with the font drawn.
The font is DejaVu Sans, shipped with the package (``resources/fonts``, Bitstream
Vera licence): every French character prints, on any machine.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF

from cbpt_sheets.core.models import SheetGrid
from cbpt_sheets.render import layout

FONT_DIR = Path(__file__).resolve().parent.parent / "resources" / "fonts"
FAMILY = "DejaVu"
MARGIN = 28.0  # points (about 1 cm) on every side
BODY_SIZE = 8.5  # points
HEADER_SIZE = 8.5
TITLE_SIZE = 13.0
SECTION_SIZE = 11.0
LEADING = 1.25  # line height / font size
PAD = 2.5  # points of room above and below the text of a row, and left of a cell's text
BOX = 8.0  # side of the box to tick, points
TICK = "☐"
CONTINUED = " – suite"
RULE_GREY = 190
HEADER_GREY = 230
_LETTER = re.compile(r"[^\W\d_]")


class _Document(FPDF):
    """An A4 landscape page with the grid's page header and a footer (title, date, page n sur N)."""

    def __init__(self, grid: SheetGrid) -> None:
        super().__init__(orientation="L", unit="pt", format="A4")
        self.grid = grid
        self.add_font(FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)

    def header(self) -> None:
        if self.grid.page_header:
            self.set_font(FAMILY, "B", BODY_SIZE + 1)
            self.set_xy(MARGIN, MARGIN / 2)
            self.cell(self.epw, BODY_SIZE + 2, self.grid.page_header, align="C")

    def footer(self) -> None:
        self.set_font(FAMILY, "", BODY_SIZE - 0.5)
        y = self.h - MARGIN / 2 - BODY_SIZE
        self.set_xy(MARGIN, y)
        self.cell(self.epw / 2, BODY_SIZE + 2, self.grid.page_footer)
        self.set_xy(MARGIN + self.epw / 2, y)
        number = layout.PAGE_NUMBER.format(page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(self.epw / 2, BODY_SIZE + 2, number, align="R")


def _filled(row: Sequence[Any]) -> list[tuple[int, str]]:
    return [(c, layout.cell_text(v)) for c, v in enumerate(row) if layout.cell_text(v)]


class _Renderer:
    def __init__(self, grid: SheetGrid, today: dt.date | None) -> None:
        self.grid = grid
        self.pdf = _Document(grid)
        if today is not None:  # the same bytes for the same list
            self.pdf.set_creation_date(
                dt.datetime(today.year, today.month, today.day, tzinfo=dt.timezone.utc)
            )
        self.pdf.set_creator("cbpt-sheets")
        self.pdf.set_title(
            layout.cell_text(grid.rows[0][0]) if grid.rows and grid.rows[0] else grid.name
        )
        self.w = self._widths()
        self.x: list[float] = []
        x = MARGIN
        for w in self.w:
            self.x.append(x)
            x += w
        self.top = MARGIN + (BODY_SIZE + 6 if grid.page_header else 0)
        self.bottom = self.pdf.h - MARGIN - BODY_SIZE
        self.continued: set[int] = set()  # section titles drawn again, followed by « – suite »
        titles = layout.print_title_rows(grid)
        self.repeat = list(range(titles[0], titles[1] + 1)) if titles else []

    # ------------------------------------------------------------ measuring

    def _widths(self) -> list[float]:
        """Column widths in points: each column as wide as its longest word (a date, a phone
        number: its whole text), the rest of the page shared in proportion to the sheet."""
        grid = self.grid
        sheet = [w if w > 0 else 10.0 for w in grid.widths] or [1.0]
        least = [2 * PAD + BOX] * len(sheet)
        for r, row in enumerate(grid.rows):
            if r in grid.title_rows:
                continue
            style, size = self._style(r)
            self.pdf.set_font(FAMILY, style, size)
            cells = _filled(row)
            if len(cells) == 1 and cells[0][0] == 0:
                continue  # a line across the page
            for c, text in cells:
                if c >= len(sheet) or text == TICK:
                    continue
                # a date or a phone number stays on one line; a text breaks between words,
                # as a header (on one line, to be read across the page)
                whole = _LETTER.search(text) is None or r in grid.header_rows
                words = [text] if whole else text.split()
                need = max(self.pdf.get_string_width(w) for w in words) + 2 * PAD + 1
                least[c] = max(least[c], need)
        room = self.pdf.epw
        if sum(least) >= room:
            return [room * w / sum(least) for w in least]
        # share the rest in proportion to the sheet, never below the least
        fixed: set[int] = set()
        while True:
            free = [c for c in range(len(sheet)) if c not in fixed]
            rest = room - sum(least[c] for c in fixed)
            share = sum(sheet[c] for c in free)
            widths = [
                least[c] if c in fixed else rest * sheet[c] / share for c in range(len(sheet))
            ]
            short = {c for c in free if widths[c] < least[c]}
            if not short:
                return widths
            fixed |= short

    def _style(self, r: int) -> tuple[str, float]:
        if r in self.grid.title_rows:
            return "B", TITLE_SIZE if r == 0 else SECTION_SIZE
        if r in self.grid.header_rows:
            return "B", HEADER_SIZE
        return "", BODY_SIZE

    def _measure(self, style: str, size: float) -> Callable[[str], float]:
        """Text widths in points in the current font: from the table of DejaVu Sans widths
        (fast), from the font file for a character the table lacks."""

        def measure(text: str) -> float:
            known = layout.text_points(text, size, bold=style == "B")
            return known if known is not None else self.pdf.get_string_width(text)

        return measure

    def _lines(self, r: int) -> list[tuple[int, float, float, list[str]]]:
        """The cells of row ``r``: column, x, width, wrapped lines."""
        style, size = self._style(r)
        self.pdf.set_font(FAMILY, style, size)
        cells = _filled(self.grid.rows[r])
        if r in self.continued and cells:
            cells[0] = (cells[0][0], cells[0][1] + CONTINUED)
        out: list[tuple[int, float, float, list[str]]] = []
        across = len(cells) == 1 and cells[0][0] == 0  # a line of text across the page
        for c, text in cells:
            if c >= len(self.w):
                continue
            x, w = (
                (self.x[0], self.pdf.epw)
                if across or r in self.grid.title_rows
                else (self.x[c], self.w[c])
            )
            if text == TICK:
                out.append((c, x, w, [TICK]))
                continue
            lines = layout.wrap_text(text, w - 2 * PAD, measure=self._measure(style, size))
            out.append((c, x, w, lines))
        return out

    def _height(self, r: int) -> float:
        _style, size = self._style(r)
        if not _filled(self.grid.rows[r]):
            return size * 0.8
        most = max((len(lines) for *_, lines in self._lines(r)), default=1)
        extra = 4.0 if r in self.grid.title_rows and r > 0 else 0.0
        return most * size * LEADING + 2 * PAD + extra

    # ------------------------------------------------------------ drawing

    def _draw(self, r: int, y: float) -> float:
        style, size = self._style(r)
        height = self._height(r)
        if not _filled(self.grid.rows[r]):
            return y + height
        header = r in self.grid.header_rows
        cells = _filled(self.grid.rows[r])
        across = len(cells) == 1 and cells[0][0] == 0  # a line of text, not a row of the table
        body = not header and not across and r not in self.grid.title_rows
        if header:
            self.pdf.set_fill_color(HEADER_GREY)
            self.pdf.rect(MARGIN, y, self.pdf.epw, height, style="F")
        lines_of = self._lines(r)
        self.pdf.set_font(FAMILY, style, size)
        top = y + PAD + (4.0 if r in self.grid.title_rows and r > 0 else 0.0)
        for _c, x, _w, lines in lines_of:
            if lines == [TICK]:
                self.pdf.set_draw_color(0)
                self.pdf.set_line_width(0.8)
                self.pdf.rect(x + PAD, top + 0.5, BOX, BOX)
                continue
            for i, line in enumerate(lines):
                baseline = top + i * size * LEADING + size * 0.95
                self.pdf.text(x + PAD, baseline, line)
        if body or header:
            self.pdf.set_draw_color(RULE_GREY)
            self.pdf.set_line_width(0.4)
            self.pdf.line(MARGIN, y + height, MARGIN + self.pdf.epw, y + height)
        return y + height

    def _new_page(self) -> float:
        self.pdf.add_page()
        y = self.top
        for r in self.repeat:
            y = self._draw(r, y)
        return y

    def render(self) -> bytes:
        rows = range(len(self.grid.rows))
        self.pdf.add_page()
        y = self.top
        section: int | None = None  # the section title the rows drawn belong to
        for r in rows:
            if r in self.grid.title_rows and r > 0:
                section = r
            elif not _filled(self.grid.rows[r]):
                section = None
            if r in self.repeat and self.pdf.page_no() == 1:
                y = self._draw(r, y)
                continue
            if r in self.repeat:
                continue
            needed = self._height(r)
            if r in self.grid.title_rows and r + 1 < len(self.grid.rows):
                needed += self._height(r + 1)  # a section title stays with its first row
            if y + needed > self.bottom and y > self.top + 1:
                if not _filled(self.grid.rows[r]):
                    continue  # no blank row at the top of a page
                y = self._new_page()
                if section is not None and section != r:  # a section goes on: its title again
                    self.continued.add(section)
                    y = self._draw(section, y)
                    self.continued.discard(section)
            y = self._draw(r, y)
        return bytes(self.pdf.output())


def grid_pdf(grid: SheetGrid, today: dt.date | None = None) -> bytes:
    """The PDF of a generated sheet: A4 landscape, the header row on every page, page numbers.

    ``today``: the date of the list, used as the PDF's creation date (same list, same bytes).
    """
    return _Renderer(grid, today).render()
