"""``report``: every figure of the example workbook against a count made here from its rows.

The counts in this file read the workbook with openpyxl and follow the definitions
of ``core.report`` (the funnel's steps, ISO weeks, working days with numpy and the
holidays package), without the package's reader, linking or rules.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import statistics
import subprocess
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import holidays
import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageStat

from cbpt_sheets.cli import cli
from cbpt_sheets.core.models import SheetGrid
from cbpt_sheets.core.report import working_days_between
from cbpt_sheets.ooxml.writer import write_changes

from .conftest import TODAY, convert_to_pdf, require_soffice

DAY = TODAY.isoformat()
OUTCOMES = {
    "Pas de réponse": "no-answer",
    "Mauvais numéro": "wrong-number",
    "Responsable absent – rappel convenu": "head-absent-callback",
    "Responsable absent – coordonnées obtenues": "redirected",
    "Aucune orientation": "no-redirection",
    "Entretien – RDV fixé": "meeting-set",
    "Entretien – à rappeler": "call-back",
    "Entretien – documentation à envoyer": "send-info",
    "Entretien – pas intéressé": "not-interested",
    "Refus d'être recontacté": "opt-out",
    "Mail envoyé": "mail-sent",
    "Courrier envoyé": "letter-sent",
}
STEP3 = {"head-absent-callback", "redirected"}
STEP4 = {"meeting-set", "call-back", "send-info", "not-interested", "opt-out"}
PARTNER_SUITES = {"Adhésion collective", "Adhésions individuelles", "Dépôt de livres"}
PREPARATION = (("Domaine d'activité",), ("Effectifs",), ("Standard", "Téléphone interlocuteur"),
               ("Responsable", "Interlocuteur"), ("Objectif",))  # fmt: skip
TITLES = (
    "Tableau de bord de la campagne",
    "Organisations par étape du guide",
    "Contacts par semaine et par bénévole",
    "Résultats des contacts par semaine",
    "Actions en retard par bénévole",
)


def run(*args: Any) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args])


def rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path)[sheet]
    values = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    return [dict(zip(header, r, strict=False)) for r in values[1:] if any(v is not None for v in r)]


def day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def report(path: Path, *args: str) -> dict[str, Any]:
    result = run("report", path, "--today", DAY, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


class Rows:
    """The example's rows, linked by Nom as typed (the example names each organisation exactly)."""

    def __init__(self, path: Path, library: str | None = None) -> None:
        self.orgs = [
            o
            for o in rows(path, "Organisations")
            if library is None or library in o["Bibliothèque"]
        ]
        names = {o["Nom"] for o in rows(path, "Organisations")}
        self.calls = rows(path, "Appels")
        self.apps = rows(path, "Rendez-vous")
        assert {c["Organisation"] for c in self.calls} <= names  # linking by Nom is enough here
        assert {a["Organisation"] for a in self.apps} <= names
        kept = {o["Nom"] for o in self.orgs}
        self.calls = [c for c in self.calls if c["Organisation"] in kept]
        self.apps = [a for a in self.apps if a["Organisation"] in kept]

    def of(self, org: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return (
            [c for c in self.calls if c["Organisation"] == org["Nom"]],
            [a for a in self.apps if a["Organisation"] == org["Nom"]],
        )

    def level(self, org: dict[str, Any]) -> int:
        calls, apps = self.of(org)
        outcomes = {OUTCOMES[c["Résultat"]] for c in calls}
        if org["Suivi"] == "Partenaire" or any(a["Suite"] in PARTNER_SUITES for a in apps):
            return 7
        if any(a["Statut"] == "Réalisé" for a in apps):
            return 6
        if apps or "meeting-set" in outcomes:
            return 5
        if outcomes & STEP4:
            return 4
        if outcomes & STEP3:
            return 3
        if calls:
            return 2
        prepared = all(any(org.get(k) not in (None, "") for k in keys) for keys in PREPARATION)
        return 1 if prepared else 0

    def funnel(self) -> list[int]:
        levels = [self.level(o) for o in self.orgs]
        return [sum(1 for lv in levels if lv >= step) for step in range(1, 8)]

    def delays(self) -> list[int]:
        french = sorted(holidays.country_holidays("FR", years=range(2025, 2028)))
        out = []
        for org in self.orgs:
            calls, apps = self.of(org)
            if not calls:
                continue
            first = min(day(c["Date"]) for c in calls)
            meetings = [
                day(a["Date"]) for a in apps if a["Statut"] != "Annulé" and day(a["Date"]) >= first
            ]
            if meetings:
                start = first + dt.timedelta(days=1)
                end = min(meetings) + dt.timedelta(days=1)
                out.append(int(np.busday_count(start, end, holidays=french)))
        return out


def test_every_figure_matches_a_count_made_from_the_rows(example_path: Path) -> None:
    doc = report(example_path)
    data = Rows(example_path)
    assert doc["today"] == DAY
    assert doc["organisations"] == len(data.orgs) == 33

    # stages: every stage code, the plan's stage per organisation (as next gives it)
    stages = Counter(
        a["stage"]
        for a in json.loads(run("next", example_path, "--today", DAY, "--format", "json").stdout)[
            "actions"
        ]
    )
    assert set(doc["stages"]) == {
        "to-correct", "preparation", "first-call", "finding-contact", "conversation",
        "appointment", "partner", "closed", "paused", "do-not-contact",
    }  # fmt: skip
    assert doc["stages"] == {code: stages.get(code, 0) for code in doc["stages"]}
    assert sum(doc["stages"].values()) == len(data.orgs)
    opted_out = {
        c["Organisation"] for c in data.calls if c["Résultat"] == "Refus d'être recontacté"
    }
    assert doc["stages"]["do-not-contact"] == sum(
        1 for o in data.orgs if o["Suivi"] == "Ne pas contacter" or o["Nom"] in opted_out
    )
    assert doc["stages"]["paused"] == sum(1 for o in data.orgs if o["Suivi"] == "En pause")

    # the funnel and the conversion rates
    funnel = data.funnel()
    assert [s["count"] for s in doc["funnel"]] == funnel
    assert [s["step"] for s in doc["funnel"]] == [
        "prepared", "called", "reached", "conversation", "meeting-set", "meeting-held", "partner"
    ]  # fmt: skip
    assert funnel == sorted(funnel, reverse=True) and funnel[0] > funnel[-1] > 0
    assert [c["rate"] for c in doc["conversion"]] == [
        round(b / a, 4) for a, b in itertools.pairwise(funnel)
    ]

    # contacts per ISO week and volunteer, outcomes per week, over the last 12 weeks
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    start = monday - dt.timedelta(weeks=11)
    assert doc["from"] == start.isoformat()
    assert len(doc["weeks"]) == 12 and doc["weeks"][-1] == "2026-W49"
    recent = [c for c in data.calls if start <= day(c["Date"]) <= TODAY]

    def week(c: dict[str, Any]) -> str:
        y, w, _ = day(c["Date"]).isocalendar()
        return f"{y}-W{w:02d}"

    per_volunteer = Counter((week(c), c["Bénévole"]) for c in recent)
    assert {(e["week"], e["volunteer"]): e["count"] for e in doc["contacts_per_week"]} == dict(
        per_volunteer
    )
    per_outcome = Counter((week(c), OUTCOMES[c["Résultat"]]) for c in recent)
    assert {(e["week"], e["outcome"]): e["count"] for e in doc["outcomes_per_week"]} == dict(
        per_outcome
    )
    assert sum(e["count"] for e in doc["contacts_per_week"]) == len(recent) > 40

    # first contact -> first meeting, median in working days
    delays = data.delays()
    assert doc["first_call_to_meeting"] == {
        "median_working_days": statistics.median(delays),
        "organisations": len(delays),
    }
    assert len(delays) >= 8

    # overdue actions per volunteer: the follow-up list's overdue items
    items = json.loads(run("followup", example_path, "--today", DAY, "--format", "json").stdout)[
        "items"
    ]
    overdue = Counter(i["volunteer"] for i in items if i["bucket"] == "overdue")
    assert doc["overdue_per_volunteer"] == dict(overdue)
    assert sum(overdue.values()) > 0


def test_library_and_from_restrict_the_figures(example_path: Path) -> None:
    doc = report(example_path, "--library", "Paris 15", "--from", "01/11/2026")
    data = Rows(example_path, library="Paris 15")
    assert doc["library"] == "Paris 15" and doc["organisations"] == len(data.orgs) < 33
    assert [s["count"] for s in doc["funnel"]] == data.funnel()
    assert doc["from"] == "2026-11-01" and doc["weeks"][0] == "2026-W44"
    recent = [c for c in data.calls if dt.date(2026, 11, 1) <= day(c["Date"]) <= TODAY]
    assert sum(e["count"] for e in doc["contacts_per_week"]) == len(recent)
    assert {e["volunteer"] for e in doc["contacts_per_week"]} == {c["Bénévole"] for c in recent}
    assert doc["first_call_to_meeting"]["median_working_days"] == statistics.median(data.delays())


def test_bad_options_give_a_french_message(example_path: Path, tmp_path: Path) -> None:
    result = run("report", example_path, "--today", DAY, "--from", "2026-12-25")
    assert result.exit_code == 3 and "après aujourd'hui" in result.stderr
    result = run("report", example_path, "--from", "32/01/2026")
    assert result.exit_code == 2 and "--from" in result.stderr and "AAAA-MM-JJ" in result.stderr
    result = run("report", example_path, "--format", "pdf")
    assert result.exit_code == 2 and "--output" in result.stderr
    result = run("report", example_path, "--format", "json", "--output", example_path)
    assert result.exit_code == 3 and "classeur lu" in result.stderr
    result = run("report", example_path, "--library", "Lyon")
    assert result.exit_code == 0 and "«\u00a0Lyon\u00a0»" in result.stderr


def test_text_report_shows_the_figures(example_path: Path) -> None:
    result = run("report", example_path, "--today", DAY)
    assert result.exit_code == 0, result.output
    doc = report(example_path)
    text = result.stdout
    assert "Tableau de bord de la campagne" in text and "Au 01/12/2026" in text
    for step in doc["funnel"]:
        assert f"{step['label']:<28} {step['count']:>5}" in text
    for name, n in doc["overdue_per_volunteer"].items():
        assert f"{name:<28} {n:>5}" in text
    assert f"{doc['first_call_to_meeting']['median_working_days']:g} jours ouvrés" in text


# ---------------------------------------------------------------- the Tableau de bord sheet


def _sheet_table(ws: Any, header: str) -> list[tuple[Any, ...]]:
    """The rows under the header row whose first cell is ``header``, to the next blank row."""
    values = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(values) if r[0] == header)
    out = []
    for r in values[start + 1 :]:
        if r[0] is None:
            break
        out.append(r)
    return out


