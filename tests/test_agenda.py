"""``agenda``: the .ics file read back with icalendar against the follow-up list and the rows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from click.testing import CliRunner

from cbpt_sheets.cli import cli
from cbpt_sheets.core.agenda import parse_slot

from .conftest import TODAY

DAY = TODAY.isoformat()
PARIS = ZoneInfo("Europe/Paris")


def run(*args: Any) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args])


def export(path: Path, out: Path, *args: str, today: str = DAY) -> icalendar.Calendar:
    result = run("agenda", path, "--today", today, "--output", out, *args)
    assert result.exit_code == 0, result.output
    assert f"Agenda écrit\u00a0: {out}" in result.stdout
    return icalendar.Calendar.from_ical(out.read_bytes())


def events(cal: icalendar.Calendar) -> list[Any]:
    return list(cal.walk("VEVENT"))


def start(event: Any) -> dt.date | dt.datetime:
    value: dt.date | dt.datetime = event.decoded("DTSTART")
    return value


def test_holds_exactly_the_follow_up_lists_dated_actions(
    example_path: Path, tmp_path: Path
) -> None:
    cal = export(example_path, tmp_path / "claire.ics", "--volunteer", "Claire", "--days", "14")
    items = json.loads(
        run("followup", example_path, "--today", DAY, "--volunteer", "Claire", "--days", "14",
            "--format", "json").stdout
    )["items"]  # fmt: skip
    actions = [e for e in events(cal) if str(e["X-CBPT-ACTION"]) != "appointment"]
    assert sorted(
        (str(e["X-CBPT-ORGANISATION"]), str(e["X-CBPT-ACTION"])) for e in actions
    ) == sorted((i["organisation"], i["action"]) for i in items)
    by_org = {str(e["X-CBPT-ORGANISATION"]): e for e in actions}
    for item in items:
        event = by_org[item["organisation"]]
        assert str(event["SUMMARY"]) == f"{item['organisation']} – {item['label']}"
        when = start(event)
        day = when.date() if isinstance(when, dt.datetime) else when
        assert day.isoformat() == item["due"]
        assert "Pourquoi" in str(event["DESCRIPTION"])
        if item["phone"]:
            assert str(event["URL"]).startswith("tel:+33")
            assert str(event["URL"]) in str(event["DESCRIPTION"])
    assert len({str(e["UID"]) for e in events(cal)}) == len(events(cal))  # unique
    # time zone: Europe/Paris, declared in a VTIMEZONE
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_a_call_back_is_at_its_slot_and_others_are_all_day(
    example_path: Path, tmp_path: Path
) -> None:
    cal = export(example_path, tmp_path / "claire.ics", "--volunteer", "Claire", "--days", "14")
    by_org = {
        str(e["X-CBPT-ORGANISATION"]): e
        for e in events(cal)
        if str(e["X-CBPT-ACTION"]) != "appointment"
    }
    # Appels: Géotech Ingénierie – CSE, « à rappeler » on 04/12/2026, slot « 14h-16h »
    geotech = by_org["Géotech Ingénierie – CSE"]
    assert start(geotech) == dt.datetime(2026, 12, 4, 14, 0, tzinfo=PARIS)
    assert geotech.decoded("DTEND") == dt.datetime(2026, 12, 4, 16, 0, tzinfo=PARIS)
    assert geotech["DTSTART"].params["TZID"] == "Europe/Paris"
    # Hôpital des Glycines: call-back agreed on 03/12/2026, « jeudi matin »
    glycines = by_org["Hôpital des Glycines"]
    assert start(glycines) == dt.datetime(2026, 12, 3, 9, 0, tzinfo=PARIS)
    assert glycines.decoded("DTEND") == dt.datetime(2026, 12, 3, 12, 0, tzinfo=PARIS)
    # any other action: all day on its due day
    others = [
        e
        for name, e in by_org.items()
        if name not in ("Géotech Ingénierie – CSE", "Hôpital des Glycines")
    ]
    assert others and all(type(start(e)) is dt.date for e in others)
    assert all(e.decoded("DTEND") == start(e) + dt.timedelta(days=1) for e in others)


def test_appointments_with_their_place_and_time(example_path: Path, tmp_path: Path) -> None:
    cal = export(example_path, tmp_path / "claire.ics", "--volunteer", "Claire", "--days", "14")
    meetings = [e for e in events(cal) if str(e["X-CBPT-ACTION"]) == "appointment"]
    # Rendez-vous: Banque Vaugirard – CSE, 07/12/2026 12:00, À la bibliothèque, Confirmé, Claire
    (banque,) = meetings  # the second one (28/12/2026) is beyond 14 days
    assert start(banque) == dt.datetime(2026, 12, 7, 12, 0, tzinfo=PARIS)
    assert banque.decoded("DTEND") == dt.datetime(2026, 12, 7, 13, 0, tzinfo=PARIS)
    assert str(banque["LOCATION"]) == "Bibliothèque Paris 15 – Vaugirard"
    assert str(banque["STATUS"]) == "CONFIRMED"
    assert "Mme Anne Lambert" in str(banque["SUMMARY"])
    everything = export(example_path, tmp_path / "tout.ics", "--volunteer", "Claire")
    later = [e for e in events(everything) if str(e["X-CBPT-ACTION"]) == "appointment"]
    assert [start(e) for e in later] == [
        dt.datetime(2026, 12, 7, 12, 0, tzinfo=PARIS),
        dt.datetime(2026, 12, 28, 12, 0, tzinfo=PARIS),
    ]
    assert str(later[1]["STATUS"]) == "TENTATIVE"  # Statut blank: Proposé
    assert "75015 Paris" in str(later[1]["LOCATION"])  # Chez eux: their address


def test_cancelled_appointments_are_marked_cancelled(make_workbook: Any, tmp_path: Path) -> None:
    path = make_workbook(
        organisations=[{"ID": "ORG-0001", "Nom": "Mairie du 15e", "Standard": "01 55 76 75 15",
                        "Bénévole": "Claire Martin", "Adresse": "31 rue Péclet", "Code postal": "75015",
                        "Ville": "Paris"}],
        calls=[{"Date": dt.date(2026, 11, 20), "Organisation": "Mairie du 15e",
                "Bénévole": "Claire Martin", "Résultat": "Entretien – RDV fixé"}],
        appointments=[
            {"Organisation": "Mairie du 15e", "Date": dt.date(2026, 12, 10), "Heure": dt.time(10, 30),
             "Lieu": "Chez eux", "Statut": "Annulé", "Bénévole": "Claire Martin"},
            {"Organisation": "Mairie du 15e", "Date": dt.date(2026, 12, 17), "Heure": dt.time(15, 0),
             "Lieu": "Chez eux", "Statut": "Confirmé", "Bénévole": "Claire Martin"},
        ],
    )  # fmt: skip
    cal = export(path, tmp_path / "a.ics")
    meetings = {start(e): e for e in events(cal) if str(e["X-CBPT-ACTION"]) == "appointment"}
    cancelled = meetings[dt.datetime(2026, 12, 10, 10, 30, tzinfo=PARIS)]
    assert str(cancelled["STATUS"]) == "CANCELLED" and "annulé" in str(cancelled["SUMMARY"])
    assert str(cancelled["LOCATION"]) == "Mairie du 15e, 31 rue Péclet, 75015 Paris"
    assert str(meetings[dt.datetime(2026, 12, 17, 15, 0, tzinfo=PARIS)]["STATUS"]) == "CONFIRMED"


def test_two_exports_on_different_days_give_the_same_uids(
    example_path: Path, tmp_path: Path
) -> None:
    first = export(example_path, tmp_path / "a.ics")
    second = export(example_path, tmp_path / "b.ics", today="2026-12-02")

    def uids(cal: icalendar.Calendar) -> dict[tuple[str, str, str], str]:
        out = {}
        for e in events(cal):
            kind = str(e["X-CBPT-ACTION"])
            when = start(e).isoformat() if kind == "appointment" else ""
            out[(str(e["X-CBPT-ORGANISATION"]), kind, when)] = str(e["UID"])
        return out

    a, b = uids(first), uids(second)
    common = a.keys() & b.keys()
    assert len(common) >= 20
    assert all(a[k] == b[k] for k in common)
    # an action whose due date moved between the two days keeps its UID: the event is updated
    moved = [k for k in common if k[1] != "appointment" and _due(first, k) != _due(second, k)]
    assert all(a[k] == b[k] for k in moved)


def _due(cal: icalendar.Calendar, key: tuple[str, str, str]) -> Any:
    return next(
        start(e)
        for e in events(cal)
        if (str(e["X-CBPT-ORGANISATION"]), str(e["X-CBPT-ACTION"])) == key[:2]
    )


def test_output_is_written_through_a_temporary_file_and_never_the_workbook(
    example_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "agenda.ics"
    out.write_text("ancien")
    export(example_path, out)
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert not list(tmp_path.glob(".agenda.ics*"))
    data = example_path.read_bytes()
    result = run("agenda", example_path, "--output", example_path)
    assert result.exit_code == 3 and "classeur lu" in result.stderr
    assert example_path.read_bytes() == data
    result = run("agenda", example_path)
    assert result.exit_code == 2 and "--output" in result.stderr
    result = run("agenda", example_path, "--volunteer", "Zoé", "--output", out)
    assert result.exit_code == 0 and "«\u00a0Zoé\u00a0»" in result.stderr


@pytest.mark.parametrize(
    ("slot", "hours"),
    [
        ("14h-16h", ((14, 0), (16, 0))),
        ("14h30 - 15h", ((14, 30), (15, 0))),
        ("10h", ((10, 0), (11, 0))),
        ("mardi matin", ((9, 0), (12, 0))),
        ("lundi après-midi", ((14, 0), (17, 0))),
        ("entre midi et deux", ((12, 0), (14, 0))),
        ("en fin de journée", None),
        ("", None),
    ],
)
def test_slots_read_as_hours(slot: str, hours: Any) -> None:
    found = parse_slot(slot)
    if hours is None:
        assert found is None
    else:
        assert found == (dt.time(*hours[0]), dt.time(*hours[1]))


def test_a_meeting_with_an_organisation_that_opted_out_is_cancelled(
    make_workbook: Any, tmp_path: Path
) -> None:
    """It asked not to be called after the meeting was planned: the calendar shows the
    meeting cancelled, and the next action says to cancel it."""
    path = make_workbook(
        organisations=[{"Nom": "Mairie du 14e", "Standard": "01 53 90 67 14"}],
        calls=[
            {
                "Date": TODAY - dt.timedelta(days=20),
                "Organisation": "Mairie du 14e",
                "Résultat": "Entretien – RDV fixé",
            },
            {
                "Date": TODAY - dt.timedelta(days=3),
                "Organisation": "Mairie du 14e",
                "Résultat": "ne souhaite plus être contacté",
            },
        ],
        appointments=[
            {
                "Date": TODAY + dt.timedelta(days=6),
                "Heure": "10h",
                "Organisation": "Mairie du 14e",
                "Lieu": "Chez eux",
                "Statut": "Proposé",
            }
        ],
    )
    (event,) = [e for e in events(export(path, tmp_path / "a.ics")) if "Mairie" in str(e["SUMMARY"])]  # fmt: skip
    assert str(event["STATUS"]) == "CANCELLED"
    assert "annulé (ne plus contacter" in str(event["SUMMARY"])
    (action,) = json.loads(run("next", path, "--today", DAY, "--format", "json").stdout)["actions"]
    assert action["stage"] == "do-not-contact" and action["due"] is None
    day = (TODAY + dt.timedelta(days=6)).strftime("%d/%m/%Y")
    assert f"annuler le rendez-vous du {day}" in action["label"]
