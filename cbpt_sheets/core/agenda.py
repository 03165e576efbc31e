"""The volunteers' calendar (``agenda``): dated actions and appointments as events, pure.

    events(histories, actions, today, days=None, volunteer=None) -> list[Event]

- one event per dated action of the follow-up list (``core.followup.followup`` with
  the same horizon and volunteer): a call-back (rules 20 and 27) at its slot when
  the slot reads as hours (``14h-16h``, ``10h30``, ``matin``, ``après-midi``...),
  every other action all day on its due day; the summary is the action's label;
- one event per appointment (Rendez-vous row) of the volunteer dated from today to
  the horizon, at its time (one hour) and place; cancelled and postponed ones are
  marked cancelled, so that a calendar that imported them earlier shows it.

An event's ``key`` names what it is, never when it was exported: the organisation
(its ID, else its folded Nom) and the action code (one next action per
organisation), or the appointment's organisation, date and rank that day. The
renderer hashes it into the UID, so that importing a newer file updates the events.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import phonenumbers

from cbpt_sheets.core import values
from cbpt_sheets.core.codes import Stage
from cbpt_sheets.core.followup import CATEGORY_LABELS, CATEGORY_OF, followup, matches
from cbpt_sheets.core.french import format_time
from cbpt_sheets.core.models import Appointment, NextAction, Organisation
from cbpt_sheets.core.rules import History, appointment_key, contact_event, who
from cbpt_sheets.core.schema import APPOINTMENT_STATUS, fold

APPOINTMENT_MINUTES = 60
"""How long an appointment event lasts when the sheet gives only its start."""
SLOT_WORDS: tuple[tuple[str, tuple[int, int]], ...] = (
    ("apres-midi", (14, 17)),
    ("apres midi", (14, 17)),
    ("aprem", (14, 17)),
    ("matin", (9, 12)),
    ("midi", (12, 14)),
    ("soir", (17, 19)),
)
"""Words of a call-back slot and the hours they mean (folded, the first found wins)."""
CALL_BACK_RULES = frozenset({"20", "27"})
"""The rules whose due date is a call-back agreed on the phone (Rappeler le, Créneau)."""
_HOURS = re.compile(r"(\d{1,2})\s*(?:h|:)\s*(\d{2})?")
STATUS_OF = {
    "proposed": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "held": "CONFIRMED",
    "cancelled": "CANCELLED",
    "postponed": "CANCELLED",
}
"""An appointment's Statut -> the iCalendar STATUS of its event."""


@dataclass(frozen=True)
class Event:
    """One calendar event; ``start``/``end`` None: all day on ``day`` (times are Paris times)."""

    key: str
    kind: str  # "action" or "appointment"
    action: str  # the action code, or "appointment"
    summary: str
    day: dt.date
    start: dt.time | None = None
    end: dt.time | None = None
    location: str | None = None
    phone: str | None = None  # as the sheet shows it
    tel: str | None = None  # tel:+33144494000
    email: str | None = None
    description: list[str] = field(default_factory=list)
    status: str = "CONFIRMED"  # TENTATIVE, CONFIRMED, CANCELLED
    category: str = ""
    organisation: str = ""
    volunteer: str | None = None


def org_key(org_id: str | None, name: str) -> str:
    """What identifies an organisation across exports: its ID, else its folded Nom."""
    return f"id:{fold(org_id)}" if org_id else f"name:{fold(name)}"


def parse_slot(slot: str | None) -> tuple[dt.time, dt.time] | None:
    """The hours a call-back slot means: ``14h-16h`` -> 14:00-16:00, ``mardi matin`` -> 9:00-12:00.

    One hour given (``10h30``) lasts an hour; None when the slot names no time.
    """
    if not slot:
        return None
    hours: list[dt.time] = []
    for h, m in _HOURS.findall(slot):
        hour, minute = int(h), int(m or 0)
        if hour < 24 and minute < 60:
            hours.append(dt.time(hour, minute))
    if len(hours) >= 2 and hours[1] > hours[0]:
        return hours[0], hours[1]
    if hours:
        start = hours[0]
        end = (dt.datetime.combine(dt.date.min, start) + dt.timedelta(hours=1)).time()
        return (start, end) if end > start else (start, dt.time(23, 59))
    words = fold(slot)
    for word, (first, last) in SLOT_WORDS:
        if word in words:
            return dt.time(first), dt.time(last)
    return None


def tel_link(phone: str | None) -> str | None:
    """``tel:+33144494000`` for a valid phone number, else None."""
    number = values.parse_phone(phone)
    if number is None:
        return None
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _address(org: Organisation) -> str:
    city = " ".join(p for p in (org.postcode, org.city) if p)
    return ", ".join(p for p in (org.address, city) if p)


def _place(org: Organisation, app: Appointment) -> str | None:
    if app.place == "theirs":
        return ", ".join(p for p in (org.name, _address(org)) if p)
    if app.place == "library":
        return "Bibliothèque" + (f" {org.library}" if org.library else "")
    return None


