"""The Contrôles sheet of the ribbon's Vérifier: one row per finding, each cell a link to it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cbpt_sheets.core.a1 import column_letter
from cbpt_sheets.core.french import format_date, plural, typo
from cbpt_sheets.core.models import Report, SheetGrid
from cbpt_sheets.core.schema import CHECKS_SHEET

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
CHECK_WIDTHS = [14.0, 16.0, 9.0, 22.0, 24.0, 24.0, 70.0, 40.0]
SEVERITY_FR = {"error": "Erreur", "warning": "Avertissement"}
HEADER_ROW = 1  # 0-based row of the header; the findings follow it
_LINK_COLUMN = CHECK_HEADERS.index("Cellule")


def location(sheet: str, cell: str) -> str:
    """A link target inside the workbook: ``'Appels'!F12``."""
    return "'" + sheet.replace("'", "''") + "'!" + cell


def controls_grid(report: Report, today: dt.date) -> SheetGrid:
    """The Contrôles sheet: a title, a header, one row per finding, its cell a link to it."""
    errors = report.counts.get("error", 0)
    warnings = report.counts.get("warning", 0)
    title = (
        f"Contrôles du {format_date(today)} : "
        f"{plural(errors, 'erreur')}, {plural(warnings, 'avertissement')}"
    )
    rows: list[list[Any]] = [[typo(title)], list(CHECK_HEADERS)]
    links: dict[str, str] = {}
    for f in report.findings:
        value = f.value.isoformat() if isinstance(f.value, (dt.date, dt.time)) else f.value
        if f.cell:
            links[f"{column_letter(_LINK_COLUMN)}{len(rows) + 1}"] = location(f.sheet, f.cell)
        rows.append(
            [
                SEVERITY_FR[f.severity],
                f.sheet,
                f.cell,
                f.column,
                value,
                f.code,
                typo(f.message),
                f.suggestion,
            ]
        )
    if not report.findings:
        rows.append([typo("Aucun problème trouvé : bravo !")])
    return SheetGrid(
        name=CHECKS_SHEET.fr,
        rows=rows,
        widths=CHECK_WIDTHS,
        title_rows=[0],
        header_rows=[HEADER_ROW],
        links=links,
        wrap_columns=list(range(len(CHECK_HEADERS))),  # all: each cell starts at the top
        page_footer=f"Contrôles du {format_date(today)}",
    )
