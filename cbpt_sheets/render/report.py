"""The campaign's figures as text, JSON and the Tableau de bord sheet (a grid with native charts).

The sheet and the pictures of ``render.charts`` show the same four charts, titled
by ``CHART_TITLES``: the funnel of the guide's steps (bars), the contacts per week
and volunteer (columns), the outcomes per week (lines), the overdue actions per
volunteer (bars).
"""

from __future__ import annotations

import json
from typing import Literal

from cbpt_sheets.core.a1 import column_letter
from cbpt_sheets.core.codes import STAGES
from cbpt_sheets.core.french import format_date, plural
from cbpt_sheets.core.models import GridChart, SheetGrid
from cbpt_sheets.core.report import FUNNEL, OUTCOME_GROUPS, Campaign

TITLE = "Tableau de bord de la campagne"
CHART_TITLES: dict[str, str] = {
    "funnel": "Organisations par étape du guide",
    "contacts": "Contacts par semaine et par bénévole",
    "outcomes": "Résultats des contacts par semaine",
    "overdue": "Actions en retard par bénévole",
}
"""The French titles of the four charts, the same in the sheet, the PDF and the PNG."""


def percent(rate: float | None) -> str:
    """``42 %`` (no-break space), or ``–`` when there is nothing to divide."""
    if rate is None:
        return "–"
    return f"{round(rate * 100)}\u00a0%"


def days_text(median: float | None) -> str:
    """``6 jours ouvrés`` (``6,5`` for a half), or ``–``."""
    if median is None:
        return "–"
    shown = f"{median:g}".replace(".", ",")
    return f"{shown} jour{'s' if median >= 2 else ''} ouvré{'s' if median >= 2 else ''}"


def week_label(week: str) -> str:
    """``S47`` for ``2026-W47`` (the year is in the subtitle)."""
    return "S" + week.split("-W")[1]


def subtitle(c: Campaign) -> str:
    """``Au 01/12/2026 · contacts du 08/09/2026 au 01/12/2026 · bibliothèque : Paris 15``."""
    parts = [
        f"Au {format_date(c.today)}",
        f"contacts du {format_date(c.start)} au {format_date(c.today)}",
    ]
    if c.library:
        parts.append(f"bibliothèque\u00a0: {c.library}")
    return " · ".join(parts)


# ---------------------------------------------------------------- text and JSON


def report_text(c: Campaign) -> str:
    """The report for a terminal: every figure, in French."""
    lines = [TITLE, subtitle(c), ""]
    lines.append(f"Organisations suivies\u00a0: {c.organisations}")
    lines.append("")
    lines.append("Étapes du guide (organisations arrivées au moins à l'étape)\u00a0:")
    previous: int | None = None
    for code, label in FUNNEL:
        n = c.funnel[code]
        rate = (
            ""
            if previous is None
            else f"  ({percent(n / previous if previous else None)} de l'étape précédente)"
        )
        lines.append(f"  {label:<28} {n:>5}{rate}")
        previous = n
    lines.append("")
    lines.append("Étape actuelle\u00a0:")
    for code, label in STAGES.items():
        lines.append(f"  {label:<42} {c.stages.get(code, 0):>5}")
    lines.append("")
    lines.append(
        f"Du premier contact au premier rendez-vous (médiane)\u00a0: "
        f"{days_text(c.first_call_to_meeting)}"
        + (
            f", sur {plural(c.first_call_to_meeting_count, 'organisation')}"
            if c.first_call_to_meeting_count
            else ""
        )
    )
    lines.append("")
    lines.append(f"Contacts par semaine ({plural(c.contacts, 'contact')} en tout)\u00a0:")
    names = c.volunteers
    grid = c.contacts_grid()
    sizes = [max(len(n), 5) + 2 for n in names]
    header = "  Semaine   " + "".join(f"{n:>{w}}" for n, w in zip(names, sizes, strict=True))
    lines.append(header + f"{'Total':>8}")
    for week, row in zip(c.weeks, grid, strict=True):
        cells = "".join(f"{n:>{w}}" for n, w in zip(row, sizes, strict=True))
        lines.append(f"  {week:<9} " + cells + f"{sum(row):>8}")
    lines.append("")
    lines.append("Résultats par semaine\u00a0:")
    groups = [label for _code, label, _o in OUTCOME_GROUPS]
    lines.append("  Semaine   " + " | ".join(groups))
    for week, row in zip(c.weeks, c.outcome_groups_grid(), strict=True):
        lines.append(
            f"  {week:<9} " + " | ".join(f"{n:>{len(g)}}" for n, g in zip(row, groups, strict=True))
        )
    lines.append("")
    lines.append("Actions en retard par bénévole\u00a0:")
    if not c.overdue_per_volunteer:
        lines.append("  aucune")
    for name, n in c.overdue_per_volunteer.items():
        lines.append(f"  {name:<28} {n:>5}")
    return "\n".join(lines) + "\n"


