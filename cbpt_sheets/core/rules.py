"""The step logic of the call guide (next-actions.md): one next action per organisation, pure."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cbpt_sheets.core.calendar import add_months, add_working_days, subtract_working_days
from cbpt_sheets.core.codes import STAGES as STAGES  # re-exported: the Étape labels
from cbpt_sheets.core.codes import Action, Stage
from cbpt_sheets.core.french import format_date as d
from cbpt_sheets.core.french import format_time as hm
from cbpt_sheets.core.french import typo
from cbpt_sheets.core.models import (
    Appointment,
    BlockedCell,
    Contact,
    NextAction,
    Organisation,
    Settings,
    Workbook,
    construct,
)
from cbpt_sheets.core.names import name_key
from cbpt_sheets.core.rgpd import retention_clock
from cbpt_sheets.core.schema import (
    APPOINTMENT_RESULT,
    APPOINTMENT_STATUS,
    ORGANISATIONS,
    OUTCOME,
    PREPARATION_FIELDS,
    fold,
)
from cbpt_sheets.core.texts import TYPE_POINTS, Talk

CHANNEL_EVENT = {"phone": "Appel", "email": "Mail", "letter": "Courrier", "visit": "Visite"}
ACTIVE_STATUSES = ("proposed", "confirmed")
PARTNER_RESULTS = ("collective", "individual", "deposit")
_MIN_TIME = dt.time.min


def join(*parts: str | None, sep: str = ", ") -> str:
    """Join the non-empty parts (no doubled spaces, no dangling separators)."""
    return sep.join(" ".join(p.split()) for p in parts if p and p.strip())


def who(name: str | None, role: str | None) -> str:
    """``Mme Durand (cadre de santé)``, the role alone, or empty."""
    name = " ".join(name.split()) if name else ""
    role = " ".join(role.split()) if role else ""
    if name and role:
        return f"{name} ({role})"
    return name or role


def contact_key(contact: Contact) -> tuple[dt.date, dt.time, int]:
    """Chronological order of contacts: Date, then Heure (blank first), then row."""
    assert contact.date is not None
    return (contact.date, contact.time or _MIN_TIME, contact.row)


def appointment_key(app: Appointment) -> tuple[dt.date, dt.time, int]:
    """Chronological order of appointments: Date, then Heure (blank first), then row."""
    assert app.date is not None
    return (app.date, app.time or _MIN_TIME, app.row)


@dataclass(frozen=True)
class Blocker:
    """A cell of a contact or appointment row that the plan cannot use (rule 1b).

    ``organisation`` is the name as typed in the row; ``what`` says in French what is
    wrong (``date illisible « 5/11 »``).
    """

    organisation: str
    sheet: str
    cell: str
    code: str
    what: str


@dataclass
class History:
    """What the rules see of one organisation: its dated contacts and appointments, sorted."""

    org: Organisation
    contacts: list[Contact] = field(default_factory=list)  # every linked contact
    appointments: list[Appointment] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)  # cells of its rows the plan cannot use

    _memo: dict[str, tuple[tuple[int, int, int, int], list[Any]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _remembered(self, name: str, make: Callable[[], list[Any]]) -> list[Any]:
        """A sorted view computed once while the lists are unchanged (a copy each time)."""
        stamp = (
            id(self.contacts),
            len(self.contacts),
            id(self.appointments),
            len(self.appointments),
        )
        hit = self._memo.get(name)
        if hit is None or hit[0] != stamp:
            hit = self._memo[name] = (stamp, make())
        return list(hit[1])

    @property
    def dated(self) -> list[Contact]:
        """Contacts with a readable date, oldest first (the others are left to the checks)."""
        return self._remembered(
            "dated",
            lambda: sorted((c for c in self.contacts if c.date is not None), key=contact_key),
        )

    @property
    def timeline(self) -> list[Contact]:
        """Dated contacts with a known outcome, oldest first: the history the rules read."""
        return self._remembered(
            "timeline", lambda: [c for c in self.dated if c.outcome is not None]
        )

    @property
    def dated_appointments(self) -> list[Appointment]:
        """Appointments with a readable date, oldest first."""
        return self._remembered(
            "dated_appointments",
            lambda: sorted(
                (a for a in self.appointments if a.date is not None), key=appointment_key
            ),
        )


_ORGANISATION = operator.attrgetter("organisation")


def link(
    workbook: Workbook,
    aliases: Mapping[str, str] | None = None,
    blockers: Iterable[Blocker] = (),
    unresolved: set[str] | None = None,
) -> list[History]:
    """Each organisation with its contacts, appointments and blocked cells.

    Rows are linked by Nom or ID (case, accents and punctuation ignored); a name that
    matches no organisation is looked up in ``aliases`` (a row's name -> the Nom the
    check suggests for it). The names that still match nothing are added to
    ``unresolved`` when it is given.
    """
    by_name: dict[str, list[int]] = {}
    by_id: dict[str, list[int]] = {}
    by_key: dict[str, list[int]] = {}  # punctuation ignored too, as the checks link names
    histories = [History(org) for org in workbook.organisations]
    for index, org in enumerate(workbook.organisations):
        by_name.setdefault(fold(org.name), []).append(index)
        by_key.setdefault(name_key(org.name), []).append(index)
        if org.id:
            by_id.setdefault(fold(org.id), []).append(index)

    found: dict[str, list[int]] = {}  # the same names come back on many rows

    def exact(name: str) -> list[int]:
        key = fold(name)
        return by_id.get(key) or by_name.get(key) or by_key.get(name_key(name)) or []

    def targets(name: str) -> list[int]:
        hit = found.get(name)
        if hit is None:
            hit = exact(name)
            if not hit and aliases and name in aliases:
                hit = exact(aliases[name])
            if not hit and unresolved is not None:
                unresolved.add(name)
            found[name] = hit
        return hit

    # group the rows by the name they give, then attach each group to its organisations
    for attr, items in (("contacts", workbook.contacts), ("appointments", workbook.appointments)):
        groups: dict[str, list[Any]] = {}
        for name, item in zip(map(_ORGANISATION, items), items, strict=True):
            group = groups.get(name)
            if group is None:
                groups[name] = [item]
            else:
                group.append(item)
        mixed: set[int] = set()  # organisations named in more than one way
        for name, group in groups.items():
            for index in targets(name):
                linked = getattr(histories[index], attr)
                if linked:
                    mixed.add(index)
                linked.extend(group)
        if mixed:  # back to the order of the workbook's list
            order = {id(item): i for i, item in enumerate(items)}
            for index in mixed:
                getattr(histories[index], attr).sort(key=lambda item: order[id(item)])
    for blocker in blockers:
        for index in targets(blocker.organisation):
            histories[index].blockers.append(blocker)
    return histories


def _correct_entry(blockers: Sequence[Blocker], today: dt.date, lang: str = "fr") -> _Outcome:
    """Rule 1b: the rows of this organisation that the plan could not use come first.

    What is wrong with each cell (``Blocker.what``) is said in French whatever ``lang``.
    """
    cells: dict[tuple[str, str], list[Blocker]] = {}
    for b in blockers:
        cells.setdefault((b.sheet, b.cell), []).append(b)
    refs = [f"{sheet}!{cell}" for sheet, cell in cells]
    shown = [
        f"{ref} ({', '.join(dict.fromkeys(b.what for b in found))})"
        for ref, found in zip(refs[:MAX_CELLS_IN_LABEL], list(cells.values()), strict=False)
    ]
    rest = len(refs) - len(shown)
    count = len(refs)
    if lang == "en":
        if rest:
            shown.append(f"{rest} other cell{'s' if rest > 1 else ''}")
        listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
        label = (
            f"First correct {listed}, then compute again (“Prochaines actions” button or "
            "cbpt-sheets next): the next action is not computed on an entry to correct"
        )
        reason = f"{count} cell{'s' if count > 1 else ''} to correct: "
    else:
        if rest:
            shown.append(f"{rest} autre{'s' if rest > 1 else ''} cellule{'s' if rest > 1 else ''}")
        listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " et " + shown[-1]
        label = (
            f"Corriger d'abord {listed}, puis relancer le calcul (bouton « Prochaines actions » "
            "ou cbpt-sheets next) : la prochaine action ne se calcule pas sur une saisie à corriger"
        )
        reason = f"{count} cellule{'s' if count > 1 else ''} à corriger : "
    reason += ", ".join(refs[:MAX_CELLS_IN_REASON]) + (" …" if count > MAX_CELLS_IN_REASON else "")
    return _Outcome(
        rule="1b",
        stage=Stage.TO_CORRECT,
        action=Action.CORRECT_ENTRY,
        label=label,
        due=today,
        reason=reason,
    )


MAX_CELLS_IN_LABEL = 3  # the label names the first cells; the JSON's blocked_by has them all
MAX_CELLS_IN_REASON = 6


# ---------------------------------------------------------------- what is known


def freshest_person(org: Organisation, latest: Contact | None) -> str:
    """Who to ask for: the Interlocuteur of L, else the organisation's, else its Responsable."""
    if latest is not None and latest.contact:
        return who(latest.contact, latest.role)
    if org.contact:
        return who(org.contact, org.contact_role)
    if org.head:
        return who(org.head, org.head_role)
    return ""


