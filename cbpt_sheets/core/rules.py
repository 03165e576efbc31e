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
    OUTCOME,
    PREPARATION_FIELDS,
    fold,
)

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


def _correct_entry(blockers: Sequence[Blocker], today: dt.date) -> _Outcome:
    """Rule 1b: the rows of this organisation that the plan could not use come first."""
    cells: dict[tuple[str, str], list[Blocker]] = {}
    for b in blockers:
        cells.setdefault((b.sheet, b.cell), []).append(b)
    refs = [f"{sheet}!{cell}" for sheet, cell in cells]
    shown = [
        f"{ref} ({', '.join(dict.fromkeys(b.what for b in found))})"
        for ref, found in zip(refs[:MAX_CELLS_IN_LABEL], list(cells.values()), strict=False)
    ]
    rest = len(refs) - len(shown)
    if rest:
        shown.append(f"{rest} autre{'s' if rest > 1 else ''} cellule{'s' if rest > 1 else ''}")
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " et " + shown[-1]
    label = (
        f"Corriger d'abord {listed}, puis relancer le calcul (bouton « Prochaines actions » "
        "ou cbpt-sheets next) : la prochaine action ne se calcule pas sur une saisie à corriger"
    )
    count = len(refs)
    reason = (
        f"{count} cellule{'s' if count > 1 else ''} à corriger : "
        + ", ".join(refs[:MAX_CELLS_IN_REASON])
        + (" …" if count > MAX_CELLS_IN_REASON else "")
    )
    return _Outcome(
        rule="1b",
        stage=Stage.TO_CORRECT,
        action=Action.CORRECT_ENTRY,
        label=label,
        due=today,
        reason=reason,
    )


NO_TALK = frozenset({Action.NONE, Action.CORRECT_ENTRY})  # nothing to say on the phone
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


def missing_preparation(org: Organisation) -> list[str]:
    """The preparation fields still blank, by their French names."""
    return [
        f.name for f in PREPARATION_FIELDS if all(getattr(org, k) in (None, "") for k in f.keys)
    ]


def talking_points(org: Organisation, timeline: Sequence[Contact]) -> list[str]:
    """What to say at the next conversation (step 4 of the guide), adapted to the organisation."""
    points: list[str] = []
    known = knows_cbpt(org, timeline)
    if known == "yes":
        points.append(
            "Elle connaît déjà CBPT : faites dire à votre interlocuteur ce qu'il en sait, puis "
            "enrichissez (l'union compte des bibliothèques de quartier, la présence dans les "
            "établissements de santé, ce qui nous distingue des bibliothèques de la ville de Paris)."
        )
    else:
        if known is None:
            points.append("Demandez d'abord si votre interlocuteur connaît déjà CBPT.")
        points.append(
            "Présentez la bibliothèque et l'association : nos points forts par rapport aux "
            "bibliothèques municipales (conseils personnalisés, choix selon les lecteurs) et nos "
            "animations (rencontres d'auteurs, café littéraire, braderie)."
        )
        points.append(
            "Dites que leur personnel (ou leurs membres) pourrait être intéressé par les services "
            "de la bibliothèque."
        )
    kind = org.type
    if kind in ("seniors", "sante"):
        points.append(
            "Évoquez les animations pour les personnes âgées en établissement et la présence de "
            "CBPT dans les établissements de santé."
        )
    elif kind == "entreprise":
        points.append(
            "Proposez l'adhésion collective et des créneaux à l'heure du déjeuner ; le CSE est "
            "souvent le bon interlocuteur."
        )
    elif kind == "education":
        points.append("Présentez les animations pour la jeunesse (lectures, accueil de classes).")
    elif kind == "association":
        points.append(
            "Proposez l'adhésion collective ou le forfait pour les membres de l'association."
        )
    elif kind == "administration":
        points.append(
            "Rappelez que le réseau CBPT est reconnu par les institutions (mairies, "
            "établissements hospitaliers) et par les professionnels de l'édition."
        )
    expectations = [c.expectations for c in timeline if c.expectations]
    if expectations:
        points.append(f"Attentes déjà notées : {expectations[-1]}.")
    points.append(
        "Demandez les attentes du personnel : créneaux horaires d'accueil, centres d'intérêt ; "
        "dites comment nous pouvons nous adapter (un événement pour les accueillir, par exemple)."
    )
    points.append(
        "Proposez un rendez-vous, chez eux ou à la bibliothèque avec une visite des lieux."
    )
    points.append(
        "Laissez parler votre interlocuteur et montrez-lui que nous nous intéressons à lui : "
        "nous pouvons lui apporter un service, un plus."
    )
    return points