def report_json(c: Campaign, pretty: bool = True) -> str:
    """``report --format json``."""
    return json.dumps(c.as_json(), ensure_ascii=False, indent=2 if pretty else None) + "\n"


# ---------------------------------------------------------------- the sheet


def _chart(
    key: str,
    kind: Literal["bar", "column", "line"],
    header: int,
    first: int,
    last: int,
    columns: list[int],
    anchor_row: int,
    *,
    stacked: bool = False,
    axis: str | None = None,
) -> GridChart:
    return GridChart(
        kind=kind,
        title=CHART_TITLES[key],
        header_row=header,
        first_row=first,
        last_row=last,
        category_column=0,
        value_columns=columns,
        anchor=f"{column_letter(CHART_COLUMN)}{anchor_row + 1}",
        stacked=stacked,
        axis_title=axis,
    )


CHART_COLUMN = 8  # column I: the charts stand right of the tables
CHART_ROWS = 17  # rows per chart (7.5 cm at the default row height, and a gap)


def dashboard_grid(c: Campaign) -> SheetGrid:
    """The Tableau de bord sheet: the figures as tables, and the four charts drawn from them."""
    rows: list[list[object]] = [[TITLE], [subtitle(c)], []]
    headers: list[int] = []
    charts: list[GridChart] = []

    def table(header: list[object], body: list[list[object]]) -> tuple[int, int, int]:
        at = len(rows)
        headers.append(at)
        rows.append(header)
        rows.extend(body)
        rows.append([])
        return at, at + 1, at + len(body)

    # the funnel, in the guide's order
    previous: int | None = None
    body: list[list[object]] = []
    for code, label in FUNNEL:
        n = c.funnel[code]
        body.append(
            [label, n, "" if previous is None else percent(n / previous if previous else None)]
        )
        previous = n
    h, first, last = table(["Étape du guide", "Organisations", "Passage"], body)
    charts.append(_chart("funnel", "bar", h, first, last, [1], 0, axis="Organisations"))

    # contacts per week and volunteer
    names = c.volunteers or ["Contacts"]
    grid = c.contacts_grid() if c.volunteers else [[0] for _ in c.weeks]
    h, first, last = table(
        ["Semaine", *names, "Total"],
        [[week_label(w), *row, sum(row)] for w, row in zip(c.weeks, grid, strict=True)],
    )
    charts.append(
        _chart(
            "contacts",
            "column",
            h,
            first,
            last,
            list(range(1, len(names) + 1)),
            CHART_ROWS,
            stacked=True,
            axis="Contacts",
        )
    )

    # outcomes per week
    h, first, last = table(
        ["Semaine", *(label for _c, label, _o in OUTCOME_GROUPS)],
        [[week_label(w), *row] for w, row in zip(c.weeks, c.outcome_groups_grid(), strict=True)],
    )
    charts.append(
        _chart(
            "outcomes",
            "line",
            h,
            first,
            last,
            list(range(1, len(OUTCOME_GROUPS) + 1)),
            2 * CHART_ROWS,
            axis="Contacts",
        )
    )

    # overdue actions per volunteer
    overdue = list(c.overdue_per_volunteer.items()) or [("Aucun bénévole", 0)]
    h, first, last = table(["Bénévole", "Actions en retard"], [[n, v] for n, v in overdue])
    charts.append(_chart("overdue", "bar", h, first, last, [1], 3 * CHART_ROWS, axis="Actions"))

    # the current stages and the delay
    table(
        ["Étape actuelle", "Organisations"],
        [[label, c.stages.get(code, 0)] for code, label in STAGES.items()],
    )
    table(
        ["Du premier contact au premier rendez-vous", "Médiane"],
        [
            [
                f"sur {plural(c.first_call_to_meeting_count, 'organisation')}",
                days_text(c.first_call_to_meeting),
            ]
        ],
    )
    width = max(len(r) for r in rows)
    widths = [34.0, *([17.0] * (width - 1))]
    column = column_letter(max(CHART_COLUMN, width + 1))  # right of the widest table
    charts = [
        chart.model_copy(
            update={"anchor": column + chart.anchor.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
        )
        for chart in charts
    ]
    return SheetGrid(
        name="Tableau de bord",
        rows=[list(r) for r in rows],
        widths=widths,
        title_rows=[0],
        header_rows=headers,
        charts=charts,
    )
