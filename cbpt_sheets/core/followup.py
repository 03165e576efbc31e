"""Follow-up lists (next-actions.md): the due next actions by bucket and category, pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from cbpt_sheets.core.models import FollowUpItem, NextAction
from cbpt_sheets.core.schema import fold
from cbpt_sheets.core.texts import Text

BUCKET_NAMES: dict[str, Text] = {
    "overdue": Text("En retard", "Overdue"),
    "today": Text("Aujourd'hui", "Today"),
    "this-week": Text("Cette semaine", "This week"),
    "later": Text("Plus tard", "Later"),
}
"""Bucket code -> its title in French and English (BUCKETS is the French view)."""
CATEGORY_NAMES: dict[str, Text] = {
    "call": Text("Appeler", "Call"),
    "write": Text("Écrire", "Write"),
    "appointment": Text("Rendez-vous", "Appointment"),
    "preparation": Text("Préparer", "Prepare"),
    "later": Text("Plus tard", "Later"),
}
"""Category code -> its name in French and English (CATEGORY_LABELS is the French view)."""
BUCKETS: dict[str, str] = {code: name.fr for code, name in BUCKET_NAMES.items()}
"""Bucket code -> French title, in display order."""

CATEGORIES: dict[str, tuple[str, ...]] = {
    "call": (
        "first-call",
        "call-again",
        "call-contact",
        "call-back",
        "follow-up-call",
        "reschedule-appointment",
        "confirm-appointment",
    ),
    "write": ("send-email", "send-letter", "send-information", "send-agreement", "change-channel"),
    "appointment": (
        "prepare-appointment",
        "record-appointment",
        "record-appointment-report",
        "organise-event",
    ),
    "preparation": ("correct-entry", "find-number", "complete-preparation", "find-contact"),
    "later": ("recontact-later",),
}
CATEGORY_LABELS: dict[str, str] = {code: name.fr for code, name in CATEGORY_NAMES.items()}
NOTHING_TO_DO = frozenset({"recontact-later"})
"""Actions listed for their date but with nothing to do now: no box to tick in the Suivi sheet."""
CATEGORY_OF: dict[str, str] = {
    action: cat for cat, actions in CATEGORIES.items() for action in actions
}


def bucket(due: dt.date, today: dt.date) -> str:
    """overdue (due < T), today, this-week (T < due <= T + 7 days) or later."""
    if due < today:
        return "overdue"
    if due == today:
        return "today"
    if due <= today + dt.timedelta(days=7):
        return "this-week"
    return "later"


def matches(value: str | None, wanted: str | None) -> bool:
    """A filter on a name, ignoring case, accents and spaces; a first word ("Claire") is enough."""
    if wanted is None or not wanted.strip():
        return True
    if value is None:
        return False
    have, want = fold(value), fold(wanted)
    return have == want or have.startswith(want + " ")


def followup(
    actions: Iterable[NextAction],
    today: dt.date,
    days: int | None = None,
    volunteer: str | None = None,
    library: str | None = None,
) -> list[FollowUpItem]:
    """Every action with a due date, filtered, sorted by due date then organisation."""
    horizon = today + dt.timedelta(days=days) if days is not None else None
    items: list[FollowUpItem] = []
    for action in actions:
        if action.due is None or action.action == "none":
            continue
        if horizon is not None and action.due > horizon and action.due >= today:
            continue
        if not (matches(action.volunteer, volunteer) and matches(action.library, library)):
            continue
        items.append(
            FollowUpItem(
                bucket=bucket(action.due, today),
                category=CATEGORY_OF.get(action.action, "preparation"),
                due=action.due,
                organisation=action.organisation,
                action=action.action,
                label=action.label,
                volunteer=action.volunteer,
                library=action.library,
                contact=action.contact,
                phone=action.phone,
                email=action.email,
            )
        )
    items.sort(key=lambda i: (i.due or today, fold(i.organisation), i.organisation))
    return items


def gdpr_list(
    actions: Iterable[NextAction], volunteer: str | None = None, library: str | None = None
) -> list[NextAction]:
    """The organisations whose contacts' personal data should be reviewed or erased (RGPD)."""
    chosen = (
        a
        for a in actions
        if a.gdpr and matches(a.volunteer, volunteer) and matches(a.library, library)
    )
    return sorted(chosen, key=lambda a: (fold(a.organisation), a.row))


def grouped(items: Iterable[FollowUpItem]) -> dict[str, list[FollowUpItem]]:
    """Items by bucket, in the display order of BUCKETS (empty buckets left out)."""
    pending = list(items)
    out: dict[str, list[FollowUpItem]] = {}
    for code in BUCKETS:
        chosen = [i for i in pending if i.bucket == code]
        if chosen:
            out[code] = chosen
    return out
