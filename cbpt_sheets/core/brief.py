"""The one-page call brief of an organisation: its file, its history, what to do and to say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from cbpt_sheets.core.codes import Stage, stage_name
from cbpt_sheets.core.drafts import draft_names
from cbpt_sheets.core.french import format_date as d
from cbpt_sheets.core.french import format_time as hm
from cbpt_sheets.core.french import typo
from cbpt_sheets.core.models import NextAction, Organisation, Workbook
from cbpt_sheets.core.names import closest_names, find_named
from cbpt_sheets.core.rules import (
    Blocker,
    appointment_key,
    contact_event,
    link,
    next_action,
)
from cbpt_sheets.core.schema import (
    APPOINTMENT_RESULT,
    APPOINTMENT_STATUS,
    ORG_TYPE,
    ORGANISATIONS,
    PLACE,
    TRACKING,
    YES_NO,
)
from cbpt_sheets.core.texts import Text
from cbpt_sheets.errors import AmbiguousOrganisation
from cbpt_sheets.errors import UnknownOrganisation as UnknownOrganisation  # its old home

ASSET_TEXTS: tuple[Text, ...] = (
    Text(
        "Une bibliothèque accessible, à proximité de leur établissement, avec des conseils "
        "personnalisés donnés par des bénévoles formées et des choix d'ouvrages selon le profil et "
        "les centres d'intérêt des lecteurs, et l'actualité littéraire.",
        "A library close to their establishment, with personal advice from trained volunteers, "
        "books chosen for the readers' profiles and interests, and the literary news.",
    ),
    Text(
        "L'organisation d'événements : rencontres avec des auteurs, café littéraire, braderie…",
        "Events: author meetings, book club, book sale…",
    ),
    Text(
        "Selon les bibliothèques, des animations pour la jeunesse et pour les personnes âgées en "
        "établissement.",
        "Depending on the library, activities for young people and for the elderly in care homes.",
    ),
    Text(
        "Un réseau national reconnu par les institutions (mairies, établissements hospitaliers…) "
        "et par les professionnels de l'édition (les Notes bibliographiques).",
        "A national network recognised by institutions (town halls, hospitals…) and by "
        "publishing professionals (the Notes bibliographiques).",
    ),
    Text(
        "Les conditions de prêt : adhésion individuelle, adhésion collective ou forfait.",
        "Loan terms: individual membership, collective membership or flat fee.",
    ),
    Text(
        "Le site www.cbpt-paris.org pour suivre l'actualité des bibliothèques du réseau parisien.",
        "The website www.cbpt-paris.org for the news of the Paris network's libraries.",
    ),
)
"""Our strengths, from the preparation section of the call guide (« nos atouts »), fr and en."""
ASSETS: tuple[str, ...] = tuple(a.fr for a in ASSET_TEXTS)
"""Our strengths in French, as the guide words them."""


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


def _shown(org: Organisation, key: str, lang: str = "fr") -> str:
    """An organisation's field as a volunteer reads it (list codes as their labels in ``lang``)."""
    value = getattr(org, key, None)
    if value is None or value == "":
        return ""
    spec = _LISTS.get(key)
    if spec is not None:
        try:
            return spec.by_code(str(value)).label(lang)
        except KeyError:
            return str(value)
    return str(value)


def find_organisation(workbook: Workbook, name_or_id: str) -> int:
    """The index of the organisation named (``names.find_named``: Nom, ID, part of the Nom).

    Raises AmbiguousOrganisation (listing the candidates) or UnknownOrganisation (with hints).
    """
    names = [o.name for o in workbook.organisations]
    ids = [o.id for o in workbook.organisations]
    found = find_named(name_or_id, names, ids)
    if len(found) == 1:
        return found[0]
    if found:
        raise AmbiguousOrganisation(name_or_id, [(names[i], ids[i]) for i in found])
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
    lang = workbook.lang
    action = next_action(history, workbook.settings, today, lang)

    def t(fr: str, en: str) -> str:
        return en if lang == "en" else fr

    fields = [
        BriefField(label=col.header(lang), value=value)
        for col in ORGANISATIONS.columns
        if not col.computed and (value := _shown(org, col.key, lang))
    ]
    lines = []
    for contact in history.dated:
        who = ", ".join(p for p in (contact.contact, contact.role) if p)
        details = [
            t(f"avec {who}", f"with {who}") if who else None,
            t(f"par {contact.volunteer}", f"by {contact.volunteer}") if contact.volunteer else None,
            t(f"tél. {contact.phone}", f"phone {contact.phone}") if contact.phone else None,
            contact.email,
            t(f"service {contact.department}", f"department {contact.department}")
            if contact.department
            else None,
            t(f"rappeler le {d(contact.callback_date)}", f"call back on {d(contact.callback_date)}")
            if contact.callback_date
            else None,
            contact.callback_slot,
            t(f"attentes : {contact.expectations}", f"expectations: {contact.expectations}")
            if contact.expectations
            else None,
            contact.notes,
        ]
        moment = t(" à ", " at ") + hm(contact.time) if contact.time else ""
        on = t("du", "of")
        event = contact_event(contact, lang).replace(
            f"{on} {d(contact.date)}", f"{on} {d(contact.date)}{moment}", 1
        )
        extra = t(" ; ", "; ").join(p for p in details if p)
        lines.append(event + (f" ({extra})" if extra else ""))
    blocked_rows: dict[tuple[str, int], list[str]] = {}
    for b in history.blockers:
        row = int("".join(ch for ch in b.cell if ch.isdigit()) or 0)
        blocked_rows.setdefault((b.sheet, row), []).append(f"{b.cell}{t(' :', ':')} {b.what}")
    for (sheet, row), whats in blocked_rows.items():
        lines.append(
            t(
                f"Ligne {row} de « {sheet} », à corriger ({' ; '.join(whats)})",
                f"Row {row} of “{sheet}”, to correct ({'; '.join(whats)})",
            )
        )
    meetings = []
    for app in sorted((a for a in history.appointments if a.date is not None), key=appointment_key):
        parts = [
            t(f"Rendez-vous du {d(app.date)}", f"Meeting of {d(app.date)}")
            + (t(" à ", " at ") + hm(app.time) if app.time else ""),
            PLACE.by_code(app.place).label(lang).lower() if app.place else None,
            t("avec visite de la bibliothèque", "with a visit of the library")
            if app.library_visit == "yes"
            else None,
            t(f"avec {app.contact}", f"with {app.contact}") if app.contact else None,
            APPOINTMENT_STATUS.by_code(app.status).label(lang) if app.status else None,
            APPOINTMENT_RESULT.by_code(app.result).label(lang) if app.result else None,
            app.welcome_event,
            app.notes,
        ]
        meetings.append(" – ".join(p for p in parts if p))
    shown = typo if lang != "en" else str
    return Brief(
        today=today,
        organisation=org.name,
        id=org.id,
        stage=stage_name(action.stage, lang),
        fields=fields,
        history=[shown(line) for line in lines],
        appointments=[shown(line) for line in meetings],
        next_action=action,
        talking_points=list(action.talking_points),  # they follow the stage (next-actions.md)
        # no pitch for an organisation that asked not to be contacted
        assets=[] if action.stage == Stage.DO_NOT_CONTACT else [a(lang) for a in ASSET_TEXTS],
        drafts=draft_names(action, org),
    )
