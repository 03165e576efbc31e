"""The one-page call brief of an organisation: its file, its history, what to do and to say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from cbpt_sheets.core.drafts import draft_names
from cbpt_sheets.core.french import format_date as d
from cbpt_sheets.core.french import format_time as hm
from cbpt_sheets.core.models import NextAction, Organisation, Workbook
from cbpt_sheets.core.names import closest_names
from cbpt_sheets.core.rules import (
    STAGES,
    Blocker,
    appointment_key,
    contact_event,
    link,
    next_action,
    talking_points,
)
from cbpt_sheets.core.schema import (
    APPOINTMENT_RESULT,
    APPOINTMENT_STATUS,
    ORG_TYPE,
    ORGANISATIONS,
    PLACE,
    TRACKING,
    YES_NO,
    fold,
)
from cbpt_sheets.errors import UnknownOrganisation as UnknownOrganisation  # its old home

ASSETS: tuple[str, ...] = (
    "Une bibliothèque accessible, à proximité de leur établissement, avec des conseils "
    "personnalisés donnés par des bénévoles formées et des choix d'ouvrages selon le profil et "
    "les centres d'intérêt des lecteurs, et l'actualité littéraire.",
    "L'organisation d'événements : rencontres avec des auteurs, café littéraire, braderie…",
    "Selon les bibliothèques, des animations pour la jeunesse et pour les personnes âgées en établissement.",
    "Un réseau national reconnu par les institutions (mairies, établissements hospitaliers…) et "
    "par les professionnels de l'édition (les Notes bibliographiques).",
    "Les conditions de prêt : adhésion individuelle, adhésion collective ou forfait.",
    "Le site www.cbpt-paris.org pour suivre l'actualité des bibliothèques du réseau parisien.",
)
"""Our strengths, from the preparation section of the call guide (« nos atouts »)."""


class BriefField(BaseModel):
    """One line of the organisation's file: the French header and the value as shown."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    label: str
    value: str


class Brief(BaseModel):
    """The call brief of one organisation (``brief`` command, Fiche sheet)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    today: dt.date
    organisation: str
    id: str | None = None
    stage: str
    fields: list[BriefField] = Field(default_factory=list)
    history: list[str] = Field(default_factory=list)
    appointments: list[str] = Field(default_factory=list)
    next_action: NextAction
    talking_points: list[str] = Field(default_factory=list)
    assets: list[str] = Field(default_factory=list)
    drafts: list[str] = Field(default_factory=list)  # file names of ``drafts`` for the action


_LISTS = {
    "type": ORG_TYPE,
    "knows_cbpt": YES_NO,
    "tracking": TRACKING,
}


def _shown(org: Organisation, key: str) -> str:
    """An organisation's field as a volunteer reads it (list codes as their French labels)."""
    value = getattr(org, key, None)
    if value is None or value == "":
        return ""
    spec = _LISTS.get(key)
    if spec is not None:
        try:
            return spec.by_code(str(value)).fr
        except KeyError:
            return str(value)
    return str(value)


def find_organisation(workbook: Workbook, name_or_id: str) -> int:
    """The index of the organisation named (Nom or ID, folded), or UnknownOrganisation with hints."""
    wanted = fold(name_or_id)
    for index, org in enumerate(workbook.organisations):
        if (org.id and fold(org.id) == wanted) or fold(org.name) == wanted:
            return index
    names = [o.name for o in workbook.organisations]
    raise UnknownOrganisation(name_or_id, closest_names(name_or_id, names))


def brief(
    workbook: Workbook,
    organisation_name_or_id: str,
    today: dt.date,
    aliases: Mapping[str, str] | None = None,
    blockers: Iterable[Blocker] = (),
) -> Brief:
    """The call brief of one organisation, for the volunteer who is about to call it.

    ``aliases`` and ``blockers``: as for ``rules.next_actions`` (``core.plan`` gives them).
    """
    index = find_organisation(workbook, organisation_name_or_id)
    history = link(workbook, aliases, blockers)[index]
    org = history.org
    action = next_action(history, workbook.settings, today)
    fields = [
        BriefField(label=col.fr, value=value)
        for col in ORGANISATIONS.columns
        if not col.computed and (value := _shown(org, col.key))
    ]
    lines = []
    for contact in history.dated:
        who = ", ".join(p for p in (contact.contact, contact.role) if p)
        details = [
            f"avec {who}" if who else None,
            f"par {contact.volunteer}" if contact.volunteer else None,
            f"tél. {contact.phone}" if contact.phone else None,
            contact.email,
            f"service {contact.department}" if contact.department else None,
            f"rappeler le {d(contact.callback_date)}" if contact.callback_date else None,
            contact.callback_slot,
            f"attentes : {contact.expectations}" if contact.expectations else None,
            contact.notes,
        ]
        moment = f" à {hm(contact.time)}" if contact.time else ""
        event = contact_event(contact).replace(
            f"du {d(contact.date)}", f"du {d(contact.date)}{moment}", 1
        )
        extra = " ; ".join(p for p in details if p)
        lines.append(event + (f" ({extra})" if extra else ""))
    blocked_rows: dict[tuple[str, int], list[str]] = {}
    for b in history.blockers:
        row = int("".join(ch for ch in b.cell if ch.isdigit()) or 0)
        blocked_rows.setdefault((b.sheet, row), []).append(f"{b.cell} : {b.what}")
    for (sheet, row), whats in blocked_rows.items():
        lines.append(f"Ligne {row} de « {sheet} », à corriger ({' ; '.join(whats)})")
    meetings = []
    for app in sorted((a for a in history.appointments if a.date is not None), key=appointment_key):
        parts = [
            f"Rendez-vous du {d(app.date)}" + (f" à {hm(app.time)}" if app.time else ""),
            PLACE.by_code(app.place).fr.lower() if app.place else None,
            "avec visite de la bibliothèque" if app.library_visit == "yes" else None,
            f"avec {app.contact}" if app.contact else None,
            APPOINTMENT_STATUS.by_code(app.status).fr if app.status else None,
            APPOINTMENT_RESULT.by_code(app.result).fr if app.result else None,
            app.welcome_event,
            app.notes,
        ]
        meetings.append(" – ".join(p for p in parts if p))
    return Brief(
        today=today,
        organisation=org.name,
        id=org.id,
        stage=STAGES[action.stage],
        fields=fields,
        history=lines,
        appointments=meetings,
        next_action=action,
        talking_points=[]
        if action.stage == "do-not-contact"
        else talking_points(org, history.timeline),
        assets=list(ASSETS),
        drafts=draft_names(action, org),
    )
