"""Never advise from data the tool did not read (issue 12): rule 1b, unmatched rows, refusals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cbpt_sheets.core.models import NextAction
from cbpt_sheets.core.plan import Plan, plan, plan_brief
from cbpt_sheets.errors import StructureError
from cbpt_sheets.ooxml.reader import read_raw

T = dt.date(2026, 12, 1)  # a Tuesday
NAME = "Société Fictiva SA"
OTHER = "Mairie du 15e"


def prepared(name: str, **kw: Any) -> dict[str, Any]:
    row = {
        "Nom": name,
        "Type": "Entreprise / CSE",
        "Domaine d'activité": "Conseil",
        "Effectifs": 120,
        "Standard": "01 45 30 17 31",
        "Responsable": "M. Martin",
        "Objectif": "Adhésion collective",
        "Bénévole": "Claire Martin",
        "Bibliothèque": "Paris 15",
    }
    row.update(kw)
    return row


def call(day: Any, outcome: str, name: str = NAME, **kw: Any) -> dict[str, Any]:
    return {"Date": day, "Organisation": name, "Résultat": outcome, **kw}


def planned(path: Path, today: dt.date = T) -> Plan:
    return plan(read_raw(path), today)


def action_of(result: Plan, name: str) -> NextAction:
    return next(a for a in result.actions if a.organisation == name)


@pytest.fixture
def two_orgs(make_workbook: Callable[..., Path]) -> Callable[..., Path]:
    """A workbook with NAME and OTHER; OTHER has one clean no-answer call."""

    def make(calls: list[dict[str, Any]], **kwargs: Any) -> Path:
        return make_workbook(
            organisations=kwargs.pop("organisations", [prepared(NAME), prepared(OTHER)]),
            calls=[*calls, call(dt.date(2026, 11, 27), "Pas de réponse", OTHER)],
            **kwargs,
        )

    return make


def test_unreadable_dates_block_the_organisation_and_name_the_cells(two_orgs: Any) -> None:
    path = two_orgs(
        [
            call(dt.date(2026, 11, 3), "Pas de réponse"),
            call("début nov", "pas de reponse"),
            call(
                "mardi 16 nov",  # 16/11/2026 is a Monday: no reading
                "Responsable absent – rappel convenu",
                **{"Interlocuteur": "Mme Roux", "Rappeler le": "lundi prochain"},
            ),
        ]
    )
    result = planned(path)
    action = action_of(result, NAME)
    assert (action.stage, action.action, action.due) == ("to-correct", "correct-entry", T)
    cells = [(b.sheet, b.cell) for b in action.blocked_by]
    assert ("Appels", "A3") in cells
    assert ("Appels", "A4") in cells
    assert ("Appels", "L4") in cells  # the agreed call-back date is not lost silently
    assert "Appels!A3 (date illisible «\u00a0début nov\u00a0»)" in action.label
    assert "cbpt-sheets next" in action.label
    assert "Appels!A4" in action.label
    assert action.talking_points == []
    # the other organisation keeps its action
    other = action_of(result, OTHER)
    assert other.action == "call-again"
    assert other.blocked_by == []


def test_opt_out_wins_even_with_an_unreadable_date(two_orgs: Any) -> None:
    path = two_orgs(
        [
            call("début nov", "Pas de réponse"),
            call("hier", "Refus d'être recontacté"),
        ]
    )
    action = action_of(planned(path), NAME)
    assert (action.stage, action.action, action.due) == ("do-not-contact", "none", None)


def test_a_close_name_attaches_the_row_and_blocks_the_organisation(two_orgs: Any) -> None:
    path = two_orgs(
        [
            call(dt.date(2026, 11, 3), "Pas de réponse"),
            call(dt.date(2026, 11, 10), "Pas de réponse", "Societe Fictiva"),
        ]
    )
    result = planned(path)
    action = action_of(result, NAME)
    assert action.action == "correct-entry"
    assert [(b.sheet, b.cell, b.code) for b in action.blocked_by] == [
        ("Appels", "C3", "unknown-organisation")
    ]
    assert (
        "organisation inconnue «\u00a0Societe Fictiva\u00a0», sans doute «\u00a0Société Fictiva SA\u00a0»"
        in (action.label)
    )
    assert result.unmatched == []


def test_a_close_name_opt_out_is_honoured(two_orgs: Any) -> None:
    path = two_orgs([call(dt.date(2026, 11, 10), "Refus d'être recontacté", "Societe Fictiva")])
    assert action_of(planned(path), NAME).action == "none"
    assert action_of(planned(path), NAME).stage == "do-not-contact"


def test_a_row_naming_nobody_is_listed_as_unmatched(two_orgs: Any) -> None:
    path = two_orgs(
        [
            call(dt.date(2026, 11, 3), "Pas de réponse"),
            call(dt.date(2026, 11, 4), "Pas de réponse", "Boulangerie Zzyzx"),
            {"Date": dt.date(2026, 11, 5), "Résultat": "Pas de réponse"},
        ]
    )
    result = planned(path)
    assert [u.as_json() for u in result.unmatched] == [
        {"sheet": "Appels", "row": 3, "cell": "C3", "value": "Boulangerie Zzyzx"},
        {"sheet": "Appels", "row": 4, "cell": "C4", "value": None},
    ]
    assert action_of(result, NAME).action == "call-again"


def test_a_contact_dated_after_today_blocks(two_orgs: Any) -> None:
    path = two_orgs([call(dt.date(2026, 12, 10), "Entretien – pas intéressé")])
    action = action_of(planned(path), NAME)
    assert action.action == "correct-entry"
    assert [(b.cell, b.code) for b in action.blocked_by] == [("A2", "future-date")]
    assert "date postérieure à aujourd'hui «\u00a010/12/2026\u00a0»" in action.label


def test_a_value_outside_its_list_blocks(two_orgs: Any) -> None:
    path = two_orgs([call(dt.date(2026, 11, 10), "Rappel demain peut-être")])
    action = action_of(planned(path), NAME)
    assert [(b.cell, b.code) for b in action.blocked_by] == [("F2", "not-in-list")]


def test_an_error_in_notes_does_not_block(two_orgs: Any) -> None:
    path = two_orgs([call(dt.date(2026, 11, 24), "Pas de réponse", Notes="=1/0")])
    assert action_of(planned(path), NAME).action == "call-again"


def test_appointment_rows_block_too(make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(
        organisations=[prepared(NAME)],
        calls=[call(dt.date(2026, 11, 3), "Entretien – RDV fixé")],
        appointments=[
            {
                "Organisation": NAME,
                "Date": "mi-décembre",
                "Lieu": "Chez eux",
                "Statut": "Proposé",
            }
        ],
    )
    action = action_of(planned(path), NAME)
    assert action.action == "correct-entry"
    assert [(b.sheet, b.cell) for b in action.blocked_by] == [("Rendez-vous", "B2")]


def test_brief_shows_the_rows_to_correct(two_orgs: Any) -> None:
    path = two_orgs(
        [call(dt.date(2026, 11, 3), "Pas de réponse"), call("début nov", "Pas de réponse")]
    )
    result = plan_brief(read_raw(path), NAME, T)
    assert result.next_action.action == "correct-entry"
    assert any("Ligne 3 de «\u00a0Appels\u00a0», à corriger" in line for line in result.history)


# ---------------------------------------------------------------- structure


def _renamed(path: Path, old: str, new: str) -> Path:
    import openpyxl

    book = openpyxl.load_workbook(path)
    book[old].title = new
    book.save(path)
    return path


def test_a_missing_calls_sheet_refuses_even_with_an_opt_out(two_orgs: Any) -> None:
    path = _renamed(
        two_orgs([call(dt.date(2026, 11, 3), "Refus d'être recontacté")]),
        "Appels",
        "Appels - Tableau 1",
    )
    with pytest.raises(StructureError, match="Appels"):
        planned(path)


def test_a_missing_required_column_refuses(two_orgs: Any) -> None:
    import openpyxl

    path = two_orgs([call(dt.date(2026, 11, 3), "Refus d'être recontacté")])
    book = openpyxl.load_workbook(path)
    book["Appels"]["F1"] = "Résultat de l'appel"
    book.save(path)
    with pytest.raises(StructureError, match="Résultat"):
        planned(path)


def test_a_second_due_column_refuses(two_orgs: Any) -> None:
    import openpyxl

    path = two_orgs([])
    book = openpyxl.load_workbook(path)
    sheet = book["Organisations"]
    last = sheet.max_column + 1
    sheet.cell(row=1, column=last, value="Échéance")
    sheet.cell(row=2, column=last, value="fin du mois")
    book.save(path)
    with pytest.raises(StructureError, match="Échéance"):
        planned(path)


# ---------------------------------------------------------------- the example


def test_the_example_has_no_blocked_organisation(example_path: Path) -> None:
    result = planned(example_path)
    assert result.unmatched == []
    assert all(a.action != "correct-entry" and not a.blocked_by for a in result.actions)


# ---------------------------------------------------------------- property


def _labelled(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Example rows with list codes turned into their French labels (as a volunteer types)."""
    from cbpt_sheets.core.schema import LISTS, SHEETS_BY_KEY

    out: dict[str, list[dict[str, Any]]] = {}
    for key, items in rows.items():
        spec = SHEETS_BY_KEY[key]
        lists = {c.key: c.list for c in spec.columns if c.list and not LISTS[c.list].dynamic}
        out[key] = [
            {
                k: (LISTS[lists[k]].by_code(val).fr if k in lists and val is not None else val)
                for k, val in row.items()
            }
            for row in items
        ]
    return out