# ---------------------------------------------------------------- reasons


def contact_event(contact: Contact) -> str:
    """``Appel du 28/11/2026 : Pas de réponse`` (Mail du, Courrier du, Visite du per channel)."""
    kind = CHANNEL_EVENT.get(contact.channel or "phone", "Appel")
    outcome = OUTCOME.by_code(contact.outcome).fr if contact.outcome else "résultat non renseigné"
    return f"{kind} du {d(contact.date)} : {outcome}"


def appointment_event(app: Appointment) -> str:
    """``Rendez-vous du 05/12/2026 : Réalisé – Convention à signer``."""
    status = APPOINTMENT_STATUS.by_code(app.status).fr if app.status else "Proposé"
    if app.status == "held":
        status += " – " + (
            APPOINTMENT_RESULT.by_code(app.result).fr if app.result else "Suite non renseignée"
        )
    return f"Rendez-vous du {d(app.date)} : {status}"


def appointment_moment(app: Appointment) -> str:
    """``05/12/2026 à 14h30`` or the date alone."""
    return f"{d(app.date)} à {hm(app.time)}" if app.time else d(app.date)


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


_PARTNER = _Outcome(
    rule="11",
    stage=Stage.PARTNER,
    action=Action.NONE,
    label="Aucune action : organisation partenaire",
    due=None,
    reason="Suivi : Partenaire",
)


def _org_address(org: Organisation) -> str:
    return join(org.address, join(org.postcode, org.city, sep=" "))


def _place(org: Organisation, app: Appointment) -> str | None:
    """Where a meeting takes place, in words (``chez eux (12 rue X, 75015 Paris)``)."""
    if app.place == "theirs":
        address = _org_address(org)
        return f"chez eux ({address})" if address else "chez eux"
    if app.place == "library":
        return "à la bibliothèque" + (f" {org.library}" if org.library else "")
    return None


def call_phrase(
    verb: str, person: str, day: dt.date, slot: str | None = None, phone: str | None = None
) -> str:
    """``Rappeler Mme Durand (cadre de santé) le 03/12/2026, mardi matin, au 01 44 49 40 00``."""
    text = f"{verb} {person or 'votre interlocuteur'} le {d(day)}"
    slot = " ".join(slot.split()) if slot else ""
    if slot:
        text += f", {slot}"
    if phone:
        text += (", " if slot else " ") + f"au {phone}"
    return text


def by_post(email: str | None, address: str) -> str:
    """How to send something: ``par mail (x@y.fr)``, ``par courrier (adresse)``, or both."""
    ways = [f"par mail ({email})" if email else "", f"par courrier ({address})" if address else ""]
    return " ou ".join(w for w in ways if w)


