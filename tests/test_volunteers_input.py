"""What volunteers really type (issue 15a): dates without a year, their words for list
entries, call-backs on days nobody works, organisations named loosely, a far --today."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets.cli import cli
from cbpt_sheets.cli.app import warn_far_today
from cbpt_sheets.core import dataset
from cbpt_sheets.core import values as v
from cbpt_sheets.core.calendar import weekday_fr
from cbpt_sheets.core.checks import check_raw, safe_fixes
from cbpt_sheets.core.checks.cells import nearest_working_day
from cbpt_sheets.core.models import Finding
from cbpt_sheets.core.names import find_named, id_number, list_reading
from cbpt_sheets.core.plan import plan, plan_brief
from cbpt_sheets.core.schema import (
    DATA_SHEETS,
    LISTS,
    SYNONYM_INDEX,
    SYNONYMS,
    list_code,
    word_key,
)
from cbpt_sheets.errors import AmbiguousOrganisation, UnknownOrganisation
from cbpt_sheets.ooxml.reader import read_raw
from cbpt_sheets.render.checks import fix_line
from tests.test_checks import CALL, MEETING, NECKER, ORG, ORG2, cell

T = dt.date(2026, 12, 1)  # a Tuesday
D = dt.date
VARIANTS = Path(__file__).parent / "data" / "list_variants.csv"
KIND_FINDING = {"exact": "", "spelling": "list-spelling", "synonym": "list-synonym"}


def findings_at(findings: list[Finding], sheet: str, ref: str) -> list[Finding]:
    return [f for f in findings if f.sheet == sheet and f.cell == ref]


# ---------------------------------------------------------------- dates without a year


@pytest.mark.parametrize(
    ("typed", "day", "month", "year", "weekday"),
    [
        ("5/11", 5, 11, None, None),
        ("8/12", 8, 12, None, None),
        ("le 18/11", 18, 11, None, None),
        ("lundi 16 nov", 16, 11, None, 0),
        ("lundi 7 déc", 7, 12, None, 0),
        ("lun. 16 nov.", 16, 11, None, 0),
        ("Lundi 16 Novembre", 16, 11, None, 0),
        ("mer 2 déc", 2, 12, None, 2),
        ("vendredi 4 decembre", 4, 12, None, 4),
        ("sam. 12 déc.", 12, 12, None, 5),
        ("1er déc", 1, 12, None, None),
        ("jeu. 3 déc. 2026", 3, 12, 2026, 3),
        ("3 déc. 2026", 3, 12, 2026, None),
        ("12/11/26", 12, 11, 2026, None),
        ("monday 16 nov", 16, 11, None, 0),
    ],
)
def test_text_dates_are_read_with_their_day_name(
    typed: str, day: int, month: int, year: int | None, weekday: int | None
) -> None:
    assert v.read_text_date(typed) == v.TextDate(day, month, year, weekday)


@pytest.mark.parametrize("typed", ["avant 5/11", "13/13", "32/1", "le", "5/11/2026/1", "lundi"])
def test_not_dates(typed: str) -> None:
    assert v.read_text_date(typed) is None


def test_a_wrong_day_name_gives_no_reading() -> None:
    assert v.parse_text_date("jeudi 3 déc. 2026") == D(2026, 12, 3)
    assert v.parse_text_date("mardi 3 déc. 2026") is None  # a Thursday
    assert v.weekday_mismatch("mardi 3 déc. 2026") == (D(2026, 12, 3), 1)


def test_years_by_the_meaning_of_the_column() -> None:
    nov5 = v.TextDate(5, 11)
    assert v.latest_on_or_before(nov5, T) == D(2026, 11, 5)
    assert v.latest_on_or_before(v.TextDate(8, 12), T) == D(2025, 12, 8)
    assert v.latest_on_or_before(v.TextDate(1, 12), T) == D(2026, 12, 1)  # today itself
    assert v.first_on_or_after(nov5, D(2026, 11, 20)) == D(2027, 11, 5)
    assert v.first_on_or_after(v.TextDate(8, 12), D(2026, 11, 18)) == D(2026, 12, 8)
    assert v.first_on_or_after(v.TextDate(29, 2), T) == D(2028, 2, 29)
    assert v.nearest_to(v.TextDate(2, 1), T) == D(2027, 1, 2)
    assert v.nearest_to(v.TextDate(2, 11), T) == D(2026, 11, 2)


@pytest.fixture
def yearless_book(make_workbook: Callable[..., Path]) -> Path:
    return make_workbook(
        organisations=[ORG, ORG2],
        calls=[
            {**CALL, "Date": "5/11"},  # row 2
            {  # row 3
                **CALL,
                "Date": "le 18/11",
                "Résultat": "Entretien – RDV fixé",
                "Connaît CBPT": "Oui",
            },
            {  # row 4
                **CALL,
                "Organisation": "Mairie du 15e",
                "Date": "lundi 16 nov",
                "Résultat": "Responsable absent – rappel convenu",
                "Interlocuteur": "Mme Roux",
                "Rappeler le": "lundi 7 déc",
            },
            {**CALL, "Date": "mardi 17 nov"},  # row 5: 17/11/2026 is a Tuesday
            {**CALL, "Date": "8/12"},  # row 6: not after today -> 2025
            {**CALL, "Date": "lundi 24 nov"},  # row 7: 24/11/2026 is a Tuesday
        ],
        appointments=[{**MEETING, "Date": "8/12"}],  # after the meeting-set call of 18/11
    )


def test_date_without_year_findings_readings_and_fixes(yearless_book: Path) -> None:
    raw = read_raw(yearless_book)
    report = check_raw(raw, T)
    by_cell = {(f.sheet, f.cell): f for f in report.findings}
    expected = {
        ("Appels", cell("calls", "Date", 2)): D(2026, 11, 5),
        ("Appels", cell("calls", "Date", 3)): D(2026, 11, 18),
        ("Appels", cell("calls", "Date", 4)): D(2026, 11, 16),
        ("Appels", cell("calls", "Rappeler le", 4)): D(2026, 12, 7),
        ("Appels", cell("calls", "Date", 5)): D(2026, 11, 17),
        ("Appels", cell("calls", "Date", 6)): D(2025, 12, 8),
        ("Rendez-vous", cell("appointments", "Date", 2)): D(2026, 12, 8),
    }
    for where, day in expected.items():
        f = by_cell[where]
        assert (f.code, f.severity, f.suggestion) == ("date-without-year", "warning", v.format_date(day)), where  # fmt: skip
        assert f"elle est lue comme le {weekday_fr(day)} {day:%d/%m/%Y}" in f.message
    callback = by_cell[("Appels", cell("calls", "Rappeler le", 4))]
    assert "lundi 07/12/2026" in callback.message
    assert "à partir de l'appel du 16/11/2026" in callback.message
    meeting = by_cell[("Rendez-vous", cell("appointments", "Date", 2))]
    assert "à partir du contact du 18/11/2026" in meeting.message
    wrong = by_cell[("Appels", cell("calls", "Date", 7))]
    assert (wrong.code, wrong.severity) == ("invalid-date", "error")
    assert "le 24/11/2026 est un mardi, pas un lundi" in wrong.message
    # --fix writes the readings (never the mismatched day name)
    fixes = {(x.sheet, x.cell): x.new for x in safe_fixes(raw, T)}
    for where, day in expected.items():
        assert fixes[where] == day
    assert ("Appels", cell("calls", "Date", 7)) not in fixes
    # the plan reads them: the call-back agreed for « lundi 7 déc »
    workbook = dataset.build(raw, T)
    assert [c.date for c in workbook.contacts][:3] == [D(2026, 11, 5), D(2026, 11, 18), D(2026, 11, 16)]  # fmt: skip
    assert workbook.contacts[2].callback_date == D(2026, 12, 7)
    assert workbook.appointments[0].date == D(2026, 12, 8)
    mairie = next(a for a in plan(raw, T).actions if a.organisation == "Mairie du 15e")
    assert (mairie.action, mairie.due) == ("call-contact", D(2026, 12, 7))


def test_check_fix_writes_real_dates_and_says_so(yearless_book: Path) -> None:
    result = CliRunner().invoke(
        cli, ["check", str(yearless_book), "--fix", "--today", "2026-12-01"]
    )
    assert result.exit_code == 1, result.output  # the wrong day name stays an error
    ref = cell("calls", "Date", 2)
    shown = result.stdout.replace("\u00a0", " ")  # French typography: no-break spaces
    assert f"Appels!{ref} : « 5/11 » (texte) → 05/11/2026 (date)" in shown
    sheet = openpyxl.load_workbook(yearless_book)["Appels"]
    assert sheet[ref].value == dt.datetime(2026, 11, 5)
    assert sheet[cell("calls", "Rappeler le", 4)].value == dt.datetime(2026, 12, 7)
    assert sheet[cell("calls", "Date", 7)].value == "lundi 24 nov"  # kept as typed
    again = CliRunner().invoke(cli, ["check", str(yearless_book), "--today", "2026-12-01"])
    assert "date-without-year" not in again.stdout


def test_fix_line_of_a_text_date_that_became_a_date() -> None:
    from cbpt_sheets.core.models import Fix

    line = fix_line(Fix(sheet="Appels", cell="A2", old="20/11/2026", new=D(2026, 11, 20)))
    line = line.replace("\u00a0", " ")
    assert line == "Appels!A2 : « 20/11/2026 » (texte) → 20/11/2026 (date)"
    assert "« 20/11/2026 » → « 20/11/2026 »" not in line


# ---------------------------------------------------------------- the volunteers' words


def variants() -> list[dict[str, str]]:
    with VARIANTS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_variants_file_is_big_enough_and_covers_the_issue() -> None:
    rows = variants()
    assert len(rows) >= 60
    seen = {(r["list"], r["lang"], r["value"]): r["expected"] for r in rows}
    for value, code in {
        "Pas répondu": "no-answer",
        "pas joignable": "no-answer",
        "Messagerie": "no-answer",
        "Répondeur": "no-answer",
        "Injoignable": "no-answer",
        "Ligne occupée": "no-answer",
        "Occupé": "no-answer",
        "Ne pas rappeler": "opt-out",
        "Doc à envoyer": "send-info",
        "ne souhaite plus être contacté": "opt-out",  # an opt-out in a sentence
    }.items():
        assert seen[("Resultat", "fr", value)] == code
    assert seen[("Type", "fr", "École")] == "education"


@pytest.mark.parametrize(
    "typed",
    [
        "Ne souhaite pas donner suite",  # not interested, not an opt-out
        "ne pas rappeler avant janvier",  # a date, not an opt-out
        "Rappeler",
        "Refus",
        "Rappeler en janvier, pas avant",  # clauses, none of them a refusal
        "Pas de réponse, rappeler demain",
    ],
)
def test_sentences_that_are_not_an_opt_out_are_not_read_as_one(typed: str) -> None:
    assert list_code("Resultat", typed) != "opt-out"
    assert list_code("Suivi", typed) != "opposition"


@pytest.mark.parametrize("row", variants(), ids=lambda r: f"{r['list']}-{r['lang']}-{r['value']}")
def test_each_variant_is_read_or_suggested_as_expected(row: dict[str, str]) -> None:
    reading = list_reading(row["list"], row["value"], row["lang"])
    if row["finding"] == "not-in-list":
        assert reading.code is None
        assert reading.hint == (row["expected"] or None)
    else:
        assert reading.code == row["expected"]
        assert KIND_FINDING[reading.kind] == row["finding"]
        assert list_code(row["list"], row["value"]) == row["expected"]  # what the plan reads


# where each list is typed: (sheet key, French header)
LIST_COLUMNS = {
    "Type": ("organisations", "Type"),
    "Resultat": ("calls", "Résultat"),
    "Canal": ("calls", "Canal"),
    "Suivi": ("organisations", "Suivi"),
    "Statut": ("appointments", "Statut"),
    "Suite": ("appointments", "Suite"),
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_variants_in_a_workbook_give_their_finding_and_fix(
    make_workbook: Callable[..., Path], lang: str
) -> None:
    rows = [r for r in variants() if r["lang"] == lang]
    orgs: list[dict[str, Any]] = [ORG]
    calls: list[dict[str, Any]] = []
    meetings: list[dict[str, Any]] = []
    where: list[tuple[dict[str, str], str, str]] = []
    for r in rows:
        key, header = LIST_COLUMNS[r["list"]]
        if key == "organisations":
            orgs.append({**ORG, "ID": None, "Nom": f"Org {len(orgs)}", header: r["value"]})
            where.append((r, key, cell(key, header, len(orgs) + 1)))
        elif key == "calls":
            calls.append({**CALL, header: r["value"]})
            where.append((r, key, cell(key, header, len(calls) + 1)))
        else:
            meetings.append({**MEETING, "Statut": "Réalisé", header: r["value"]})
            where.append((r, key, cell(key, header, len(meetings) + 1)))
    path = make_workbook(
        f"variants-{lang}.xlsx", organisations=orgs, calls=calls, appointments=meetings, lang=lang
    )
    raw = read_raw(path)
    findings = check_raw(raw, T).findings
    fixes = {(x.sheet, x.cell): x.new for x in safe_fixes(raw, T)}
    names = {s.key: s.name(lang) for s in DATA_SHEETS}
    list_codes = {"not-in-list", "list-spelling", "list-synonym"}
    for r, key, ref in where:
        spec = LISTS[r["list"]]
        label = spec.by_code(r["expected"]).label(lang) if r["expected"] else None
        here = [f for f in findings_at(findings, names[key], ref) if f.code in list_codes]
        if not r["finding"]:
            assert here == [], (r, here)
            continue
        assert [f.code for f in here] == [r["finding"]], (r, here)
        assert here[0].suggestion == label, r
        if r["finding"] == "not-in-list":
            assert (names[key], ref) not in fixes
        else:
            assert fixes[(names[key], ref)] == label, r
            assert f"« {label} »" in here[0].message.replace("\u00a0", " ")


def test_synonyms_are_declared_for_the_lists_in_both_languages() -> None:
    for name in ("Resultat", "Suivi", "Canal", "Statut", "Suite"):
        assert set(SYNONYMS[name]) == {e.code for e in LISTS[name].entries}, name
        assert any(w.fr for w in SYNONYMS[name].values())
        assert any(w.en for w in SYNONYMS[name].values())
    assert SYNONYM_INDEX["Resultat"][word_key("Messagerie")] == "no-answer"
    assert word_key("  RDV  fixé ! ") == "rdv fixe"


def test_no_suggestion_of_opposite_meaning() -> None:
    """Words the issue saw suggested wrongly: read as their entry, or no suggestion."""
    wrong = {"not-interested", "call-back", "send-info"}
    for value in ("Pas répondu", "pas joignable", "Messagerie", "Répondeur", "Injoignable"):
        reading = list_reading("Resultat", value, "fr")
        assert reading.code == "no-answer" and reading.code not in wrong
    assert list_reading("Resultat", "Ne pas rappeler", "fr").code == "opt-out"
    assert list_reading("Resultat", "Doc à envoyer", "fr").code == "send-info"
    assert list_reading("Resultat", "Occupé", "fr").code == "no-answer"
    # a value with a negation is never close to a word without one, nor the reverse
    assert list_reading("Resultat", "Intéressé", "fr").hint is None
    assert list_reading("Resultat", "Pas de RDV", "fr").hint is None


def test_an_opt_out_word_closes_the_organisation(make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(
        organisations=[ORG],
        calls=[
            {**CALL, "Date": D(2026, 11, 10), "Résultat": "Messagerie"},
            {**CALL, "Date": D(2026, 11, 20), "Résultat": "Ne pas rappeler"},
        ],
    )
    action = plan(read_raw(path), T).actions[0]
    assert (action.stage, action.action) == ("do-not-contact", "none")


def test_messagerie_counts_as_no_answer(make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(
        organisations=[ORG], calls=[{**CALL, "Date": D(2026, 11, 27), "Résultat": "Répondeur"}]
    )
    action = plan(read_raw(path), T).actions[0]
    assert action.action == "call-again"


# ---------------------------------------------------------------- holiday-date


def test_nearest_working_day() -> None:
    assert nearest_working_day(D(2026, 12, 6)) == D(2026, 12, 7)  # Sunday -> Monday
    assert nearest_working_day(D(2026, 12, 5)) == D(2026, 12, 4)  # Saturday -> Friday
    assert nearest_working_day(D(2026, 12, 25)) == D(2026, 12, 24)  # Noël, a Friday
    assert nearest_working_day(D(2026, 12, 25), D(2026, 12, 25)) == D(2026, 12, 28)
    assert nearest_working_day(D(2026, 11, 11)) == D(2026, 11, 12)  # tie: the later one


def test_holiday_date_for_call_backs_and_appointments(make_workbook: Callable[..., Path]) -> None:
    callback = {
        **CALL,
        "Date": D(2026, 11, 27),
        "Résultat": "Responsable absent – rappel convenu",
        "Interlocuteur": "Mme Roux",
    }
    path = make_workbook(
        organisations=[ORG],
        calls=[
            {**callback, "Rappeler le": D(2026, 12, 6)},  # row 2: a Sunday
            {**callback, "Rappeler le": D(2026, 12, 25)},  # row 3: Noël
            {**callback, "Rappeler le": D(2026, 12, 7)},  # row 4: a Monday
            {**callback, "Rappeler le": D(2026, 11, 29)},  # row 5: a past Sunday
        ],
        appointments=[
            {**MEETING, "Date": D(2026, 12, 12)},  # row 2: a Saturday
            {**MEETING, "Date": D(2026, 12, 12), "Statut": "Annulé"},  # row 3
            {**MEETING, "Date": D(2026, 12, 10)},  # row 4: a Thursday
        ],
    )
    found = [f for f in check_raw(read_raw(path), T).findings if f.code == "holiday-date"]
    got = {(f.sheet, f.cell): f for f in found}
    assert set(got) == {
        ("Appels", cell("calls", "Rappeler le", 2)),
        ("Appels", cell("calls", "Rappeler le", 3)),
        ("Rendez-vous", cell("appointments", "Date", 2)),
    }
    sunday = got[("Appels", cell("calls", "Rappeler le", 2))]
    assert sunday.severity == "warning" and sunday.suggestion == "07/12/2026"
    assert "tombe un dimanche" in sunday.message
    noel = got[("Appels", cell("calls", "Rappeler le", 3))]
    assert noel.suggestion == "24/12/2026" and "jour férié (Noël)" in noel.message
    saturday = got[("Rendez-vous", cell("appointments", "Date", 2))]
    assert saturday.suggestion == "11/12/2026" and "rendez-vous du 12/12/2026" in saturday.message


# ---------------------------------------------------------------- brief: naming an organisation


def test_id_numbers_in_any_padding() -> None:
    assert id_number("ORG-0002") == id_number("org-2") == id_number("2") == id_number("Org 02") == 2
    assert id_number("Mairie") is None


def test_find_named() -> None:
    names = ["Hôpital Necker", "Mairie du 15e", "Mairie du 14e", "École Saint-Éloi"]
    ids: list[str | None] = ["ORG-0001", "ORG-0002", "ORG-0003", None]
    assert find_named("hopital necker", names, ids) == [0]
    assert find_named("ORG-2", names, ids) == [1]
    assert find_named("org-0002", names, ids) == [1]
    assert find_named("3", names, ids) == [2]
    assert find_named("necker", names, ids) == [0]
    assert find_named("15E", names, ids) == [1]
    assert find_named("saint eloi", names, ids) == [3]
    assert find_named("Mairie", names, ids) == [1, 2]
    assert find_named("Louvre", names, ids) == []


def test_brief_by_part_of_the_name_and_by_id(make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(
        organisations=[ORG, ORG2, {**ORG2, "ID": "ORG-0003", "Nom": "Mairie du 14e"}],
        calls=[CALL],
    )
    raw = read_raw(path)
    assert plan_brief(raw, "neck", T).organisation == NECKER
    assert plan_brief(raw, "ORG-2", T).organisation == "Mairie du 15e"
    assert plan_brief(raw, "org-0003", T).organisation == "Mairie du 14e"
    with pytest.raises(AmbiguousOrganisation) as info:
        plan_brief(raw, "mairie", T)
    assert info.value.exit_code == 2
    message = str(info.value).replace("\u00a0", " ")
    assert "« Mairie du 15e » (ORG-0002)" in message and "« Mairie du 14e » (ORG-0003)" in message
    with pytest.raises(UnknownOrganisation):
        plan_brief(raw, "Louvre", T)
    result = CliRunner().invoke(cli, ["brief", str(path), "Mairie", "--today", "2026-12-01"])
    assert result.exit_code == 2
    assert "désigne plusieurs organisations" in result.output
    result = CliRunner().invoke(cli, ["brief", str(path), "org-2", "--today", "2026-12-01"])
    assert result.exit_code == 0 and "Mairie du 15e" in result.stdout


# ---------------------------------------------------------------- --today far from the date


def test_far_today_warns_on_stderr_only(
    example_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CBPT_SHEETS_TODAY_FAR_OK", raising=False)
    assert warn_far_today(D(2099, 12, 31), real=T)
    assert "à plus de 73 ans de la date du jour (01/12/2026)" in capsys.readouterr().err
    assert not warn_far_today(D(2027, 6, 1), real=T)  # within a year: nothing said
    assert not warn_far_today(D(2025, 12, 1), real=T)
    assert warn_far_today(D(2025, 11, 1), real=T)
    capsys.readouterr()
    result = CliRunner().invoke(
        cli, ["check", str(example_path), "--today", "2099-12-31", "--format", "json"]
    )
    assert "Attention : --today donne le 31/12/2099" in result.stderr
    json.loads(result.stdout)  # the JSON stays clean
    monkeypatch.setenv("CBPT_SHEETS_TODAY_FAR_OK", "1")
    assert not warn_far_today(D(2099, 12, 31), real=T)


def test_a_wrong_day_name_or_a_day_of_no_year_is_an_error(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(
        organisations=[ORG],
        calls=[{**CALL, "Date": "mardi 3 déc. 2026"}, {**CALL, "Date": "31/02"}],
    )
    raw = read_raw(path)
    found = {f.cell: f for f in check_raw(raw, T).findings if f.code == "invalid-date"}
    weekday = found[cell("calls", "Date", 2)]
    assert "le 03/12/2026 est un jeudi, pas un mardi" in weekday.message
    assert "aucune année" in found[cell("calls", "Date", 3)].message
    assert all(c.date is None for c in dataset.build(raw, T).contacts)
    assert not any(x.cell in found for x in safe_fixes(raw, T))


def test_the_french_calendar_loaded_alone_is_the_registry_s() -> None:
    import holidays

    from cbpt_sheets.core import calendar

    for year in range(2020, 2041):
        registry = holidays.country_holidays("FR", years=year, language="fr")
        assert calendar._holidays_of(year) == frozenset(registry)
        assert calendar._holiday_names(year) == dict(registry.items())
    assert calendar.holiday_name(D(2026, 12, 25)) == "Noël"
    assert calendar.holiday_name(D(2026, 12, 24)) is None