BREAKS = ("text-date", "unknown-list", "blank-required", "future-date", "altered-name")


def _break(row: dict[str, Any], sheet: str, kind: str) -> str | None:
    """Break one cell of a row as a volunteer might; the column key broken (None: not applicable)."""
    date_key = "date"
    list_key = "outcome" if sheet == "calls" else "status"
    if kind == "text-date":
        row[date_key] = "la semaine dernière"
        return date_key
    if kind == "unknown-list":
        row[list_key] = "Peut-être plus tard"
        return list_key
    if kind == "blank-required":
        key = "date" if sheet == "calls" else "place"
        row[key] = None
        return key
    if kind == "future-date" and sheet == "calls":
        row[date_key] = T + dt.timedelta(days=9)
        return date_key
    if kind == "altered-name":
        name = row["organisation"]
        row["organisation"] = name[:-1] if len(name) > 8 else name + "x"
        return "organisation"
    return None


def test_broken_rows_block_exactly_their_organisations(tmp_path_factory: Any) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from cbpt_sheets.core.example import example_data
    from cbpt_sheets.core.schema import SHEETS_BY_KEY
    from cbpt_sheets.ooxml.template import build

    clean_rows = _labelled(example_data(T))
    folder = tmp_path_factory.mktemp("broken")

    def planned_rows(rows: dict[str, list[dict[str, Any]]], name: str) -> Plan:
        path = folder / name
        build(
            "fr", rows, ("Claire Martin", "Jacques Lefèvre"), ("Paris 15", "Paris 14"), codes=False
        ).save(path)
        return planned(path)

    clean = {a.organisation: a for a in planned_rows(clean_rows, "clean.xlsx").actions}
    assert all(a.action != "correct-entry" for a in clean.values())
    counts = {k: len(v) for k, v in clean_rows.items() if k != "organisations"}
    case = st.tuples(
        st.sampled_from(sorted(counts)),
        st.integers(min_value=0, max_value=999),
        st.sampled_from(BREAKS),
    )

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(case, min_size=1, max_size=4, unique_by=lambda c: (c[0], c[1] % counts[c[0]])))
    def run(cases: list[tuple[str, int, str]]) -> None:
        rows = {k: [dict(r) for r in v] for k, v in clean_rows.items()}
        broken: dict[str, set[tuple[str, str]]] = {}  # organisation -> cells
        for sheet, index, kind in cases:
            position = index % counts[sheet]
            row = rows[sheet][position]
            owner = row["organisation"]
            key = _break(row, sheet, kind)
            if key is None:
                continue
            spec = SHEETS_BY_KEY[sheet]
            letter = chr(ord("A") + [c.key for c in spec.columns].index(key))
            broken.setdefault(owner, set()).add((spec.fr, f"{letter}{position + 2}"))
        result = planned_rows(rows, "broken.xlsx")
        for action in result.actions:
            if action.organisation in broken:
                if action.stage == "do-not-contact":
                    continue
                assert action.action == "correct-entry", (action, broken[action.organisation])
                named = {(b.sheet, b.cell) for b in action.blocked_by}
                assert broken[action.organisation] <= named
            else:
                before = clean[action.organisation]
                assert (action.stage, action.action, action.due, action.label) == (
                    before.stage,
                    before.action,
                    before.due,
                    before.label,
                )

    run()


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize("typed", ["2 jours", -1, 99999, "²", 2.5])
def test_a_setting_out_of_range_is_reported_and_the_default_used(two_orgs: Any, typed: Any) -> None:
    import openpyxl

    from cbpt_sheets.core import checks

    path = two_orgs([])
    cell = read_raw(path).settings_cells["recontact_months"]
    book = openpyxl.load_workbook(path)
    book["Paramètres"][cell] = typed
    book.save(path)
    raw = read_raw(path)
    found = [f for f in checks.check_raw(raw, T).findings if f.code == "invalid-setting"]
    assert [(f.sheet, f.cell, f.severity) for f in found] == [("Paramètres", cell, "error")]
    assert "entre 1 et 120" in found[0].message
    assert "(12)" in found[0].message
    result = plan(raw, T)  # never a crash: the default is used
    assert len(result.actions) == 2