def _decide(h: History, settings: Settings, today: dt.date) -> _Outcome:
    """The first of the 29 rules that applies to one organisation."""
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
                contact_event(max(dated_opt, key=contact_key))
                if dated_opt
                else "Refus d'être recontacté"
            )
        else:
            reason = "Suivi : Ne pas contacter"
        return _Outcome(
            rule="1",
            stage=Stage.DO_NOT_CONTACT,
            action=Action.NONE,
            label="Ne plus contacter cette organisation, à sa demande",
            due=None,
            reason=reason,
        )
    if h.blockers:
        return _correct_entry(h.blockers, today)
    if org.tracking == "clos":
        return _Outcome(
            rule="2",
            stage=Stage.CLOSED,
            action=Action.NONE,
            label="Aucune action : dossier clos",
            due=None,
            reason="Suivi : Clos",
        )
    if org.tracking == "pause":
        return _Outcome(
            rule="3",
            stage=Stage.PAUSED,
            action=Action.NONE,
            label="Aucune action : suivi en pause",
            due=None,
            reason="Suivi : En pause",
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
        if app.status == "proposed":
            label = (
                f"Appeler {app_person or 'votre interlocuteur'}"
                + (f" au {phone}" if phone else "")
                + f" d'ici le {d(due)} pour confirmer le rendez-vous du {appointment_moment(app)}"
            )
            return _Outcome(
                rule="4",
                stage=Stage.APPOINTMENT,
                action=Action.CONFIRM_APPOINTMENT,
                label=label,
                due=due,
                reason=appointment_event(app),
            )
        place = _place(org, app)
        visit = "avec la visite de la bibliothèque" if app.library_visit == "yes" else None
        label = (
            join(
                f"Préparer d'ici le {d(due)} le rendez-vous du {appointment_moment(app)}"
                + (f" avec {app_person}" if app_person else ""),
                place,
                visit,
            )
            + " : notre offre, nos animations, les conditions de prêt"
        )
        return _Outcome(
            rule="5",
            stage=Stage.APPOINTMENT,
            action=Action.PREPARE_APPOINTMENT,
            label=label,
            due=due,
            reason=appointment_event(app),
        )
    past_active = [
        a for a in apps if a.date is not None and a.date < today and a.status in ACTIVE_STATUSES
    ]
    if past_active:
        app = past_active[0]
        assert app.date is not None
        due = add_working_days(app.date, 1)
        label = f"Saisir le compte rendu du rendez-vous du {d(app.date)} dans Rendez-vous (Statut et Suite), d'ici le {d(due)}"
        return _Outcome(
            rule="6",
            stage=Stage.APPOINTMENT,
            action=Action.RECORD_APPOINTMENT_REPORT,
            label=label,
            due=due,
            reason=appointment_event(app),
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
        reason = appointment_event(app)
        if app.status == "held":
            if app.result is None:
                due = add_working_days(app.date, 1)
                label = f"Saisir la Suite du rendez-vous du {d(app.date)} dans Rendez-vous, d'ici le {d(due)}"
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
                event = f" « {app.welcome_event} »" if app.welcome_event else ""
                label = (
                    f"Organiser d'ici le {d(due)} l'événement d'accueil{event} pour le personnel"
                    + (f", avec {app_person}" if app_person else "")
                    + (f" au {phone}" if phone else "")
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
                to = f" à {app_person}" if app_person else ""
                how = by_post(email, _org_address(org))
                label = f"Envoyer d'ici le {d(due)} la convention à signer{to}" + (
                    f" {how}" if how else ""
                )
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
                label = (
                    call_phrase("Rappeler", app_person, due, None, phone)
                    + f" pour faire suite au rendez-vous du {d(app.date)}"
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
                    label="Aucune action : organisation partenaire",
                    due=None,
                    reason=reason,
                )
        if org.tracking == "partenaire":
            return _PARTNER
        if app.status == "held" and app.result == "none":
            label = f"Aucune action : rendez-vous du {d(app.date)} sans suite"
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
            label = (
                call_phrase("Appeler", app_person, due, None, phone)
                + " pour fixer une nouvelle date de rendez-vous"
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
        return _PARTNER

    # 14-16: nobody called yet.
    if latest is None:
        reason = "Aucun contact enregistré"
        if not (org.switchboard or org.contact_phone):
            label = "Trouver le numéro du standard (annuaire, site internet de l'organisation)"
            return _Outcome(
                rule="14",
                stage=Stage.PREPARATION,
                action=Action.FIND_NUMBER,
                label=label,
                due=today,
                reason=reason + " ; pas de numéro de téléphone",
            )
        missing = missing_preparation(org)
        if missing:
            label = "Compléter la fiche avant d'appeler : " + ", ".join(missing)
            return _Outcome(
                rule="15",
                stage=Stage.PREPARATION,
                action=Action.COMPLETE_PREPARATION,
                label=label,
                due=today,
                reason=reason + " ; préparation incomplète",
            )
        head = who(org.head, org.head_role) if org.head else who(org.contact, org.contact_role)
        ask = (
            f"demander à parler à {head}"
            if head
            else "demander à parler au responsable de l'établissement"
        )
        library = f" {org.library}" if org.library else ""
        label = (
            f"Le {d(today)}, appeler le {phone} : (étape 1) se présenter comme membre de CBPT "
            f"et responsable de la bibliothèque{library} ; (étape 2) {ask}"
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
    event = contact_event(latest)
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
                f"Rappeler le {d(due)}"
                + (f" au {phone}" if phone else "")
                + f" ({n} appel{'s' if n > 1 else ''} sans réponse sur {limit})"
            )
            return _Outcome(
                rule="17",
                stage=Stage.FIRST_CALL,
                action=Action.CALL_AGAIN,
                label=label,
                due=due,
                reason=f"{event} ({n} sur {limit})",
            )
        due = add_working_days(latest.date, 1)
        to = f" à {person}" if person else ""
        how = by_post(email, _org_address(org)) or "par mail ou par courrier"
        label = (
            f"{n} appels sans réponse : écrire{to} d'ici le {d(due)} {how}, "
            "ou chercher un autre numéro"
        )
        return _Outcome(
            rule="18",
            stage=Stage.FINDING_CONTACT,
            action=Action.CHANGE_CHANNEL,
            label=label,
            due=due,
            reason=f"{event} ({n} sur {limit})",
        )
    if outcome == "wrong-number":
        wrong = f" : le {latest.phone or phone} est erroné" if (latest.phone or phone) else ""
        label = f"Trouver le bon numéro (annuaire, site internet){wrong}"
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
        label = call_phrase("Rappeler", person, due, latest.callback_slot, phone)
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
            label = (
                call_phrase("Appeler", person, due, None, latest.phone)
                + f" (numéro obtenu le {d(latest.date)})"
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
            to = f" à {person}" if person else ""
            label = f"Envoyer d'ici le {d(due)} un mail de présentation{to} : {latest.email}"
            return _Outcome(
                rule="22",
                stage=Stage.FINDING_CONTACT,
                action=Action.SEND_EMAIL,
                label=label,
                due=due,
                reason=event,
            )
        if latest.department:
            label = join(
                f"Envoyer d'ici le {d(due)} un courrier de présentation au service "
                f"« {latest.department} »",
                _org_address(org),
            )
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
        label = (
            f"Chercher un autre interlocuteur (organigramme, site internet), puis rappeler le {d(due)}"
            + (f" au {phone}" if phone else "")
        )
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
        what = "mail" if outcome == "mail-sent" else "courrier"
        label = (
            call_phrase("Appeler", person, due, None, phone)
            + f" pour faire suite au {what} du {d(latest.date)}"
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
        label = f"Saisir dans Rendez-vous le rendez-vous fixé lors de l'appel du {d(latest.date)}"
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
        label = (
            call_phrase("Rappeler", person, due, latest.callback_slot, phone)
            + " et proposer un rendez-vous (chez eux ou visite de la bibliothèque)"
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
        to = f" à {person}" if person else ""
        how = by_post(email, _org_address(org))
        label = (
            f"Envoyer d'ici le {d(due)} la documentation (offre, animations, conditions de prêt : "
            f"adhésion individuelle, adhésion collective, forfait){to}" + (f" {how}" if how else "")
        )
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
        label = f"Rien à faire pour l'instant : recontacter après le {d(due)}"
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
        label="Vérifier l'historique des appels",
        due=today,
        reason=event,
    )


def next_action(history: History, settings: Settings, today: dt.date) -> NextAction:
    """The next action of one organisation with what the volunteer needs to act on it."""
    org = history.org
    timeline = history.timeline
    latest = timeline[-1] if timeline else None
    outcome = _decide(history, settings, today)
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
        label=outcome.label,
        due=outcome.due,
        reason=outcome.reason,
        volunteer=org.volunteer,
        library=org.library,
        contact=freshest_name(org, latest),
        phone=freshest_phone(org, timeline),
        email=freshest_email(org, timeline),
        talking_points=talking_points(org, timeline) if outcome.action not in NO_TALK else [],
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
    return [next_action(h, workbook.settings, today) for h in histories]


def by_row(actions: Iterable[NextAction]) -> dict[int, NextAction]:
    """Actions keyed by the organisation's Excel row."""
    return {a.row: a for a in actions}