def freshest_name(org: Organisation, latest: Contact | None) -> str | None:
    """The name alone of the freshest contact (the ``contact`` of a next action), no role."""
    for name in (latest.contact if latest is not None else None, org.contact, org.head):
        if name and name.strip():
            return " ".join(name.split())
    return None


def freshest_phone(org: Organisation, timeline: Sequence[Contact]) -> str | None:
    """The Téléphone obtenu of the latest contact that has one, else the sheet's numbers."""
    for contact in reversed(timeline):
        if contact.phone:
            return contact.phone
    return org.contact_phone or org.switchboard or None


def freshest_email(org: Organisation, timeline: Sequence[Contact]) -> str | None:
    """The Email obtenu of the latest contact that has one, else the Email interlocuteur."""
    for contact in reversed(timeline):
        if contact.email:
            return contact.email
    return org.contact_email or None


def knows_cbpt(org: Organisation, timeline: Sequence[Contact]) -> str | None:
    """The latest known answer to « Connaît CBPT ? » (contacts first, else the sheet)."""
    for contact in reversed(timeline):
        if contact.knows_cbpt:
            return contact.knows_cbpt
    return org.knows_cbpt


def missing_preparation(org: Organisation, lang: str = "fr") -> list[str]:
    """The preparation fields still blank, by their names (French, or English headers)."""
    return [
        f.name if lang != "en" else ORGANISATIONS.column(f.key).en
        for f in PREPARATION_FIELDS
        if all(getattr(org, k) in (None, "") for k in f.keys)
    ]


def ask_for(org: Organisation) -> str:
    """Whom to ask for on the phone: the Responsable named, else the Interlocuteur, else empty."""
    if org.head:
        return who(org.head, org.head_role)
    return who(org.contact, org.contact_role) if org.contact else ""


def _whom(org: Organisation, lang: str) -> str:
    """``à M. Leroy (DRH)`` or ``au responsable de l'établissement`` (step 2, step 3)."""
    person = ask_for(org)
    return Talk.TO_PERSON(lang, person=person) if person else Talk.THE_HEAD(lang)