def test_a_blank_setting_is_not_a_finding(two_orgs: Any) -> None:
    import openpyxl

    from cbpt_sheets.core import checks

    path = two_orgs([])
    cell = read_raw(path).settings_cells["retry_days"]
    book = openpyxl.load_workbook(path)
    book["Paramètres"][cell] = None
    book.save(path)
    assert not [
        f for f in checks.check_raw(read_raw(path), T).findings if f.code == "invalid-setting"
    ]


def test_a_refusal_with_an_unreadable_date_flags_no_other_contact(two_orgs: Any) -> None:
    from cbpt_sheets.core import checks

    path = two_orgs(
        [
            call(dt.date(2026, 11, 25), "Courrier envoyé"),
            call("hier matin", "Refus d'être recontacté"),
        ]
    )
    raw = read_raw(path)
    codes = {(f.code, f.cell) for f in checks.check_raw(raw, T).findings}
    assert ("contacted-after-opt-out", "A2") not in codes
    assert action_of(plan(raw, T), NAME).stage == "do-not-contact"


def test_two_organisations_with_one_name_are_both_blocked(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(
        organisations=[prepared(NAME), prepared(NAME, Standard="01 45 45 85 25")],
        calls=[call(dt.date(2026, 11, 27), "Pas de réponse")],
    )
    actions = planned(path).actions
    assert [a.action for a in actions] == ["correct-entry", "correct-entry"]
    assert all(b.code == "duplicate-name" for a in actions for b in a.blocked_by)


# ---------------------------------------------------------------- the Suivi column lost


@pytest.mark.parametrize("mode", ["renamed", "emptied", "deleted"])
def test_an_opt_out_in_suivi_survives_a_lost_header_or_is_said(
    make_workbook: Callable[..., Path], mode: str
) -> None:
    """Suivi carries « Ne pas contacter »: a renamed or emptied header is recognised by its
    values (and said); a deleted column is said on every answer (attack review)."""
    import json

    import openpyxl
    from click.testing import CliRunner

    from cbpt_sheets.cli import cli

    path = make_workbook(
        organisations=[
            prepared(NAME, Suivi="Ne pas contacter"),
            prepared(OTHER, Suivi="Actif"),
            prepared("Crèche Les Lutins", Suivi="En pause"),
        ]
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Organisations"]
    col = [c.value for c in ws[1]].index("Suivi") + 1
    if mode == "renamed":
        ws.cell(1, col).value = "État du dossier"
    elif mode == "emptied":
        ws.cell(1, col).value = None
    else:
        ws.delete_cols(col)
    wb.save(path)
    runner = CliRunner()
    report = json.loads(
        runner.invoke(
            cli, ["check", str(path), "--today", T.isoformat(), "--format", "json"]
        ).stdout
    )
    done = runner.invoke(cli, ["next", str(path), "--today", T.isoformat(), "--format", "json"])
    stages = {a["organisation"]: a["stage"] for a in json.loads(done.stdout)["actions"]}
    for f in report["findings"]:  # French typography's no-break spaces read as spaces
        f["message"] = f["message"].replace("\u00a0", " ")
    if mode == "deleted":
        (finding,) = [f for f in report["findings"] if f["code"] == "missing-column"]
        assert finding["severity"] == "warning" and "« Suivi »" in finding["message"]
        assert "données incomplètes" in done.stderr and "Suivi" in done.stderr
        assert stages[NAME] != "do-not-contact"  # nothing to read it from: and it is said
        out = path.parent / "sorties"
        out.mkdir()
        for args in (
            ["followup"],
            ["agenda", "--output", str(out / "a.ics")],
            ["report"],
            ["drafts", "--output", str(out / "brouillons")],
        ):
            said = runner.invoke(cli, [args[0], str(path), *args[1:], "--today", T.isoformat()])
            assert "données incomplètes" in said.stderr, args
    else:
        (finding,) = [f for f in report["findings"] if f["code"] == "unknown-column"]
        assert finding["severity"] == "warning" and "lue comme « Suivi »" in finding["message"]
        assert stages[NAME] == "do-not-contact" and stages["Crèche Les Lutins"] == "paused"
        assert stages[OTHER] != "do-not-contact"
        assert "données incomplètes" not in done.stderr


@pytest.mark.parametrize(
    # (« Ne pas contacter (demande du 12/11) » is now read as the refusal: list_variants.csv)
    "typed",
    ["Ne pas conntacter (demande du 12/11)", "Ne pas conntacter", "Liste rouge", "NPC"],
)
def test_an_unreadable_suivi_blocks_the_organisation(
    make_workbook: Callable[..., Path], tmp_path: Path, typed: str
) -> None:
    """An unreadable Suivi may be a refusal: « À corriger », no draft, its meeting not sure."""
    import json

    import icalendar
    from click.testing import CliRunner

    from cbpt_sheets.cli import cli

    path = make_workbook(
        organisations=[prepared(NAME, Suivi=typed), prepared(OTHER)],
        calls=[
            {
                "Date": T - dt.timedelta(days=6),
                "Organisation": NAME,
                "Résultat": "Entretien – RDV fixé",
            }
        ],
        appointments=[
            {
                "Date": T + dt.timedelta(days=3),
                "Heure": "10h",
                "Organisation": NAME,
                "Lieu": "Chez eux",
                "Statut": "Confirmé",
            }
        ],
    )
    runner = CliRunner()
    done = runner.invoke(cli, ["next", str(path), "--today", T.isoformat(), "--format", "json"])
    actions = {a["organisation"]: a for a in json.loads(done.stdout)["actions"]}
    assert actions[NAME]["stage"] == "to-correct"
    assert actions[NAME]["blocked_by"][0]["sheet"] == "Organisations"
    assert actions[OTHER]["stage"] != "to-correct"
    out = tmp_path / "a.ics"
    runner.invoke(cli, ["agenda", str(path), "--today", T.isoformat(), "--output", str(out)])
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    (meeting,) = [e for e in cal.walk("VEVENT") if "Rendez-vous" in str(e["SUMMARY"])]
    assert str(meeting["STATUS"]) == "TENTATIVE" and "à vérifier" in str(meeting["SUMMARY"])
    drafts = runner.invoke(
        cli, ["drafts", str(path), "--today", T.isoformat(), "--output", str(tmp_path / "d")]
    )
    assert NAME not in drafts.output


def test_of_two_columns_that_look_like_suivi_the_one_with_refusals_is_read(
    make_workbook: Callable[..., Path],
) -> None:
    import json

    import openpyxl
    from click.testing import CliRunner

    from cbpt_sheets.cli import cli

    path = make_workbook(
        organisations=[prepared(NAME, Suivi="Actif"), prepared(OTHER, Suivi="Actif")]
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Organisations"]
    headers = [c.value for c in ws[1]]
    ws.cell(1, headers.index("Suivi") + 1).value = "Statut"
    extra = len(headers) + 1
    ws.cell(1, extra).value = "État"
    ws.cell(2, extra).value = "Ne pas contacter"
    ws.cell(3, extra).value = "Actif"
    wb.save(path)
    done = CliRunner().invoke(
        cli, ["next", str(path), "--today", T.isoformat(), "--format", "json"]
    )
    stages = {a["organisation"]: a["stage"] for a in json.loads(done.stdout)["actions"]}
    assert stages[NAME] == "do-not-contact" and stages[OTHER] != "do-not-contact"
