"""Issue 15: the talking points (« Quoi dire ») follow the stage; labels say what is missing."""

from __future__ import annotations

import datetime as dt

import pytest

from cbpt_sheets.core.models import Appointment, Contact, NextAction, Organisation
from tests.test_steps import D, call, meeting, one, org

PROPOSE = "Proposez un rendez-vous"


def points(action: NextAction) -> str:
    return "\n".join(action.talking_points)


def test_before_a_first_call_the_steps_1_and_2_are_recalled() -> None:
    a = one(org())
    assert a.stage == "first-call"
    text = points(a)
    assert "rassemblez ce que vous savez" in text  # preparation
    assert "Étape 1\u00a0: présentez-vous comme membre de CBPT" in text
    assert "bibliothèque Paris 15" in text
    assert "Étape 2\u00a0: demandez à parler à M. Martin (directeur)" in text
    assert PROPOSE not in text
    # without a head named: the head of the establishment
    nobody = one(org(head=None, head_role=None))
    assert "demandez à parler au responsable de l'établissement" in points(nobody)
    # after a no-answer, still steps 1-2
    again = one(org(), [call(D(2026, 11, 27), "no-answer")])
    assert again.stage == "first-call"
    assert "Étape 1" in points(again)


def test_preparation_recalls_what_to_gather() -> None:
    a = one(org(switchboard=None))
    assert a.stage == "preparation"
    assert a.talking_points[0].startswith("Avant d'appeler, rassemblez")


@pytest.mark.parametrize(
    "contact",
    [
        call(D(2026, 11, 27), "head-absent-callback", contact="Mme Roux"),
        call(D(2026, 11, 27), "no-redirection"),
        call(D(2026, 11, 27), "redirected", contact="M. Petit", phone="01 45 00 00 01"),
        call(D(2026, 11, 20), "mail-sent"),
    ],
    ids=["head-absent", "no-redirection", "redirected", "mail-sent"],
)
def test_finding_the_right_person_is_step_3(contact: Contact) -> None:
    a = one(org(), [contact])
    assert a.stage == "finding-contact"
    text = points(a)
    assert a.talking_points[0].startswith("Étape 3\u00a0: demandez à parler à M. Martin")
    assert "demandez les coordonnées du bon interlocuteur" in text
    assert "un numéro de téléphone, un e-mail ou le nom d'un service" in text
    assert PROPOSE not in text


def test_a_conversation_is_step_4_and_proposes_a_meeting() -> None:
    a = one(org(type="entreprise"), [call(D(2026, 11, 27), "call-back", knows_cbpt="no")])
    assert a.stage == "conversation"
    text = points(a)
    assert "Présentez la bibliothèque et l'association" in text
    assert "CSE" in text
    assert PROPOSE in text
    assert a.talking_points[-1].startswith("Laissez parler")


@pytest.mark.parametrize("status", ["confirmed", "proposed"])
def test_a_meeting_set_is_prepared_never_proposed_again(status: str) -> None:
    app = meeting(D(2026, 12, 10), status, library_visit="yes")
    a = one(org(), [call(D(2026, 11, 27), "meeting-set", expectations="créneaux le soir")], [app])
    assert a.stage == "appointment"
    text = points(a)
    assert PROPOSE not in text
    assert "Préparez le rendez-vous" in text
    assert "Prévoyez la visite de la bibliothèque." in text
    assert "Attentes déjà notées\u00a0: créneaux le soir." in text
    if status == "proposed":
        assert a.talking_points[0].startswith("Confirmez la date")


def test_a_meeting_set_but_not_entered_is_not_proposed_again() -> None:
    a = one(org(), [call(D(2026, 11, 27), "meeting-set")])
    assert a.action == "record-appointment"
    assert PROPOSE not in points(a)
    assert a.talking_points[0].startswith("Le rendez-vous est fixé")


@pytest.mark.parametrize(
    ("organisation", "calls", "meetings", "stage"),
    [
        (org(tracking="clos"), [], [], "closed"),
        (org(tracking="pause"), [], [], "paused"),
        (org(tracking="opposition"), [], [], "do-not-contact"),
        (org(), [call(D(2026, 11, 27), "opt-out")], [], "do-not-contact"),
        (org(), [call(D(2026, 11, 27), "not-interested")], [], "closed"),
        (org(tracking="partenaire"), [], [], "partner"),
        (org(), [], [meeting(D(2026, 11, 10), "held", result="none")], "closed"),
    ],
)
def test_nothing_sales_like_when_closed_paused_or_do_not_contact(
    organisation: Organisation, calls: list[Contact], meetings: list[Appointment], stage: str
) -> None:
    a = one(organisation, calls, meetings)
    assert a.stage == stage
    assert a.talking_points == []


def test_letter_labels_say_what_is_missing_without_a_street_address() -> None:
    """« ou par courrier (75014 Paris) » is no address: the label says the address is missing."""
    town_only = org(address=None, postcode="75014", city="Paris", contact_email="rh@x.fr")
    a = one(town_only, [call(D(2026, 11, 27), "send-info")])
    assert "par courrier (75014 Paris)" not in a.label
    assert "par mail (rh@x.fr)" in a.label
    assert "l'adresse postale manque (colonne Adresse d'Organisations)" in a.label
    no_way = org(address=None, postcode="75014", city="Paris")
    b = one(no_way, [call(D(2026, 11, 27), "send-info")])
    assert b.label.endswith(
        "par courrier\u00a0: l'adresse postale manque (colonne Adresse d'Organisations)"
    )
    full = org(address="12 rue Losserand", postcode="75014", city="Paris")
    c = one(full, [call(D(2026, 11, 27), "send-info")])
    assert c.label.endswith("par courrier (12 rue Losserand, 75014 Paris)")
    letter = one(town_only, [call(D(2026, 11, 27), "redirected", department="RH")])
    assert "75014 Paris" not in letter.label
    assert "l'adresse postale manque" in letter.label


def test_the_brief_gives_one_date_per_line() -> None:
    """The brief does not repeat the due date after a label that already says it."""
    from cbpt_sheets.core.brief import brief
    from cbpt_sheets.core.models import Workbook
    from cbpt_sheets.render import brief_text

    book = Workbook(organisations=[org()], contacts=[call(D(2026, 11, 27), "no-answer")])
    b = brief(book, "Hôpital Necker", dt.date(2026, 12, 1))
    text = brief_text(b)
    line = next(x for x in text.splitlines() if "Rappeler le" in x)
    assert line.count("01/12/2026") == 1
    assert "échéance" not in line
