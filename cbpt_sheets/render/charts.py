"""The report's charts as a PDF or PNG picture (matplotlib, Agg: no display needed).

One A4 landscape page: the title, the subtitle, and the four charts of the
Tableau de bord sheet (``render.report.CHART_TITLES``) drawn from the same figures.
Texts are real text in the PDF (TrueType fonts embedded), so that they can be
searched and read back.
"""

from __future__ import annotations

import io
from typing import Any

from cbpt_sheets.core.report import FUNNEL, OUTCOME_GROUPS, Campaign
from cbpt_sheets.render.report import CHART_TITLES, TITLE, subtitle, week_label

COLOURS = ("#1F5EA8", "#D6781C", "#2E8B57", "#7840A0", "#C0392B", "#5D6D7E", "#B7950B", "#17A589")
A4_LANDSCAPE = (11.69, 8.27)  # inches


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcParams["pdf.fonttype"] = 42  # TrueType: the titles stay text
    matplotlib.rcParams["font.family"] = "DejaVu Sans"
    import matplotlib.pyplot as plt

    return plt


def _bars(ax: Any, labels: list[str], counts: list[int], title: str, colour: str) -> None:
    positions = list(range(len(labels)))
    ax.barh(positions, counts, color=colour)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()  # the first step on top
    for y, n in zip(positions, counts, strict=True):
        ax.text(n, y, f" {n}", va="center", fontsize=8)
    ax.set_title(title, fontsize=11, fontweight="bold")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)


def draw(c: Campaign, fmt: str) -> bytes:
    """The picture of the report: ``fmt`` is ``pdf`` or ``png`` (150 dpi)."""
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=A4_LANDSCAPE)
    try:
        fig.suptitle(f"{TITLE}\n{subtitle(c)}", fontsize=13)
        funnel, contacts, outcomes, overdue = axes[0][0], axes[0][1], axes[1][0], axes[1][1]
        _bars(
            funnel,
            [label for _code, label in FUNNEL],
            [c.funnel[code] for code, _label in FUNNEL],
            CHART_TITLES["funnel"],
            COLOURS[0],
        )
        weeks = [week_label(w) for w in c.weeks]
        grid = c.contacts_grid()
        bottom = [0] * len(weeks)
        for index, name in enumerate(c.volunteers):
            counts = [row[index] for row in grid]
            contacts.bar(
                weeks, counts, bottom=bottom, label=name, color=COLOURS[index % len(COLOURS)]
            )
            bottom = [b + n for b, n in zip(bottom, counts, strict=True)]
        contacts.set_title(CHART_TITLES["contacts"], fontsize=11, fontweight="bold")
        contacts.set_ylabel("Contacts")
        if c.volunteers:
            contacts.legend(fontsize=8, frameon=False)
        groups = c.outcome_groups_grid()
        for index, (_code, label, _o) in enumerate(OUTCOME_GROUPS):
            outcomes.plot(
                weeks,
                [row[index] for row in groups],
                marker="o",
                label=label,
                color=COLOURS[index % len(COLOURS)],
            )
        outcomes.set_title(CHART_TITLES["outcomes"], fontsize=11, fontweight="bold")
        outcomes.set_ylabel("Contacts")
        outcomes.legend(fontsize=8, frameon=False)
        for ax in (contacts, outcomes):
            ax.tick_params(axis="x", labelsize=8, rotation=45)
            ax.yaxis.get_major_locator().set_params(integer=True)
            ax.spines[["top", "right"]].set_visible(False)
        names = list(c.overdue_per_volunteer) or ["Aucun bénévole"]
        _bars(
            overdue,
            names,
            [c.overdue_per_volunteer.get(n, 0) for n in names],
            CHART_TITLES["overdue"],
            COLOURS[4],
        )
        fig.tight_layout(rect=(0, 0, 1, 0.93))
        out = io.BytesIO()
        fig.savefig(out, format=fmt, dpi=150, metadata={"Title": TITLE})
        return out.getvalue()
    finally:
        plt.close(fig)