def test_write_adds_the_sheet_with_its_figures_and_native_charts(example_path: Path) -> None:
    before = zipfile.ZipFile(example_path)
    kept = {n: before.read(n) for n in before.namelist()}
    result = run("report", example_path, "--today", DAY, "--write")
    assert result.exit_code == 0, result.output
    assert "feuille «\u00a0Tableau de bord\u00a0» réécrite" in result.output
    doc = report(example_path)
    wb = openpyxl.load_workbook(example_path)
    assert wb.sheetnames[-1] == "Tableau de bord"
    ws = wb["Tableau de bord"]
    assert [r[:2] for r in _sheet_table(ws, "Étape du guide")] == [
        (s["label"], s["count"]) for s in doc["funnel"]
    ]
    assert [r[1] for r in _sheet_table(ws, "Bénévole")] == list(
        doc["overdue_per_volunteer"].values()
    )
    weekly = _sheet_table(ws, "Semaine")
    assert len(weekly) == 12 and sum([v for v in r if v is not None][-1] for r in weekly) == sum(
        e["count"] for e in doc["contacts_per_week"]
    )
    assert [c.tagname for c in ws._charts] == ["barChart", "barChart", "lineChart", "barChart"]
    with zipfile.ZipFile(example_path) as after:
        names = after.namelist()
        assert sum(1 for n in names if n.startswith("xl/charts/chart")) == 4
        for n, data in kept.items():  # every part of the volunteer's sheets unchanged
            if n.startswith(("xl/worksheets/sheet", "xl/tables/", "xl/comments")):
                assert after.read(n) == data, n
        assert b"Tableau de bord" in after.read("xl/charts/chart1.xml")

    # again: the sheet is rewritten in place, its old charts go, no part left behind
    assert run("report", example_path, "--today", "2026-12-08", "--write").exit_code == 0
    with zipfile.ZipFile(example_path) as again:
        names = again.namelist()
        assert sum(1 for n in names if n.startswith("xl/charts/chart")) == 4
        assert sum(1 for n in names if n.startswith("xl/drawings/drawing")) == 1
        types = again.read("[Content_Types].xml").decode()
        assert types.count("drawingml.chart+xml") == 4
    assert openpyxl.load_workbook(example_path).sheetnames.count("Tableau de bord") == 1


