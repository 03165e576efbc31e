"""Regressions found by using the tool as a volunteer would: each test failed before its fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from cbpt_sheets.cli import cli
from cbpt_sheets.core.brief import brief
from cbpt_sheets.core.followup import followup, gdpr_list
from cbpt_sheets.core.models import Contact, NextAction, Organisation, Workbook
from cbpt_sheets.render import brief_text, fiche_grid

T = dt.date(2026, 12, 1)


def action(org: str, volunteer: str, library: str) -> NextAction:
    return NextAction(
        organisation=org,
        row=2,
        stage="first-call",
        action="first-call",
        label="Appeler",
        due=T,
        reason="Aucun contact enregistré",
        volunteer=volunteer,
        library=library,
        gdpr=True,
    )


def test_volunteer_filter_by_first_name_as_in_the_help_example() -> None:
    """`--volunteer Claire` (the --help example) finds Claire Martin's actions, not Claire's only."""
    actions = [
        action("A", "Claire Martin", "Paris 15 – Vaugirard"),
        action("B", "Jacques Lefèvre", "Paris 14 – Plaisance"),
        action("C", "Clairette Dubois", "Paris 1"),
    ]
    assert [i.organisation for i in followup(actions, T, volunteer="claire")] == ["A"]
    assert [i.organisation for i in followup(actions, T, library="paris 15")] == ["A"]
    assert [i.organisation for i in followup(actions, T, library="Paris 1")] == ["C"]
    assert [a.organisation for a in gdpr_list(actions, volunteer="Jacques")] == ["B"]
    assert followup(actions, T, volunteer="Martin") == []


def test_brief_of_an_opted_out_organisation_gives_nothing_to_say() -> None:
    """An organisation that asked not to be contacted gets no « Quoi dire » talking points."""
    book = Workbook(
        organisations=[
            Organisation(row=2, id="ORG-0001", name="Epsilon", switchboard="01 45 45 45 44")
        ],
        contacts=[
            Contact(row=2, date=dt.date(2026, 11, 20), organisation="Epsilon", outcome="opt-out")
        ],
    )
    b = brief(book, "Epsilon", T)
    assert b.next_action.stage == "do-not-contact"
    assert b.talking_points == []
    assert "Quoi dire" not in brief_text(b)
    assert all("Quoi dire" not in str(row) for row in fiche_grid(b).rows)


def test_followup_says_when_a_filter_names_nobody(example_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["followup", str(example_path), "--volunteer", "Personne", "--today", "2026-12-01"]
    )
    assert result.exit_code == 0
    assert "aucune organisation n'a «\u00a0Personne\u00a0» comme bénévole" in result.output
    assert "«\u00a0Claire Martin\u00a0», «\u00a0Jacques Lefèvre\u00a0»" in result.output
    quiet = CliRunner().invoke(
        cli, ["followup", str(example_path), "--volunteer", "Claire", "--today", "2026-12-01"]
    )
    assert "Attention" not in quiet.output


def test_a_date_written_under_a_datetime_cell_shows_as_a_date(tmp_path: Path) -> None:
    import openpyxl

    from cbpt_sheets.ooxml.writer import write_changes

    path = tmp_path / "dates.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Appels"
    ws.append(["Date"])
    ws.append([dt.datetime(2026, 11, 3, 0, 0)])  # openpyxl's format: yyyy-mm-dd h:mm:ss
    wb.save(path)
    write_changes(path, cells={"Appels": {"A3": dt.date(2026, 11, 4)}})
    cell = openpyxl.load_workbook(path)["Appels"]["A3"]
    assert cell.value == dt.datetime(2026, 11, 4)
    assert cell.number_format.lower() == "dd/mm/yyyy"
