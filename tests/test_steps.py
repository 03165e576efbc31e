"""The 29 rules of next-actions.md, the labels, and one action per organisation whatever the order."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbpt_sheets.core.models import Appointment, Contact, NextAction, Organisation, Workbook
from cbpt_sheets.core.rules import next_actions
from cbpt_sheets.core.schema import APPOINTMENT_RESULT, APPOINTMENT_STATUS, OUTCOME

T = dt.date(2026, 12, 1)  # a Tuesday
NAME = "Hôpital Necker"


def org(**kw: Any) -> Organisation:
    """A fully prepared organisation (so that the contact rules are reached), overridable."""
    base: dict[str, Any] = {
        "row": 2,
        "name": NAME,
        "type": "sante",
        "activity": "Hôpital pour enfants",
        "staff": 3000,
        "switchboard": "01 44 49 40 00",
        "head": "M. Martin",
        "head_role": "directeur",
        "objective": "Faire connaître la bibliothèque au personnel",
        "volunteer": "Claire",
        "library": "Paris 15",
    }
    base.update(kw)
    return Organisation(**base)


def call(day: dt.date, outcome: str | None, row: int = 2, **kw: Any) -> Contact:
    return Contact(
        row=row, date=day, organisation=kw.pop("organisation", NAME), outcome=outcome, **kw
    )


def meeting(day: dt.date, status: str = "proposed", row: int = 2, **kw: Any) -> Appointment:
    return Appointment(
        row=row,
        organisation=kw.pop("organisation", NAME),
        date=day,
        status=status,
        place="theirs",
        **kw,
    )


def one(
    organisation: Organisation | None = None,
    calls: list[Contact] | None = None,
    meetings: list[Appointment] | None = None,
    today: dt.date = T,
) -> NextAction:
    book = Workbook(
        organisations=[organisation or org()], contacts=calls or [], appointments=meetings or []
    )
    actions = next_actions(book, today)
    assert len(actions) == 1
    return actions[0]


def check(action: NextAction, rule: int, stage: str, code: str, due: dt.date | None) -> None:
    assert (action.rule, action.stage, action.action, action.due) == (str(rule), stage, code, due)


D = dt.date


# ---------------------------------------------------------------- rules 1-3


def test_rule_1_do_not_contact_by_tracking() -> None:
    a = one(org(tracking="opposition"), [call(D(2026, 11, 27), "call-back")])
    check(a, 1, "do-not-contact", "none", None)
    assert a.talking_points == []


def test_rule_1_opt_out_anywhere_in_history_wins_over_an_appointment() -> None:
    calls = [call(D(2026, 11, 2), "opt-out", row=2), call(D(2026, 11, 20), "meeting-set", row=3)]
    a = one(org(), calls, [meeting(D(2026, 12, 10), "confirmed")])
    check(a, 1, "do-not-contact", "none", None)
    assert a.reason == "Appel du 02/11/2026\u00a0: Refus d'être recontacté"


def test_rule_2_closed() -> None:
    check(
        one(org(tracking="clos"), [call(D(2026, 11, 27), "no-answer")]), 2, "closed", "none", None
    )


def test_rule_3_paused() -> None:
    check(one(org(tracking="pause")), 3, "paused", "none", None)


# ---------------------------------------------------------------- rules 4-13


def test_rule_4_confirm_the_earliest_coming_appointment() -> None:
    meetings = [
        meeting(D(2026, 12, 17), "confirmed", row=2),
        meeting(D(2026, 12, 10), "proposed", row=3, contact="Mme Durand"),
        meeting(D(2026, 11, 10), "held", row=4, result="follow-up"),
    ]
    a = one(org(), [call(D(2026, 11, 20), "meeting-set")], meetings)
    check(a, 4, "appointment", "confirm-appointment", D(2026, 12, 8))
    assert a.label == (
        "Appeler Mme Durand au 01 44 49 40 00 d'ici le 08/12/2026 "
        "pour confirmer le rendez-vous du 10/12/2026"
    )
    assert a.reason == "Rendez-vous du 10/12/2026\u00a0: Proposé"


def test_rule_5_prepare_a_confirmed_appointment_across_a_weekend() -> None:
    a = one(org(), [], [meeting(D(2026, 12, 7), "confirmed", library_visit="yes")])  # a Monday
    check(a, 5, "appointment", "prepare-appointment", D(2026, 12, 3))
    assert "visite de la bibliothèque" in a.label
    assert "conditions de prêt" in a.label


def test_rule_6_past_appointment_still_proposed() -> None:
    a = one(org(), [call(D(2026, 11, 20), "meeting-set")], [meeting(D(2026, 11, 27), "confirmed")])
    check(a, 6, "appointment", "record-appointment-report", D(2026, 11, 30))


def test_rule_7_held_without_suite() -> None:
    a = one(org(), [], [meeting(D(2026, 11, 27), "held")])
    check(a, 7, "appointment", "record-appointment-report", D(2026, 11, 30))


def test_rule_8_event_to_organise() -> None:
    m = meeting(D(2026, 11, 20), "held", result="event", welcome_event="Café littéraire")
    a = one(org(), [call(D(2026, 11, 10), "meeting-set")], [m])
    check(a, 8, "appointment", "organise-event", D(2026, 11, 27))
    assert "«\u00a0Café littéraire\u00a0»" in a.label


def test_rule_9_agreement_to_sign() -> None:
    a = one(
        org(contact_email="rh@necker.fr"),
        [],
        [meeting(D(2026, 11, 27), "held", result="convention")],
    )
    check(a, 9, "appointment", "send-agreement", D(2026, 11, 30))
    assert "rh@necker.fr" in a.label


def test_rule_10_follow_up_after_the_meeting() -> None:
    a = one(org(), [], [meeting(D(2026, 11, 20), "held", result="follow-up")])
    check(a, 10, "appointment", "follow-up-call", D(2026, 11, 27))


def test_rule_11_partner_by_suite() -> None:
    for result in ("collective", "individual", "deposit"):
        a = one(org(), [], [meeting(D(2026, 11, 20), "held", result=result)])
        check(a, 11, "partner", "none", None)


def test_rule_11_partner_by_tracking() -> None:
    check(
        one(org(tracking="partenaire"), [call(D(2026, 11, 27), "no-answer")]),
        11,
        "partner",
        "none",
        None,
    )


def test_rule_12_no_follow_up() -> None:
    a = one(
        org(),
        [call(D(2026, 11, 2), "meeting-set")],
        [meeting(D(2026, 11, 20), "held", result="none")],
    )
    check(a, 12, "closed", "none", None)


def test_rule_13_cancelled_or_postponed() -> None:
    for status in ("cancelled", "postponed"):
        a = one(org(), [], [meeting(D(2026, 11, 27), status)])
        check(a, 13, "appointment", "reschedule-appointment", D(2026, 11, 30))


def test_appointment_older_than_the_latest_contact_gives_way_to_the_contact() -> None:
    a = one(
        org(),
        [call(D(2026, 11, 27), "no-answer")],
        [meeting(D(2026, 11, 10), "held", result="none")],
    )
    check(a, 17, "first-call", "call-again", D(2026, 12, 1))


# ---------------------------------------------------------------- rules 14-16


def test_rule_14_no_phone() -> None:
    a = one(org(switchboard=None))
    check(a, 14, "preparation", "find-number", T)
    assert a.reason == "Aucun contact enregistré\u00a0; pas de numéro de téléphone"


def test_rule_15_missing_preparation_named() -> None:
    a = one(org(objective=None, staff=None))
    check(a, 15, "preparation", "complete-preparation", T)
    assert a.label == "Compléter la fiche avant d'appeler\u00a0: Effectifs, Objectif"


def test_rule_16_first_call() -> None:
    a = one(org())
    check(a, 16, "first-call", "first-call", T)
    assert "appeler le 01 44 49 40 00" in a.label
    assert "M. Martin (directeur)" in a.label
    assert "bibliothèque Paris 15" in a.label


# ---------------------------------------------------------------- rules 17-29


def test_rule_17_call_again_counts_no_answers_at_the_end() -> None:
    calls = [
        call(D(2026, 11, 2), "no-answer", row=2),
        call(D(2026, 11, 3), "wrong-number", row=3),
        call(D(2026, 11, 24), "no-answer", row=4),
        call(D(2026, 11, 27), "no-answer", row=5),
    ]
    a = one(org(), calls)
    check(a, 17, "first-call", "call-again", D(2026, 12, 1))
    assert "(2 appels sans réponse sur 3)" in a.label


def test_rule_17_due_date_skips_armistice_day() -> None:
    a = one(org(), [call(D(2026, 11, 10), "no-answer")])
    check(a, 17, "first-call", "call-again", D(2026, 11, 13))


def test_rule_17_due_date_skips_christmas_and_the_weekend() -> None:
    a = one(org(), [call(D(2026, 12, 24), "no-answer")], today=D(2026, 12, 24))
    check(a, 17, "first-call", "call-again", D(2026, 12, 29))


def test_rule_18_change_channel_after_max_no_answer() -> None:
    calls = [call(D(2026, 11, d), "no-answer", row=d) for d in (20, 24, 27)]
    a = one(org(contact_email="contact@necker.fr"), calls)
    check(a, 18, "finding-contact", "change-channel", D(2026, 11, 30))
    assert "contact@necker.fr" in a.label


def test_rule_19_wrong_number() -> None:
    check(one(org(), [call(D(2026, 11, 27), "wrong-number")]), 19, "preparation", "find-number", T)


def test_rule_20_head_absent_call_back_on_the_agreed_date() -> None:
    c = call(
        D(2026, 11, 28), "head-absent-callback", contact="Mme Durand", callback_date=D(2026, 12, 3)
    )
    check(one(org(), [c]), 20, "finding-contact", "call-contact", D(2026, 12, 3))


def test_rule_20_without_date_waits_retry_days() -> None:
    c = call(D(2026, 11, 27), "head-absent-callback", contact="Mme Durand")
    check(one(org(), [c]), 20, "finding-contact", "call-contact", D(2026, 12, 1))


def test_rule_21_redirected_with_phone() -> None:
    c = call(D(2026, 11, 27), "redirected", contact="M. Petit", phone="01 45 00 00 01")
    a = one(org(), [c])
    check(a, 21, "finding-contact", "call-contact", D(2026, 11, 30))
    assert (
        a.label == "Appeler M. Petit le 30/11/2026 au 01 45 00 00 01 (numéro obtenu le 27/11/2026)"
    )


def test_rule_22_redirected_with_email() -> None:
    c = call(D(2026, 11, 27), "redirected", contact="M. Petit", email="petit@necker.fr")
    a = one(org(), [c])
    check(a, 22, "finding-contact", "send-email", D(2026, 11, 30))
    assert "petit@necker.fr" in a.label
    assert a.email == "petit@necker.fr"


def test_rule_23_redirected_with_department_only() -> None:
    c = call(D(2026, 11, 27), "redirected", department="Ressources humaines")
    a = one(org(address="149 rue de Sèvres", postcode="75015", city="Paris"), [c])
    check(a, 23, "finding-contact", "send-letter", D(2026, 11, 30))
    assert "«\u00a0Ressources humaines\u00a0», 149 rue de Sèvres, 75015 Paris" in a.label


def test_rule_24_no_redirection() -> None:
    check(
        one(org(), [call(D(2026, 11, 27), "no-redirection")]),
        24,
        "finding-contact",
        "find-contact",
        D(2026, 12, 1),
    )


def test_rule_25_follow_up_mail_and_letter() -> None:
    for outcome, channel in (("mail-sent", "email"), ("letter-sent", "letter")):
        a = one(org(), [call(D(2026, 11, 20), outcome, channel=channel)])
        check(a, 25, "finding-contact", "follow-up-call", D(2026, 11, 27))
    assert a.reason == "Courrier du 20/11/2026\u00a0: Courrier envoyé"
    assert a.label == (
        "Appeler M. Martin (directeur) le 27/11/2026 au 01 44 49 40 00 "
        "pour faire suite au courrier du 20/11/2026"
    )


def test_rule_26_meeting_set_but_not_entered() -> None:
    a = one(
        org(),
        [call(D(2026, 11, 27), "meeting-set")],
        [meeting(D(2026, 10, 1), "held", result="follow-up")],
    )
    check(a, 26, "conversation", "record-appointment", T)


def test_rule_27_call_back_with_and_without_date() -> None:
    check(
        one(org(), [call(D(2026, 11, 27), "call-back", callback_date=D(2026, 12, 4))]),
        27, "conversation", "call-back", D(2026, 12, 4),
    )  # fmt: skip
    check(
        one(org(), [call(D(2026, 11, 13), "call-back")]),
        27,
        "conversation",
        "call-back",
        D(2026, 11, 27),
    )


def test_rule_28_send_information() -> None:
    a = one(org(), [call(D(2026, 11, 27), "send-info", email="doc@necker.fr")])
    check(a, 28, "conversation", "send-information", D(2026, 11, 30))
    assert "doc@necker.fr" in a.label and "forfait" in a.label


def test_rule_29_not_interested_recontact_later() -> None:
    a = one(org(), [call(D(2026, 1, 31), "not-interested")])
    check(a, 29, "closed", "recontact-later", D(2027, 1, 31))
    assert a.label == "Rien à faire pour l'instant\u00a0: recontacter après le 31/01/2027"


# ---------------------------------------------------------------- order, labels, extras


def test_same_day_contacts_ordered_by_time_then_row() -> None:
    day = D(2026, 11, 27)
    later_time = [
        call(day, "no-answer", row=2, time=dt.time(15, 0)),
        call(day, "call-back", row=3, time=dt.time(10, 0)),
    ]
    check(one(org(), later_time), 17, "first-call", "call-again", D(2026, 12, 1))
    blank_time_first = [
        call(day, "call-back", row=5),
        call(day, "no-answer", row=4, time=dt.time(9, 0)),
    ]
    check(one(org(), blank_time_first), 17, "first-call", "call-again", D(2026, 12, 1))
    same_time = [
        call(day, "wrong-number", row=7, time=dt.time(9, 0)),
        call(day, "no-answer", row=6, time=dt.time(9, 0)),
    ]
    check(one(org(), same_time), 19, "preparation", "find-number", T)


def test_label_names_the_freshest_contact_and_number() -> None:
    o = org(contact="M. Leroy", contact_role="DRH", contact_phone="01 44 49 40 01")
    c = call(
        D(2026, 11, 28), "head-absent-callback", contact="Mme Durand", role="cadre de santé",
        callback_date=D(2026, 12, 3), callback_slot="mardi matin", phone="01 44 49 40 00",
    )  # fmt: skip
    a = one(
        o,
        [
            call(D(2026, 11, 20), "no-answer", row=2, phone="01 99 99 99 99"),
            c.model_copy(update={"row": 3}),
        ],
    )
    # Rule 20: ask for the head, and say who agreed the call-back (issue 15).
    assert a.label == (
        "Rappeler le 03/12/2026, mardi matin, au 01 44 49 40 00 et demander à parler à "
        "M. Martin (directeur), rappel convenu avec Mme Durand (cadre de santé)"
    )
    assert a.reason == "Appel du 28/11/2026\u00a0: Responsable absent – rappel convenu"
    assert (a.contact, a.phone) == ("Mme Durand", "01 44 49 40 00")  # name alone, as interfaces.md
    # Without a number obtained, the sheet's contact phone beats the switchboard.
    bare = c.model_copy(update={"phone": None, "contact": None, "role": None})
    a = one(o, [bare])
    assert a.label == (
        "Rappeler le 03/12/2026, mardi matin, au 01 44 49 40 01 et demander à parler à "
        "M. Martin (directeur), comme convenu lors du dernier appel"
    )
    # Without any name, the head of the establishment is asked for; nothing dangles.
    a = one(
        org(head=None, head_role=None, switchboard=None),
        [bare.model_copy(update={"callback_slot": None})],
    )
    assert a.label == (
        "Rappeler le 03/12/2026 et demander à parler au responsable de l'établissement "
        "(ou au bon interlocuteur), comme convenu lors du dernier appel"
    )


def test_rule_20_asks_for_the_right_contact_and_names_who_agreed() -> None:
    """The secretary who answered agreed the call-back; the label asks for the head or contact."""
    secretary = call(
        D(2026, 11, 28), "head-absent-callback", contact="Mme Roux", role="secrétariat",
        callback_date=D(2026, 12, 3), callback_slot="après 14h",
    )  # fmt: skip
    no_head = org(head=None, head_role=None, contact="M. Leroy", contact_role="DRH")
    a = one(no_head, [secretary])
    assert "demander à parler à M. Leroy (DRH)" in a.label
    assert a.label.endswith("rappel convenu avec Mme Roux (secrétariat)")
    assert a.label.startswith("Rappeler le 03/12/2026, après 14h, au ")
    # The person who agreed is the one named to reach: not asked for twice.
    same = one(no_head, [secretary.model_copy(update={"contact": "M. Leroy", "role": "DRH"})])
    assert same.label.endswith("et demander à parler à M. Leroy (DRH), qui a convenu de ce rappel")
    # Step 3 talking points while finding the right person.
    assert a.stage == "finding-contact"
    assert a.talking_points[0].startswith("Étape 3\u00a0: demandez à parler à M. Leroy (DRH)")


def test_linked_by_id_and_folded_name() -> None:
    book = Workbook(
        organisations=[org(id="ORG-0007"), org(row=3, name="Crèche Les Lilas")],
        contacts=[
            call(D(2026, 11, 27), "wrong-number", organisation="org-0007"),
            call(D(2026, 11, 27), "meeting-set", row=3, organisation="  creche les  LILAS "),
        ],
    )
    first, second = next_actions(book, T)
    assert (first.rule, second.rule) == ("19", "26")


def test_undated_contacts_are_ignored() -> None:
    c = Contact(row=2, date=None, organisation=NAME, outcome="not-interested")
    check(one(org(), [c]), 16, "first-call", "first-call", T)


def test_talking_points_follow_knows_cbpt_and_type() -> None:
    yes = one(
        org(type="entreprise", knows_cbpt="no"),
        [call(D(2026, 11, 27), "call-back", knows_cbpt="yes")],
    )
    assert any(
        "faites dire à votre interlocuteur ce qu'il en sait" in p for p in yes.talking_points
    )
    assert any("CSE" in p for p in yes.talking_points)
    no = one(org(type="seniors", knows_cbpt="no"), [call(D(2026, 11, 27), "call-back")])
    assert any(p.startswith("Présentez la bibliothèque") for p in no.talking_points)
    assert any("personnes âgées" in p for p in no.talking_points)
    assert any("rendez-vous" in p for p in no.talking_points)
    assert any(p.startswith("Laissez parler") for p in no.talking_points)


def test_gdpr_flag_after_retention() -> None:
    assert one(org(), [call(D(2023, 11, 30), "not-interested")]).gdpr is True
    assert one(org(), [call(D(2023, 12, 1), "not-interested")]).gdpr is False
    assert one(org()).gdpr is False


# ---------------------------------------------------------------- property


NAMES = [f"Organisation {i}" for i in range(6)]
dates = st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 6, 30))
times = st.none() | st.times().map(lambda t: t.replace(second=0, microsecond=0))
outcomes = st.none() | st.sampled_from([e.code for e in OUTCOME.entries])
contacts_st = st.builds(
    dict,
    date=st.none() | dates,
    time=times,
    organisation=st.sampled_from([*NAMES, "ORG-0001", "inconnue"]),
    outcome=outcomes,
    contact=st.none() | st.sampled_from(["Mme Durand", "M. Petit"]),
    phone=st.none() | st.just("01 45 00 00 01"),
    email=st.none() | st.just("a@b.fr"),
    department=st.none() | st.just("RH"),
    callback_date=st.none() | dates,
    channel=st.sampled_from(["phone", "email", "letter", "visit"]),
)
appointments_st = st.builds(
    dict,
    date=st.none() | dates,
    time=times,
    organisation=st.sampled_from(NAMES),
    status=st.sampled_from([e.code for e in APPOINTMENT_STATUS.entries]),
    result=st.none() | st.sampled_from([e.code for e in APPOINTMENT_RESULT.entries]),
    place=st.none() | st.sampled_from(["theirs", "library"]),
)
orgs_st = st.lists(
    st.builds(
        dict,
        tracking=st.sampled_from(
            ["actif", "actif", "actif", "pause", "partenaire", "clos", "opposition"]
        ),
        switchboard=st.none() | st.just("01 44 49 40 00"),
        objective=st.none() | st.just("Objectif"),
        contact=st.none() | st.just("Mme Durand"),
    ),
    min_size=1,
    max_size=len(NAMES),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    orgs_st,
    st.lists(contacts_st, max_size=12),
    st.lists(appointments_st, max_size=5),
    st.randoms(),
    dates,
)
def test_one_action_per_organisation_whatever_the_row_order(
    org_rows: list[dict[str, Any]],
    contact_rows: list[dict[str, Any]],
    app_rows: list[dict[str, Any]],
    rnd: random.Random,
    today: dt.date,
) -> None:
    organisations = [
        org(row=i + 2, name=NAMES[i], id="ORG-0001" if i == 0 else None, **o)
        for i, o in enumerate(org_rows)
    ]
    contacts = [Contact(row=i + 2, **c) for i, c in enumerate(contact_rows)]
    appointments = [Appointment(row=i + 2, **a) for i, a in enumerate(app_rows)]
    actions = next_actions(
        Workbook(organisations=organisations, contacts=contacts, appointments=appointments), today
    )
    assert [a.row for a in actions] == [o.row for o in organisations]
    assert all(1 <= int(a.rule) <= 29 for a in actions)
    assert all(a.label and "  " not in a.label and ", ," not in a.label for a in actions)
    for items in (organisations, contacts, appointments):
        rnd.shuffle(items)  # type: ignore[arg-type]
    shuffled = next_actions(
        Workbook(organisations=organisations, contacts=contacts, appointments=appointments), today
    )
    assert {a.row: a for a in shuffled} == {a.row: a for a in actions}