def test_english_workbook_gets_a_dashboard_sheet(example_path_en: Path) -> None:
    assert run("report", example_path_en, "--today", DAY, "--write").exit_code == 0
    wb = openpyxl.load_workbook(example_path_en)
    assert "Dashboard" in wb.sheetnames and len(wb["Dashboard"]._charts) == 4


def _colour_variance(pdf: Path, tmp_path: Path) -> tuple[float, str]:
    """The variance of the colour saturation of the page that shows the dashboard's title.

    The tables are black on white (saturation 0 everywhere); the charts' bars and lines
    are coloured: the variance tells whether a chart was drawn.
    """
    pages = int(
        next(
            line.split()[1]
            for line in subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        if "Tableau de bord de la campagne" in text:
            break
    else:
        raise AssertionError("no page shows the dashboard")
    prefix = tmp_path / f"page-{pdf.stem}"
    subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", "50", "-png", str(pdf), str(prefix)],
        check=True,
    )  # fmt: skip
    (png,) = tmp_path.glob(f"page-{pdf.stem}*.png")
    saturation = Image.open(png).convert("RGB").convert("HSV").getchannel("S")
    return ImageStat.Stat(saturation).var[0], text


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_draws_the_charts(example_path: Path, tmp_path: Path) -> None:
    require_soffice()
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm (poppler-utils) is required")
    # the same sheet without its charts: what a page with no chart drawn looks like
    bare = tmp_path / "sans-graphiques.xlsx"
    shutil.copyfile(example_path, bare)
    grid = SheetGrid.model_validate({**_grid_of(example_path), "charts": []})
    write_changes(bare, sheets=[grid])
    assert run("report", example_path, "--today", DAY, "--write").exit_code == 0
    out = tmp_path / "pdf"
    out.mkdir()
    with_charts, text = _colour_variance(convert_to_pdf(example_path, out), tmp_path)
    without, _ = _colour_variance(convert_to_pdf(bare, out), tmp_path)
    assert "Étape du guide" in text
    assert without < 1, without  # black text on white
    assert with_charts > 100 * (without + 1), (with_charts, without)  # coloured bars and lines


def _grid_of(path: Path) -> dict[str, Any]:
    """The dashboard grid the command writes for this workbook (through the operations)."""
    from cbpt_sheets import operations

    result = operations.campaign_report(operations.open_file(path), TODAY)
    return result.grid.model_dump()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["pdf", "png"])