SILENT_ACTIONS = frozenset(
    {
        Action.NONE,
        Action.CORRECT_ENTRY,
        Action.RECORD_APPOINTMENT_REPORT,
        Action.SEND_AGREEMENT,
        Action.RECONTACT_LATER,
    }
)
"""Actions with nothing to say on the phone: closed, paused, opt-out, data entry, paperwork."""
SILENT_STAGES = frozenset(
    {Stage.TO_CORRECT, Stage.PARTNER, Stage.CLOSED, Stage.PAUSED, Stage.DO_NOT_CONTACT}
)


def talking_points(
    org: Organisation,
    timeline: Sequence[Contact],
    action: str = Action.CALL_BACK,
    stage: str = Stage.CONVERSATION,
    lang: str = "fr",
    visit: bool = False,
) -> list[str]:
    """What to say at the next contact (« Quoi dire »), following the stage of the call guide.

    Before a first call: the preparation and steps 1-2; while finding the right person:
    step 3; in a conversation: step 4 (adapted to what they know of CBPT and to the
    organisation's type), proposing a meeting; once a meeting is set: preparing it,
    never proposing it again; nothing for closed, paused, partner or do-not-contact
    organisations, nor for data entry. ``visit``: the meeting includes a visit of the
    library. Returns the points in ``lang`` ("fr" or "en"), in the order to say them.
    """
    if action in SILENT_ACTIONS or stage in SILENT_STAGES:
        return []
    expectations = [c.expectations for c in timeline if c.expectations]
    noted = [Talk.EXPECTATIONS_NOTED(lang, what=expectations[-1])] if expectations else []
    adapted = [TYPE_POINTS[org.type](lang)] if org.type in TYPE_POINTS else []
    if stage in (Stage.PREPARATION, Stage.FIRST_CALL):
        library = f" {org.library}" if org.library else ""
        return [
            Talk.PREPARE(lang),
            Talk.OBJECTIVE(lang),
            Talk.STEP_1(lang, library=library),
            Talk.STEP_2(lang, whom=_whom(org, lang)),
            Talk.STEP_3_ABSENT(lang),
        ]
    if stage == Stage.FINDING_CONTACT:
        return [
            Talk.STEP_3_ASK(lang, whom=_whom(org, lang)),
            Talk.STEP_3_ABSENT(lang),
            Talk.STEP_3_NOBODY(lang),
            Talk.STEP_3_THEN(lang),
        ]
    if action == Action.CONFIRM_APPOINTMENT:
        return [
            Talk.CONFIRM(lang),
            Talk.PREPARE_MEETING(lang),
            *adapted,
            *noted,
            *([Talk.VISIT(lang)] if visit else []),
        ]
    if action in (Action.PREPARE_APPOINTMENT, Action.RECORD_APPOINTMENT):
        first = [Talk.MEETING_SET(lang)] if action == Action.RECORD_APPOINTMENT else []
        return [
            *first,
            Talk.PREPARE_MEETING(lang),
            *adapted,
            *noted,
            *([Talk.VISIT(lang)] if visit else []),
            Talk.MEETING_LISTEN(lang),
            Talk.LET_TALK(lang),
        ]
    if action == Action.ORGANISE_EVENT:
        return [Talk.EVENT(lang), *noted, Talk.LET_TALK(lang)]
    if action == Action.RESCHEDULE_APPOINTMENT:
        return [Talk.RESCHEDULE(lang), *noted, Talk.LET_TALK(lang)]
    if stage == Stage.APPOINTMENT:  # a call after the meeting (rule 10)
        return [Talk.AFTER_MEETING(lang), *adapted, *noted, Talk.LET_TALK(lang)]
    # Step 4: the conversation.
    points: list[str] = []
    known = knows_cbpt(org, timeline)
    if known == "yes":
        points.append(Talk.KNOWS(lang))
    else:
        if known is None:
            points.append(Talk.ASK_KNOWS(lang))
        points += [Talk.PRESENT(lang), Talk.STAFF(lang)]
    return [
        *points,
        *adapted,
        *noted,
        Talk.ASK_EXPECTATIONS(lang),
        Talk.PROPOSE_MEETING(lang),
        Talk.LET_TALK(lang),
    ]


# ---------------------------------------------------------------- reasons


def _tr(lang: str, fr: str, en: str) -> str:
    """One text given in both languages, side by side where it is written: the one of ``lang``."""
    return en if lang == "en" else fr


CHANNEL_EVENT_EN = {"phone": "Call", "email": "E-mail", "letter": "Letter", "visit": "Visit"}


def contact_event(contact: Contact, lang: str = "fr") -> str:
    """``Appel du 28/11/2026 : Pas de réponse`` (Mail du, Courrier du, Visite du per channel)."""
    channel = contact.channel or "phone"
    if lang == "en":
        kind = CHANNEL_EVENT_EN.get(channel, "Call")
        outcome = OUTCOME.by_code(contact.outcome).en if contact.outcome else "outcome not entered"
        return f"{kind} of {d(contact.date)}: {outcome}"
    kind = CHANNEL_EVENT.get(channel, "Appel")
    outcome = OUTCOME.by_code(contact.outcome).fr if contact.outcome else "résultat non renseigné"
    return f"{kind} du {d(contact.date)} : {outcome}"


