"""Follow-up lists: buckets, categories, filters, sorting, GDPR list, CSV and the Suivi grid."""

from __future__ import annotations

import csv
import datetime as dt
import io

from cbpt_sheets.core.followup import CATEGORIES, bucket, followup, gdpr_list
from cbpt_sheets.core.models import NextAction
from cbpt_sheets.render import TICK, followup_csv, new_ids, suivi_grid

T = dt.date(2026, 12, 1)


def action(org: str, code: str, due: dt.date | None, **kw: object) -> NextAction:
    return NextAction(
        organisation=org, row=kw.pop("row", 2), stage="first-call", action=code, label=f"Faire {code}",
        due=due, reason="r", **kw,
    )  # fmt: skip


def test_buckets_edges() -> None:
    assert bucket(T - dt.timedelta(days=1), T) == "overdue"
    assert bucket(T, T) == "today"
    assert bucket(T + dt.timedelta(days=1), T) == "this-week"
    assert bucket(T + dt.timedelta(days=7), T) == "this-week"
    assert bucket(T + dt.timedelta(days=8), T) == "later"


def test_every_action_code_has_its_category() -> None:
    expected = {
        "call-again": "call", "confirm-appointment": "call", "reschedule-appointment": "call",
        "change-channel": "write", "send-agreement": "write", "organise-event": "appointment",
        "record-appointment": "appointment", "find-contact": "preparation", "recontact-later": "later",
    }  # fmt: skip
    for code, category in expected.items():
        (item,) = followup([action("A", code, T)], T)
        assert item.category == category
    codes_of_the_rules = {
        "confirm-appointment", "prepare-appointment", "record-appointment-report", "organise-event",
        "send-agreement", "follow-up-call", "reschedule-appointment", "find-number",
        "complete-preparation", "first-call", "call-again", "change-channel", "call-contact",
        "send-email", "send-letter", "find-contact", "record-appointment", "call-back",
        "send-information", "recontact-later", "correct-entry",
    }  # fmt: skip
    assert {code for codes in CATEGORIES.values() for code in codes} == codes_of_the_rules


def test_sorted_by_due_then_organisation_without_undated_actions() -> None:
    actions = [
        action("Zèbre", "first-call", T),
        action("abeille", "first-call", T),
        action("Clos", "none", None),
        action("Avant", "call-back", T - dt.timedelta(days=3)),
        action("Loin", "recontact-later", T + dt.timedelta(days=90)),
    ]
    items = followup(actions, T)
    assert [(i.organisation, i.bucket) for i in items] == [
        ("Avant", "overdue"),
        ("abeille", "today"),
        ("Zèbre", "today"),
        ("Loin", "later"),
    ]


def test_horizon_keeps_overdue_and_filters_ignore_case_and_accents() -> None:
    actions = [
        action("A", "call-back", T - dt.timedelta(days=30), volunteer="Hélène", library="Paris 15"),
        action("B", "call-back", T + dt.timedelta(days=7), volunteer="Hélène", library="Paris 15"),
        action("C", "call-back", T + dt.timedelta(days=8), volunteer="Hélène", library="Paris 15"),
        action("D", "call-back", T, volunteer="Claire", library="Paris 14"),
    ]
    assert [i.organisation for i in followup(actions, T, days=7)] == ["A", "D", "B"]
    assert [i.organisation for i in followup(actions, T, days=7, volunteer=" helene ")] == [
        "A",
        "B",
    ]
    assert [i.organisation for i in followup(actions, T, library="PARIS 14")] == ["D"]
    assert followup(actions, T, days=0, volunteer="Personne") == []


def test_gdpr_list() -> None:
    actions = [
        action("B", "none", None, gdpr=True),
        action("A", "call-back", T),
        action("a2", "none", None, gdpr=True),
    ]
    assert [a.organisation for a in gdpr_list(actions)] == ["a2", "B"]


def test_csv_is_semicolon_bom_and_neutralises_formulas() -> None:
    items = followup(
        [
            action(
                '=HYPERLINK("http://x")', "call-back", T, contact="+33 1 44", volunteer="-Claire"
            ),
            action("@SUM(A1)", "call-back", T, email="a@b.fr"),
        ],
        T,
    )
    text = followup_csv(items)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0] == ["bucket", "category", "due", "organisation", "action", "label", "volunteer",
                       "library", "contact", "phone", "email"]  # fmt: skip
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://x")' in cells and "'+33 1 44" in cells and "'-Claire" in cells
    assert "'@SUM(A1)" in cells and "a@b.fr" in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_suivi_grid_has_a_section_per_bucket_and_a_tick_column() -> None:
    items = followup(
        [action("A", "call-back", T - dt.timedelta(days=2), phone="01 44 49 40 00", volunteer="Claire"),
         action("B", "first-call", T + dt.timedelta(days=3))],
        T,
    )  # fmt: skip
    grid = suivi_grid(items, T, "bénévole\u00a0: Claire")
    assert grid.name == "Suivi"
    assert grid.rows[0] == ["Liste de suivi au 01/12/2026 – bénévole\u00a0: Claire"]
    titles = [grid.rows[i][0] for i in grid.title_rows[1:]]
    assert titles == ["En retard (1)", "Cette semaine (1)"]
    header = grid.rows[grid.header_rows[0]]
    assert header == ["À faire", "Échéance", "Organisation", "Action", "Interlocuteur", "Téléphone",
                      "Email", "Bénévole", "Bibliothèque"]  # fmt: skip
    assert grid.header_rows == [2] and grid.title_rows[1] == 3  # one header, then the sections
    assert grid.page_header == "" and grid.page_footer == "Liste de suivi au 01/12/2026"
    first = grid.rows[grid.header_rows[0] + 2]
    assert (
        first[0] == TICK and first[1] == T - dt.timedelta(days=2) and first[5] == "01 44 49 40 00"
    )


def test_new_ids_never_reuse_a_number() -> None:
    assert new_ids([None, "ORG-0002", "org-0007", "X-12"], 2) == ["ORG-0008", "ORG-0009"]
    assert new_ids([], 1) == ["ORG-0001"]