def test_pdf_and_png_pictures(example_path: Path, tmp_path: Path, fmt: str) -> None:
    output = tmp_path / f"tableau.{fmt}"
    result = run("report", example_path, "--today", DAY, "--format", fmt, "--output", output)
    assert result.exit_code == 0, result.output
    assert f"Graphiques écrits\u00a0: {output}" in result.stdout
    assert not list(tmp_path.glob(".tableau*.tmp"))  # written through a temporary file
    if fmt == "pdf":
        text = subprocess.run(
            ["pdftotext", str(output), "-"], capture_output=True, text=True, check=True
        ).stdout
        for title in TITLES:
            assert title in text
        assert "Au 01/12/2026" in text and "Partenaires" in text and "Claire Martin" in text
    else:
        image = Image.open(output)
        assert image.format == "PNG" and image.size[0] > 1000
        assert image.info.get("Title") == TITLES[0]
        assert ImageStat.Stat(image.convert("L")).var[0] > 500


def test_small_workbooks_and_working_days_across_christmas(
    make_workbook: Any, tmp_path: Path
) -> None:
    empty = make_workbook("vide.xlsx", organisations=[{"Nom": "Mairie du 15e"}])
    doc = report(empty)
    assert [s["count"] for s in doc["funnel"]] == [0] * 7
    assert all(c["rate"] is None for c in doc["conversion"])
    assert doc["first_call_to_meeting"] == {"median_working_days": None, "organisations": 0}
    assert doc["contacts_per_week"] == [] and sum(doc["stages"].values()) == 1
    assert run("report", empty, "--today", DAY, "--write").exit_code == 0
    assert len(openpyxl.load_workbook(empty)["Tableau de bord"]._charts) == 4

    path = make_workbook(
        organisations=[{"Nom": "Mairie du 15e", "Standard": "01 55 76 75 15", "Bénévole": "Claire Martin"}],
        calls=[{"Date": dt.date(2026, 12, 22), "Organisation": "Mairie du 15e",
                "Bénévole": "Claire Martin", "Résultat": "Entretien – RDV fixé"}],
        appointments=[
            {"Organisation": "Mairie du 15e", "Date": dt.date(2026, 12, 23), "Lieu": "Chez eux",
             "Statut": "Annulé"},
            {"Organisation": "Mairie du 15e", "Date": dt.date(2026, 12, 28), "Lieu": "Chez eux",
             "Statut": "Confirmé"},
        ],
    )  # fmt: skip
    result = run("report", path, "--today", "2026-12-30", "--format", "json")
    doc = json.loads(result.stdout)
    # 23, 24 and 28 December: the 25th is a public holiday, the 26th and 27th a weekend
    assert doc["first_call_to_meeting"] == {"median_working_days": 3, "organisations": 1}
    assert doc["contacts_per_week"] == [
        {"week": "2026-W52", "volunteer": "Claire Martin", "count": 1}
    ]
    assert [s["count"] for s in doc["funnel"]] == [1, 1, 1, 1, 1, 0, 0]


@given(
    first=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    length=st.integers(min_value=-10, max_value=1200),
)
def test_working_days_between_counts_like_numpy(first: dt.date, length: int) -> None:
    last = first + dt.timedelta(days=length)
    french = sorted(holidays.country_holidays("FR", years=range(first.year, last.year + 1)))
    expected = (
        int(
            np.busday_count(
                first + dt.timedelta(days=1), last + dt.timedelta(days=1), holidays=french
            )
        )
        if last > first
        else 0
    )
    assert working_days_between(first, last) == expected
