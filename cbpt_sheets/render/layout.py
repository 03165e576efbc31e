"""How a generated sheet (Suivi, Contrôles, Fiche) looks: declared once, applied by every sink.

A ``SheetGrid`` says what goes where (title rows, header rows, link cells, wrapped
columns, widths); this module says how each of those looks. The file writer
(``ooxml.sheetxml.render_grid``), the xlsx export (``ooxml.export``) and the Excel
ribbon (``excel.book.ExcelSink``) all lay a grid out from these declarations.
It imports only the models, so that the file writer can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cbpt_sheets.core.models import SheetGrid

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
    if column in grid.wrap_columns:
        return "wrap"
    return None


def frozen_rows(grid: SheetGrid) -> int:
    """How many top rows stay in view when scrolling: one block of header rows, else none."""
    headers = sorted(set(grid.header_rows))
    if headers and headers[-1] - headers[0] == len(headers) - 1:
        return headers[-1] + 1
    return 0
