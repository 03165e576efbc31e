"""The call brief: the file, the history, the next action, what to say, our assets."""

from __future__ import annotations

import datetime as dt

import pytest

from cbpt_sheets.core.brief import UnknownOrganisation, brief
from cbpt_sheets.core.models import Appointment, Contact, Organisation, Workbook
from cbpt_sheets.render import brief_text, fiche_grid

T = dt.date(2026, 12, 1)


def book() -> Workbook:
    return Workbook(
        organisations=[
            Organisation(
                row=2,
                id="ORG-0001",
                name="EHPAD Les Tilleuls",
                type="seniors",
                knows_cbpt="yes",
                switchboard="01 53 68 21 40",
                head="Mme Vasseur",
                tracking="actif",
            ),
            Organisation(row=3, name="Hôpital Necker", type="sante"),
        ],
        contacts=[
            Contact(
                row=2,
                date=dt.date(2026, 11, 20),
                time=dt.time(10, 30),
                organisation="ehpad les tilleuls",
                outcome="call-back",
                contact="Mme Vasseur",
                expectations="créneaux le samedi",
            ),
            Contact(
                row=3, date=dt.date(2026, 11, 10), organisation="ORG-0001", outcome="no-answer"
            ),
        ],
        appointments=[
            Appointment(
                row=2,
                organisation="EHPAD Les Tilleuls",
                date=dt.date(2026, 12, 10),
                status="confirmed",
                place="library",
                library_visit="yes",
            ),
        ],
    )


def test_brief_has_file_history_action_points_and_assets() -> None:
    b = brief(book(), "ehpad les TILLEULS", T)
    fields = {f.label: f.value for f in b.fields}
    assert fields["Type"] == "EHPAD / résidence seniors"
    assert fields["Connaît CBPT"] == "Oui"
    assert fields["Suivi"] == "Actif"
    assert b.history[0] == "Appel du 10/11/2026\u00a0: Pas de réponse"
    assert b.history[1].startswith(
        "Appel du 20/11/2026 à 10h30\u00a0: Entretien – à rappeler (avec Mme Vasseur"
    )
    assert b.appointments == [
        "Rendez-vous du 10/12/2026 – à la bibliothèque – avec visite de la bibliothèque – Confirmé"
    ]
    assert b.next_action.action == "prepare-appointment"
    assert b.stage == "Rendez-vous"
    assert any("personnes âgées" in p for p in b.talking_points)
    assert any("créneaux le samedi" in p for p in b.talking_points)
    assert any("www.cbpt-paris.org" in a for a in b.assets)
    assert any("Notes bibliographiques" in a for a in b.assets)
    text = brief_text(b)
    for part in (
        "Fiche d'appel\u00a0: EHPAD Les Tilleuls (ORG-0001)",
        "Prochaine action",
        "Historique",
        "Nos atouts",
    ):
        assert part in text
    grid = fiche_grid(b)
    assert grid.name == "Fiche" and grid.rows[0] == [
        "Fiche d'appel\u00a0: EHPAD Les Tilleuls (ORG-0001)"
    ]


def test_brief_by_id() -> None:
    assert brief(book(), "org-0001", T).organisation == "EHPAD Les Tilleuls"


def test_unknown_organisation_suggests_close_names() -> None:
    with pytest.raises(UnknownOrganisation) as info:
        brief(book(), "Hopital Neker", T)
    assert info.value.exit_code == 2
    assert "«\u00a0Hôpital Necker\u00a0»" in str(info.value)


def test_no_pitch_in_the_brief_of_an_organisation_that_opted_out() -> None:
    wb = book()
    wb.organisations[1] = wb.organisations[1].model_copy(update={"tracking": "opposition"})
    b = brief(wb, "Hôpital Necker", T)
    assert b.next_action.stage == "do-not-contact" and b.assets == []
    text = brief_text(b)
    assert "Nos atouts" not in text and "Quoi dire" not in text
    assert "Ne plus contacter" in text
    assert "Nos atouts" not in [row[0] for row in fiche_grid(b).rows if row]