def appointment_event(app: Appointment, lang: str = "fr") -> str:
    """``Rendez-vous du 05/12/2026 : Réalisé – Convention à signer``."""
    status = (
        APPOINTMENT_STATUS.by_code(app.status).label(lang)
        if app.status
        else _tr(lang, "Proposé", "Proposed")
    )
    if app.status == "held":
        status += " – " + (
            APPOINTMENT_RESULT.by_code(app.result).label(lang)
            if app.result
            else _tr(lang, "Suite non renseignée", "Result not entered")
        )
    return _tr(
        lang, f"Rendez-vous du {d(app.date)} : {status}", f"Meeting of {d(app.date)}: {status}"
    )


def appointment_moment(app: Appointment, lang: str = "fr") -> str:
    """``05/12/2026 à 14h30`` (``05/12/2026 at 14:30``) or the date alone."""
    if not app.time:
        return d(app.date)
    if lang == "en":
        return f"{d(app.date)} at {app.time.hour}:{app.time.minute:02d}"
    return f"{d(app.date)} à {hm(app.time)}"


# ---------------------------------------------------------------- the rules


@dataclass(frozen=True, kw_only=True)
class _Outcome:
    """What one rule decides: its number in next-actions.md, the stage, action, label, due, reason."""

    rule: str
    stage: str
    action: str
    label: str
    due: dt.date | None
    reason: str
    visit: bool = False  # the meeting to prepare includes a visit of the library


def _partner(lang: str) -> _Outcome:
    return _Outcome(
        rule="11",
        stage=Stage.PARTNER,
        action=Action.NONE,
        label=_tr(
            lang, "Aucune action : organisation partenaire", "No action: partner organisation"
        ),
        due=None,
        reason=_tr(lang, "Suivi : Partenaire", "Follow-up: Partner"),
    )


def _org_address(org: Organisation) -> str:
    return join(org.address, join(org.postcode, org.city, sep=" "))


def _place(org: Organisation, app: Appointment, lang: str = "fr") -> str | None:
    """Where a meeting takes place, in words (``chez eux (12 rue X, 75015 Paris)``)."""
    if app.place == "theirs":
        address = _org_address(org)
        there = _tr(lang, "chez eux", "at their premises")
        return f"{there} ({address})" if address else there
    if app.place == "library":
        return _tr(lang, "à la bibliothèque", "at the library") + (
            f" {org.library}" if org.library else ""
        )
    return None


def call_phrase(
    verb: str,
    person: str,
    day: dt.date,
    slot: str | None = None,
    phone: str | None = None,
    lang: str = "fr",
) -> str:
    """``Rappeler Mme Durand (cadre de santé) le 03/12/2026, mardi matin, au 01 44 49 40 00``.

    In English (``lang="en"``): ``Call back Mme Durand on 03/12/2026, Tuesday morning, on 01 ...``.
    """
    anyone = _tr(lang, "votre interlocuteur", "your contact")
    text = f"{verb} {person or anyone} " + _tr(lang, "le ", "on ") + d(day)
    slot = " ".join(slot.split()) if slot else ""
    if slot:
        text += f", {slot}"
    if phone:
        text += (", " if slot else " ") + _tr(lang, "au ", "on ") + phone
    return text


def head_absent_label(
    org: Organisation, latest: Contact, due: dt.date, phone: str | None, lang: str = "fr"
) -> str:
    """Rule 20: call back at the agreed time, ask for the head (or the right contact named),
    and say who agreed the call-back (the person who answered, the Interlocuteur of L).

    ``Rappeler le 03/12/2026, mardi matin, au 01 44 49 40 00 et demander à parler à
    M. Leroy (directeur), rappel convenu avec Mme Durand (secrétariat)``.
    """
    text = _tr(lang, "Rappeler le ", "Call back on ") + d(due)
    slot = " ".join(latest.callback_slot.split()) if latest.callback_slot else ""
    if slot:
        text += f", {slot},"
    if phone:
        text += _tr(lang, " au ", " on ") + phone
    answered = who(latest.contact, latest.role)
    target = ask_for(org)
    if latest.contact and fold(latest.contact) in (fold(org.head or ""), fold(org.contact or "")):
        # the person who agreed the call-back is the one to reach
        return text + _tr(
            lang,
            f" et demander à parler à {answered}, qui a convenu de ce rappel",
            f" and ask for {answered}, who agreed this call-back",
        )
    if target:
        text += _tr(lang, f" et demander à parler à {target}", f" and ask for {target}")
    else:
        text += _tr(
            lang,
            " et demander à parler au responsable de l'établissement (ou au bon interlocuteur)",
            " and ask for the head of the establishment (or the right contact)",
        )
    if answered:
        return text + _tr(
            lang, f", rappel convenu avec {answered}", f", call-back agreed with {answered}"
        )
    return text + _tr(lang, ", comme convenu lors du dernier appel", ", as agreed at the last call")


def postal_address(org: Organisation) -> str:
    """The address a letter can go to (``12 rue X, 75015 Paris``), empty without a street."""
    return _org_address(org) if org.address and org.address.strip() else ""


MISSING_ADDRESS = "l'adresse postale manque (colonne Adresse d'Organisations)"
MISSING_ADDRESS_EN = "the postal address is missing (Address column of Organisations)"


def by_post(email: str | None, address: str, lang: str = "fr") -> str:
    """How to send something: ``par mail (x@y.fr)``, ``par courrier (adresse)``, or both.

    ``address`` is a full postal address (``postal_address``) or empty: without one,
    the text says what is missing rather than a town alone (``par courrier (75014 Paris)``).
    """
    by_mail = _tr(lang, "par mail", "by e-mail")
    by_letter = _tr(lang, "par courrier", "by letter")
    ways = [f"{by_mail} ({email})" if email else "", f"{by_letter} ({address})" if address else ""]
    said = _tr(lang, " ou ", " or ").join(w for w in ways if w)
    if address:
        return said
    missing = _tr(lang, MISSING_ADDRESS, MISSING_ADDRESS_EN)
    if said:
        return said + _tr(lang, f" ; pour un courrier, {missing}", f"; for a letter, {missing}")
    return f"{by_letter}{_tr(lang, ' :', ':')} {missing}"