def key_lines(history: History, action: NextAction) -> list[str]:
    """The brief's key lines for an event's description: what, why, whom, the last exchanges."""
    lines = [action.label, f"Pourquoi\u00a0: {action.reason}"]
    if action.contact:
        lines.append(f"Interlocuteur\u00a0: {action.contact}")
    if action.phone:
        link = tel_link(action.phone)
        lines.append(f"Téléphone\u00a0: {action.phone}" + (f" ({link})" if link else ""))
    if action.email:
        lines.append(f"E-mail\u00a0: {action.email}")
    recent = history.timeline[-3:]
    if recent:
        lines.append("Derniers échanges\u00a0:")
        for c in reversed(recent):
            person = who(c.contact, c.role)
            lines.append(f"- {contact_event(c)}" + (f" (avec {person})" if person else ""))
    if action.talking_points:
        lines.append("À dire\u00a0:")
        lines.extend(f"- {p}" for p in action.talking_points[:3])
    return lines


def _action_event(history: History, action: NextAction) -> Event:
    assert action.due is not None
    start = end = None
    if action.rule in CALL_BACK_RULES and history.timeline:
        slot = parse_slot(history.timeline[-1].callback_slot)
        if slot is not None:
            start, end = slot
    category = CATEGORY_OF.get(action.action, "preparation")
    return Event(
        key=f"{org_key(action.id, action.organisation)}|action|{action.action}",
        kind="action",
        action=action.action,
        summary=f"{action.organisation} – {action.label}",  # a calendar shows the title alone
        day=action.due,
        start=start,
        end=end,
        phone=action.phone,
        tel=tel_link(action.phone),
        email=action.email,
        description=key_lines(history, action),
        status="CONFIRMED",
        category=CATEGORY_LABELS.get(category, category),
        organisation=action.organisation,
        volunteer=action.volunteer,
    )


def _appointment_events(
    history: History,
    action: NextAction,
    today: dt.date,
    horizon: dt.date | None,
    volunteer: str | None,
) -> list[Event]:
    org = history.org
    out: list[Event] = []
    seen: dict[dt.date, int] = {}
    for app in sorted((a for a in history.appointments if a.date is not None), key=appointment_key):
        assert app.date is not None
        rank = seen[app.date] = seen.get(app.date, 0) + 1
        if app.date < today or (horizon is not None and app.date > horizon):
            continue
        if not matches(app.volunteer or org.volunteer, volunteer):
            continue
        status = STATUS_OF.get(app.status, "TENTATIVE")
        word = {"cancelled": "annulé", "postponed": "reporté"}.get(app.status)
        if action.stage == Stage.DO_NOT_CONTACT and status != "CANCELLED":
            # it asked not to be contacted: the meeting does not take place
            status, word = "CANCELLED", "annulé (ne plus contacter, à sa demande)"
        elif action.stage == Stage.TO_CORRECT and status != "CANCELLED":
            # a cell of its history is unreadable, perhaps a refusal: not a sure meeting
            status, word = "TENTATIVE", "à vérifier (fiche à corriger)"
        person = app.contact or action.contact
        summary = f"Rendez-vous{f' {word}' if word else ''}\u00a0: {org.name}" + (
            f" avec {person}" if person else ""
        )
        start = app.time
        end = None
        if start is not None:
            end = (
                dt.datetime.combine(app.date, start) + dt.timedelta(minutes=APPOINTMENT_MINUTES)
            ).time()
            if end <= start:
                end = dt.time(23, 59)
        description = [
            summary,
            "Statut\u00a0: " + APPOINTMENT_STATUS.by_code(app.status).fr,
            f"Heure\u00a0: {format_time(app.time)}" if app.time else "Heure non renseignée",
        ]
        if app.library_visit == "yes":
            description.append("Avec visite de la bibliothèque")
        if app.welcome_event:
            description.append(f"Événement d'accueil\u00a0: {app.welcome_event}")
        if app.notes:
            description.append(f"Notes\u00a0: {app.notes}")
        if action.phone:
            link = tel_link(action.phone)
            description.append(f"Téléphone\u00a0: {action.phone}" + (f" ({link})" if link else ""))
        out.append(
            Event(
                key=f"{org_key(org.id, org.name)}|appointment|{app.date.isoformat()}|{rank}",
                kind="appointment",
                action="appointment",
                summary=summary,
                day=app.date,
                start=start,
                end=end,
                location=_place(org, app),
                phone=action.phone,
                tel=tel_link(action.phone),
                email=action.email,
                description=description,
                status=status,
                category="Rendez-vous",
                organisation=org.name,
                volunteer=app.volunteer or org.volunteer,
            )
        )
    return out


def events(
    histories: Sequence[History],
    actions: Sequence[NextAction],
    today: dt.date,
    days: int | None = None,
    volunteer: str | None = None,
) -> list[Event]:
    """The calendar of ``volunteer`` (everyone when None) up to ``days`` days ahead (see the module).

    ``histories`` and ``actions``: one per organisation, in the same order. Events are
    sorted by day, then all-day first, then time, then organisation.
    """
    by_org = dict(zip((id(a) for a in actions), histories, strict=True))
    items = followup(actions, today, days, volunteer)
    wanted = {(i.organisation, i.action, i.due) for i in items}
    horizon = today + dt.timedelta(days=days) if days is not None else None
    out: list[Event] = []
    for action in actions:
        if (action.organisation, action.action, action.due) in wanted:
            out.append(_action_event(by_org[id(action)], action))
    for history, action in zip(histories, actions, strict=True):
        out.extend(_appointment_events(history, action, today, horizon, volunteer))
    out.sort(
        key=lambda e: (e.day, e.start is not None, e.start or dt.time.min, fold(e.organisation))
    )
    return out