def _decide(h: History, settings: Settings, today: dt.date, lang: str = "fr") -> _Outcome:
    """The first of the 29 rules that applies to one organisation (texts in ``lang``)."""

    def t(fr: str, en: str) -> str:
        return en if lang == "en" else fr

    org = h.org
    timeline = h.timeline
    latest = timeline[-1] if timeline else None
    person = freshest_person(org, latest)
    phone = freshest_phone(org, timeline)
    email = freshest_email(org, timeline)
    apps = h.dated_appointments

    # 1-3: the Suivi column and opt-outs.
    opt_outs = [c for c in h.contacts if c.outcome == "opt-out"]
    if org.tracking == "opposition" or opt_outs:
        if opt_outs:
            dated_opt = [c for c in opt_outs if c.date is not None]
            reason = (
                contact_event(max(dated_opt, key=contact_key), lang)
                if dated_opt
                else OUTCOME.by_code("opt-out").label(lang)
            )
        else:
            reason = t("Suivi : Ne pas contacter", "Follow-up: Do not contact")
        label = t(
            "Ne plus contacter cette organisation, à sa demande",
            "Do not contact this organisation again, at its request",
        )
        # a meeting still planned with it: to cancel (its Statut), never to prepare
        planned = [
            a
            for a in apps
            if a.status in ACTIVE_STATUSES and a.date is not None and a.date >= today
        ]
        if planned:
            day = d(min(a.date for a in planned if a.date is not None))
            label += t(
                f", et annuler le rendez-vous du {day} (Statut « Annulé » dans Rendez-vous)",
                f", and cancel the meeting of {day} (Status “Cancelled” in Appointments)",
            )
        return _Outcome(
            rule="1",
            stage=Stage.DO_NOT_CONTACT,
            action=Action.NONE,
            label=label,
            due=None,
            reason=reason,
        )
    if h.blockers:
        return _correct_entry(h.blockers, today, lang)
    if org.tracking == "clos":
        return _Outcome(
            rule="2",
            stage=Stage.CLOSED,
            action=Action.NONE,
            label=t("Aucune action : dossier clos", "No action: file closed"),
            due=None,
            reason=t("Suivi : Clos", "Follow-up: Closed"),
        )
    if org.tracking == "pause":
        return _Outcome(
            rule="3",
            stage=Stage.PAUSED,
            action=Action.NONE,
            label=t("Aucune action : suivi en pause", "No action: follow-up paused"),
            due=None,
            reason=t("Suivi : En pause", "Follow-up: Paused"),
        )

    # 4-6: appointments still to hold.
    upcoming = [
        a for a in apps if a.date is not None and a.date >= today and a.status in ACTIVE_STATUSES
    ]
    if upcoming:
        app = upcoming[0]
        assert app.date is not None
        due = subtract_working_days(app.date, settings.prepare_days)
        app_person = who(app.contact, None) or person
        moment = appointment_moment(app, lang)
        if app.status == "proposed":
            label = (
                t("Appeler ", "Call ")
                + (app_person or t("votre interlocuteur", "your contact"))
                + (t(" au ", " on ") + phone if phone else "")
                + t(
                    f" d'ici le {d(due)} pour confirmer le rendez-vous du {moment}",
                    f" by {d(due)} to confirm the meeting of {moment}",
                )
            )
            return _Outcome(
                rule="4",
                stage=Stage.APPOINTMENT,
                action=Action.CONFIRM_APPOINTMENT,
                label=label,
                due=due,
                reason=appointment_event(app, lang),
                visit=app.library_visit == "yes",
            )
        place = _place(org, app, lang)
        visit = (
            t("avec la visite de la bibliothèque", "with a visit of the library")
            if app.library_visit == "yes"
            else None
        )
        label = join(
            t(
                f"Préparer d'ici le {d(due)} le rendez-vous du {moment}",
                f"Prepare by {d(due)} the meeting of {moment}",
            )
            + (t(" avec ", " with ") + app_person if app_person else ""),
            place,
            visit,
        ) + t(
            " : notre offre, nos animations, les conditions de prêt",
            ": our offer, our events, the loan terms",
        )
        return _Outcome(
            rule="5",
            stage=Stage.APPOINTMENT,
            action=Action.PREPARE_APPOINTMENT,
            label=label,
            due=due,
            reason=appointment_event(app, lang),
            visit=app.library_visit == "yes",
        )
    past_active = [
        a for a in apps if a.date is not None and a.date < today and a.status in ACTIVE_STATUSES
    ]
    if past_active:
        app = past_active[0]
        assert app.date is not None
        due = add_working_days(app.date, 1)
        label = t(
            f"Saisir le compte rendu du rendez-vous du {d(app.date)} dans Rendez-vous "
            f"(Statut et Suite), d'ici le {d(due)}",
            f"Enter the report of the meeting of {d(app.date)} in Appointments "
            f"(Status and Result), by {d(due)}",
        )
        return _Outcome(
            rule="6",
            stage=Stage.APPOINTMENT,
            action=Action.RECORD_APPOINTMENT_REPORT,
            label=label,
            due=due,
            reason=appointment_event(app, lang),
        )

    # 7-13: the latest appointment, when it is not older than the latest contact.
    last_app = apps[-1] if apps else None
    latest_date = latest.date if latest is not None else None
    if (
        last_app is not None
        and last_app.date is not None
        and (latest_date is None or last_app.date >= latest_date)
    ):
        app = last_app
        assert app.date is not None
        app_person = who(app.contact, None) or person
        reason = appointment_event(app, lang)
        if app.status == "held":
            if app.result is None:
                due = add_working_days(app.date, 1)
                label = t(
                    f"Saisir la Suite du rendez-vous du {d(app.date)} dans Rendez-vous, "
                    f"d'ici le {d(due)}",
                    f"Enter the Result of the meeting of {d(app.date)} in Appointments, "
                    f"by {d(due)}",
                )
                return _Outcome(
                    rule="7",
                    stage=Stage.APPOINTMENT,
                    action=Action.RECORD_APPOINTMENT_REPORT,
                    label=label,
                    due=due,
                    reason=reason,
                )
            if app.result == "event":
                due = add_working_days(app.date, settings.follow_up_days)
                event = (
                    t(f" « {app.welcome_event} »", f" “{app.welcome_event}”")
                    if app.welcome_event
                    else ""
                )
                label = (
                    t(
                        f"Organiser d'ici le {d(due)} l'événement d'accueil{event} pour le personnel",
                        f"Organise by {d(due)} the welcome event{event} for the staff",
                    )
                    + (t(", avec ", ", with ") + app_person if app_person else "")
                    + (t(" au ", " on ") + phone if phone else "")
                )
                return _Outcome(
                    rule="8",
                    stage=Stage.APPOINTMENT,
                    action=Action.ORGANISE_EVENT,
                    label=label,
                    due=due,
                    reason=reason,
                )
            if app.result == "convention":
                due = add_working_days(app.date, 1)
                to = t(" à ", " to ") + app_person if app_person else ""
                how = by_post(email, postal_address(org), lang)
                label = t(
                    f"Envoyer d'ici le {d(due)} la convention à signer{to}",
                    f"Send by {d(due)} the agreement to sign{to}",
                ) + (f" {how}" if how else "")
                return _Outcome(
                    rule="9",
                    stage=Stage.APPOINTMENT,
                    action=Action.SEND_AGREEMENT,
                    label=label,
                    due=due,
                    reason=reason,
                )
            if app.result == "follow-up":
                due = add_working_days(app.date, settings.follow_up_days)
                label = call_phrase(
                    t("Rappeler", "Call back"), app_person, due, None, phone, lang
                ) + t(
                    f" pour faire suite au rendez-vous du {d(app.date)}",
                    f" to follow up the meeting of {d(app.date)}",
                )
                return _Outcome(
                    rule="10",
                    stage=Stage.APPOINTMENT,
                    action=Action.FOLLOW_UP_CALL,
                    label=label,
                    due=due,
                    reason=reason,
                )
            if app.result in PARTNER_RESULTS:
                return _Outcome(
                    rule="11",
                    stage=Stage.PARTNER,
                    action=Action.NONE,
                    label=t(
                        "Aucune action : organisation partenaire", "No action: partner organisation"
                    ),
                    due=None,
                    reason=reason,
                )
        if org.tracking == "partenaire":
            return _partner(lang)
        if app.status == "held" and app.result == "none":
            label = t(
                f"Aucune action : rendez-vous du {d(app.date)} sans suite",
                f"No action: meeting of {d(app.date)} with no follow-up",
            )
            return _Outcome(
                rule="12",
                stage=Stage.CLOSED,
                action=Action.NONE,
                label=label,
                due=None,
                reason=reason,
            )
        if app.status in ("cancelled", "postponed"):
            due = add_working_days(app.date, 1)
            label = call_phrase(t("Appeler", "Call"), app_person, due, None, phone, lang) + t(
                " pour fixer une nouvelle date de rendez-vous", " to set a new date for the meeting"
            )
            return _Outcome(
                rule="13",
                stage=Stage.APPOINTMENT,
                action=Action.RESCHEDULE_APPOINTMENT,
                label=label,
                due=due,
                reason=reason,
            )
    if org.tracking == "partenaire":
        return _partner(lang)

    # 14-16: nobody called yet.
    if latest is None:
        reason = t("Aucun contact enregistré", "No contact recorded")
        if not (org.switchboard or org.contact_phone):
            label = t(
                "Trouver le numéro du standard (annuaire, site internet de l'organisation)",
                "Find the switchboard number (directory, the organisation's website)",
            )
            return _Outcome(
                rule="14",
                stage=Stage.PREPARATION,
                action=Action.FIND_NUMBER,
                label=label,
                due=today,
                reason=reason + t(" ; pas de numéro de téléphone", "; no phone number"),
            )
        missing = missing_preparation(org, lang)
        if missing:
            label = t(
                "Compléter la fiche avant d'appeler : ", "Complete the file before calling: "
            ) + ", ".join(missing)
            return _Outcome(
                rule="15",
                stage=Stage.PREPARATION,
                action=Action.COMPLETE_PREPARATION,
                label=label,
                due=today,
                reason=reason + t(" ; préparation incomplète", "; preparation incomplete"),
            )
        head = ask_for(org)
        ask = (
            t(f"demander à parler à {head}", f"ask for {head}")
            if head
            else t(
                "demander à parler au responsable de l'établissement",
                "ask for the head of the establishment",
            )
        )
        library = f" {org.library}" if org.library else ""
        label = t(
            f"Le {d(today)}, appeler le {phone} : (étape 1) se présenter comme membre de CBPT "
            f"et responsable de la bibliothèque{library} ; (étape 2) {ask}",
            f"On {d(today)}, call {phone}: (step 1) introduce yourself as a CBPT member "
            f"and head of the library{library}; (step 2) {ask}",
        )
        return _Outcome(
            rule="16",
            stage=Stage.FIRST_CALL,
            action=Action.FIRST_CALL,
            label=label,
            due=today,
            reason=reason,
        )

    # 17-29: the latest contact.
    assert latest.date is not None
    event = contact_event(latest, lang)
    outcome = latest.outcome
    if outcome == "no-answer":
        n = 0
        for contact in reversed(timeline):
            if contact.outcome != "no-answer":
                break
            n += 1
        limit = settings.max_no_answer
        if n < limit:
            due = add_working_days(latest.date, settings.retry_days)
            label = (
                t(f"Rappeler le {d(due)}", f"Call again on {d(due)}")
                + (t(" au ", " on ") + phone if phone else "")
                + t(
                    f" ({n} appel{'s' if n > 1 else ''} sans réponse sur {limit})",
                    f" ({n} unanswered call{'s' if n != 1 else ''} of {limit})",
                )
            )
            return _Outcome(
                rule="17",
                stage=Stage.FIRST_CALL,
                action=Action.CALL_AGAIN,
                label=label,
                due=due,
                reason=f"{event} ({n} {t('sur', 'of')} {limit})",
            )
        due = add_working_days(latest.date, 1)
        to = t(" à ", " to ") + person if person else ""
        how = (
            by_post(email, postal_address(org), lang)
            if email or postal_address(org)
            else t(
                f"par mail ou par courrier ({MISSING_ADDRESS} et aucun e-mail n'est connu)",
                f"by e-mail or letter ({MISSING_ADDRESS_EN} and no e-mail is known)",
            )
        )
        label = t(
            f"{n} appels sans réponse : écrire{to} d'ici le {d(due)} {how}, "
            "ou chercher un autre numéro",
            f"{n} unanswered calls: write{to} by {d(due)} {how}, or look for another number",
        )
        return _Outcome(
            rule="18",
            stage=Stage.FINDING_CONTACT,
            action=Action.CHANGE_CHANNEL,
            label=label,
            due=due,
            reason=f"{event} ({n} {t('sur', 'of')} {limit})",
        )
    if outcome == "wrong-number":
        number = latest.phone or phone
        wrong = t(f" : le {number} est erroné", f": {number} is wrong") if number else ""
        label = t(
            f"Trouver le bon numéro (annuaire, site internet){wrong}",
            f"Find the right number (directory, website){wrong}",
        )
        return _Outcome(
            rule="19",
            stage=Stage.PREPARATION,
            action=Action.FIND_NUMBER,
            label=label,
            due=today,
            reason=event,
        )
    if outcome == "head-absent-callback":
        due = latest.callback_date or add_working_days(latest.date, settings.retry_days)
        label = head_absent_label(org, latest, due, phone, lang)
        return _Outcome(
            rule="20",
            stage=Stage.FINDING_CONTACT,
            action=Action.CALL_CONTACT,
            label=label,
            due=due,
            reason=event,
        )
    if outcome == "redirected":
        due = add_working_days(latest.date, 1)
        if latest.phone:
            label = call_phrase(t("Appeler", "Call"), person, due, None, latest.phone, lang) + t(
                f" (numéro obtenu le {d(latest.date)})", f" (number obtained on {d(latest.date)})"
            )
            return _Outcome(
                rule="21",
                stage=Stage.FINDING_CONTACT,
                action=Action.CALL_CONTACT,
                label=label,
                due=due,
                reason=event,
            )
        if latest.email:
            to = t(" à ", " to ") + person if person else ""
            label = t(
                f"Envoyer d'ici le {d(due)} un mail de présentation{to} : {latest.email}",
                f"Send by {d(due)} a presentation e-mail{to}: {latest.email}",
            )
            return _Outcome(
                rule="22",
                stage=Stage.FINDING_CONTACT,
                action=Action.SEND_EMAIL,
                label=label,
                due=due,
                reason=event,
            )
        if latest.department:
            address = postal_address(org)
            label = t(
                f"Envoyer d'ici le {d(due)} un courrier de présentation au service "
                f"« {latest.department} »",
                f"Send by {d(due)} a presentation letter to the “{latest.department}” department",
            ) + (f", {address}" if address else f" ({t(MISSING_ADDRESS, MISSING_ADDRESS_EN)})")
            return _Outcome(
                rule="23",
                stage=Stage.FINDING_CONTACT,
                action=Action.SEND_LETTER,
                label=label,
                due=due,
                reason=event,
            )
    if outcome in ("no-redirection", "redirected"):
        due = add_working_days(latest.date, settings.retry_days)
        label = t(
            "Chercher un autre interlocuteur (organigramme, site internet), "
            f"puis rappeler le {d(due)}",
            f"Look for another contact (organisation chart, website), then call again on {d(due)}",
        ) + (t(" au ", " on ") + phone if phone else "")
        return _Outcome(
            rule="24",
            stage=Stage.FINDING_CONTACT,
            action=Action.FIND_CONTACT,
            label=label,
            due=due,
            reason=event,
        )
    if outcome in ("mail-sent", "letter-sent"):
        due = add_working_days(latest.date, settings.follow_up_days)
        if outcome == "mail-sent":
            what = t(f"au mail du {d(latest.date)}", f"the e-mail of {d(latest.date)}")
        else:
            what = t(f"au courrier du {d(latest.date)}", f"the letter of {d(latest.date)}")
        label = call_phrase(t("Appeler", "Call"), person, due, None, phone, lang) + t(
            f" pour faire suite {what}", f" to follow up {what}"
        )
        return _Outcome(
            rule="25",
            stage=Stage.FINDING_CONTACT,
            action=Action.FOLLOW_UP_CALL,
            label=label,
            due=due,
            reason=event,
        )
    if outcome == "meeting-set":
        label = t(
            f"Saisir dans Rendez-vous le rendez-vous fixé lors de l'appel du {d(latest.date)}",
            f"Enter in Appointments the meeting set at the call of {d(latest.date)}",
        )
        return _Outcome(
            rule="26",
            stage=Stage.CONVERSATION,
            action=Action.RECORD_APPOINTMENT,
            label=label,
            due=today,
            reason=event,
        )
    if outcome == "call-back":
        due = latest.callback_date or add_working_days(latest.date, settings.call_back_days)
        label = call_phrase(
            t("Rappeler", "Call back"), person, due, latest.callback_slot, phone, lang
        ) + t(
            " et proposer un rendez-vous (chez eux ou visite de la bibliothèque)",
            " and propose a meeting (at their premises or a visit of the library)",
        )
        return _Outcome(
            rule="27",
            stage=Stage.CONVERSATION,
            action=Action.CALL_BACK,
            label=label,
            due=due,
            reason=event,
        )
    if outcome == "send-info":
        due = add_working_days(latest.date, 1)
        to = t(" à ", " to ") + person if person else ""
        how = by_post(email, postal_address(org), lang)
        label = t(
            f"Envoyer d'ici le {d(due)} la documentation (offre, animations, conditions de prêt : "
            f"adhésion individuelle, adhésion collective, forfait){to}",
            f"Send by {d(due)} the documentation (offer, events, loan terms: individual "
            f"membership, collective membership, flat fee){to}",
        ) + (f" {how}" if how else "")
        return _Outcome(
            rule="28",
            stage=Stage.CONVERSATION,
            action=Action.SEND_INFORMATION,
            label=label,
            due=due,
            reason=event,
        )
    if outcome == "not-interested":
        due = add_months(latest.date, settings.recontact_months)
        label = t(
            f"Rien à faire pour l'instant : recontacter après le {d(due)}",
            f"Nothing to do for now: contact again after {d(due)}",
        )
        if due <= today:  # the wait is over: say what to do, not « nothing to do »
            where = f"au {phone}" if phone else "l'organisation"
            label = t(
                f"Recontacter {where} : pas intéressée "
                f"le {d(latest.date)}, le délai de {settings.recontact_months} mois est passé",
                f"Contact again{' on ' + phone if phone else ''}: not interested on "
                f"{d(latest.date)}, the {settings.recontact_months}-month wait is over",
            )
        return _Outcome(
            rule="29",
            stage=Stage.CLOSED,
            action=Action.RECONTACT_LATER,
            label=label,
            due=due,
            reason=event,
        )
    # Unreachable with the outcomes of schema.OUTCOME; kept so that no organisation is ever dropped.
    return _Outcome(
        rule="0",
        stage=Stage.PREPARATION,
        action=Action.COMPLETE_PREPARATION,
        label=t("Vérifier l'historique des appels", "Check the call history"),
        due=today,
        reason=event,
    )


def next_action(
    history: History, settings: Settings, today: dt.date, lang: str = "fr"
) -> NextAction:
    """The next action of one organisation with what the volunteer needs to act on it.

    ``lang``: the workbook's language ("fr" or "en"), for the texts.
    """
    org = history.org
    timeline = history.timeline
    latest = timeline[-1] if timeline else None
    outcome = _decide(history, settings, today, lang)
    dated = history.dated
    clock = retention_clock((c.date, c.outcome) for c in dated)
    gdpr = clock.expired(settings.retention_months, today)
    # model_construct: every field is computed and typed here; validating 100 000 actions'
    # worth of fields again cost about a tenth of a second at the large scale (issue 22)
    return construct(
        NextAction,
        organisation=org.name,
        id=org.id,
        row=org.row,
        stage=outcome.stage,
        action=outcome.action,
        label=typo(outcome.label) if lang != "en" else outcome.label,
        due=outcome.due,
        reason=typo(outcome.reason) if lang != "en" else outcome.reason,
        volunteer=org.volunteer,
        library=org.library,
        contact=freshest_name(org, latest),
        phone=freshest_phone(org, timeline),
        email=freshest_email(org, timeline),
        talking_points=talking_points(
            org, timeline, outcome.action, outcome.stage, lang, visit=outcome.visit
        ),
        gdpr=gdpr,
        blocked_by=[
            BlockedCell.model_construct(sheet=sheet, cell=cell, code=code)
            for sheet, cell, code in dict.fromkeys(
                (b.sheet, b.cell, b.code) for b in history.blockers
            )
        ]
        if outcome.action == Action.CORRECT_ENTRY
        else [],
        rule=outcome.rule,
    )


def next_actions(
    workbook: Workbook,
    today: dt.date,
    aliases: Mapping[str, str] | None = None,
    blockers: Iterable[Blocker] = (),
    unresolved: set[str] | None = None,
) -> list[NextAction]:
    """Exactly one next action per organisation, in sheet order, by the rules of next-actions.md.

    ``aliases`` and ``blockers`` come from the checks (``core.plan``): rows named by a
    close name, and the cells the plan cannot use (rule 1b). The names of rows that
    match no organisation are added to ``unresolved`` when it is given.
    """
    histories = link(workbook, aliases, blockers, unresolved)
    return [next_action(h, workbook.settings, today, workbook.lang) for h in histories]


def by_row(actions: Iterable[NextAction]) -> dict[int, NextAction]:
    """Actions keyed by the organisation's Excel row."""
    return {a.row: a for a in actions}
