"""Drafts of the writing actions: which letter or e-mail, to whom, from whom, saying what (pure).

The writing actions of next-actions.md (send-email, send-letter, send-information,
send-agreement, change-channel) each get an e-mail draft, a letter draft, or both:

- send-email: an e-mail; send-letter: a letter (to the department named);
- send-information, send-agreement, change-channel: an e-mail when an e-mail address
  is known, a letter when a postal address is known, both when both are; with
  neither, an e-mail draft (a letter for the agreement) that says what to fill in.

The text of each draft follows its action (``TEXT_OF``): a presentation, the
documentation, the agreement's cover letter, the follow-up after calls that went
unanswered. ``Draft.fields`` are the variables the templates use (French names, so
that a coordinator can read and edit the templates); ``Draft.missing`` says, in
French, what the volunteer must fill in before sending.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from cbpt_sheets.core.codes import Action, Stage
from cbpt_sheets.core.french import format_date as d
from cbpt_sheets.core.models import Contact, NextAction, Organisation, Settings
from cbpt_sheets.core.rules import History
from cbpt_sheets.core.schema import ORG_TYPE, fold

Kind = Literal["email", "letter"]

WRITING_ACTIONS: tuple[str, ...] = (
    Action.SEND_EMAIL,
    Action.SEND_LETTER,
    Action.SEND_INFORMATION,
    Action.SEND_AGREEMENT,
    Action.CHANGE_CHANNEL,
)
"""The actions that call for writing (the follow-up list's « Écrire » category)."""

TEXT_OF: dict[str, str] = {
    Action.SEND_EMAIL: "presentation",
    Action.SEND_LETTER: "presentation",
    Action.SEND_INFORMATION: "documentation",
    Action.SEND_AGREEMENT: "convention",
    Action.CHANGE_CHANNEL: "relance",
}
"""Action code -> the name of its text template (``presentation.txt``...)."""

TEXTS: tuple[str, ...] = ("presentation", "documentation", "convention", "relance")
"""Every text template, by name (the files ``NAME.txt``)."""

FILE_SUFFIX: dict[str, str] = {"email": "-mail.eml", "letter": "-lettre.docx"}
"""Kind -> the end of the draft's file name (``ORG-0007-mail.eml``, ``ORG-0007-lettre.docx``)."""

# Our strengths (the call guide's preparation section), chosen for each type of organisation.
_ASSET_TEXTS: dict[str, str] = {
    "nearby": "une bibliothèque toute proche, où des bénévoles formées conseillent chaque lecteur "
    "selon ses goûts, avec des choix d'ouvrages suivant l'actualité littéraire",
    "events": "des rencontres avec des auteurs, des cafés littéraires, des braderies",
    "youth": "des animations pour les enfants et les jeunes",
    "seniors": "des animations et des prêts de livres pour les personnes âgées en établissement",
    "patients": "des bibliothèques présentes dans les établissements de santé, au service des "
    "patients et des personnels",
    "network": "un réseau national reconnu par les institutions (mairies, établissements "
    "hospitaliers) et par les professionnels de l'édition",
    "loans": "des conditions de prêt adaptées : adhésion individuelle, adhésion collective ou forfait",
    "staff": "un service offert aux salariés, près de leur lieu de travail, avec des créneaux "
    "d'accueil adaptés à leurs horaires",
}
_ASSETS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "entreprise": ("staff", "nearby", "events", "loans"),
    "sante": ("patients", "nearby", "network", "loans"),
    "seniors": ("seniors", "nearby", "events", "loans"),
    "association": ("nearby", "events", "loans"),
    "administration": ("network", "nearby", "events", "youth"),
    "education": ("youth", "nearby", "events"),
}
_DEFAULT_ASSETS = ("nearby", "events", "network", "loans")
_PUBLIC_BY_TYPE: dict[str, str] = {
    "entreprise": "vos salariés",
    "sante": "vos patients et vos personnels",
    "seniors": "vos résidents et vos équipes",
    "association": "vos adhérents",
    "administration": "vos agents et vos administrés",
    "education": "vos élèves et leurs familles",
}

_REACHED_NOBODY = frozenset({"no-answer", "wrong-number"})
_CHANNEL_WORDS = {
    "phone": "notre échange téléphonique",
    "email": "notre échange de mails",
    "letter": "notre courrier",
    "visit": "notre visite",
}
_TITLES = (
    (("m", "m.", "mr", "monsieur"), "Monsieur,"),
    (("mme", "mme.", "madame", "mlle", "mademoiselle"), "Madame,"),
    (("dr", "dr.", "docteur"), "Docteur,"),
    (("pr", "pr.", "professeur"), "Professeur,"),
)
GENERIC_GREETING = "Madame, Monsieur,"


@dataclass(frozen=True)
class Draft:
    """One draft to write: an e-mail or a letter for one organisation's writing action.

    ``fields``: the template variables (str, or list of str for ``atouts``,
    ``adresse`` and ``adresse_bibliotheque``); ``missing``: French phrases naming what
    to fill in (empty when the draft is complete).
    """

    organisation: str
    id: str | None
    row: int
    action: str
    kind: Kind
    text: str  # template name, a key of TEXTS
    file_name: str
    to: str | None  # the recipient's e-mail (e-mails only)
    sender: str | None  # the volunteer's e-mail (e-mails only)
    subject_hint: str  # the label of the next action
    fields: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


# The common nouns that open organisations' names, with their gender: they take an article
# (« l'Hôpital des Glycines », « la Clinique du Parc »); other names are proper names
# (« Lumière Conseil ») and take none.
_FEMININE = frozenset(
    [
        "agence",
        "amicale",
        "association",
        "banque",
        "caisse",
        "chambre",
        "clinique",
        "compagnie",
        "crèche",
        "direction",
        "école",
        "entreprise",
        "fédération",
        "fondation",
        "maison",
        "mairie",
        "médiathèque",
        "mutuelle",
        "paroisse",
        "préfecture",
        "résidence",
        "société",
        "union",
        "université",
    ]
)
_MASCULINE = frozenset(
    [
        "cabinet",
        "centre",
        "club",
        "collège",
        "comité",
        "conservatoire",
        "cse",
        "ehpad",
        "établissement",
        "esat",
        "foyer",
        "groupe",
        "groupement",
        "hôpital",
        "ime",
        "institut",
        "laboratoire",
        "lycée",
        "musée",
        "office",
        "service",
        "syndicat",
        "théâtre",
    ]
)
_VOWELS = frozenset("aeiouyhàâäéèêëîïôöùûü")


def _article(name: str) -> tuple[str, bool]:
    """(« l' », « la », « le » or « », elided) for an organisation's name."""
    first = re.split(r"[\s'’-]", name.strip(), maxsplit=1)[0].lower() if name.strip() else ""
    if first not in _FEMININE and first not in _MASCULINE:
        return "", False
    if first[:1] in _VOWELS:
        return "l'", True
    return ("la " if first in _FEMININE else "le "), False


def with_article(name: str, preposition: str = "") -> str:
    """The name with its article: ``l'Hôpital X``; with ``à``: ``au Foyer X``, ``à Lumière Conseil``.

    ``preposition`` is ``""``, ``"à"`` or ``"de"`` (contracted: au, du).
    """
    article, _ = _article(name)
    head = name[:1].upper() + name[1:] if article else name
    if not preposition:
        return f"{article}{head}"
    if article == "le ":
        return f"{'au' if preposition == 'à' else 'du'} {head}"
    if preposition == "de" and not article and name[:1].lower() in _VOWELS:
        return f"d'{head}"
    return f"{preposition} {article}{head}"


def greeting(person: str | None) -> str:
    """``Monsieur,`` for « M. Paul Girard », ``Madame,`` for « Mme ... », else « Madame, Monsieur, »."""
    if not person:
        return GENERIC_GREETING
    first = person.strip().split()[0].lower() if person.strip() else ""
    for titles, words in _TITLES:
        if first in titles:
            return words
    return GENERIC_GREETING


def assets_for(org_type: str | None) -> list[str]:
    """Our strengths to put forward to an organisation of that type (list code of Type)."""
    keys = _ASSETS_BY_TYPE.get(org_type or "", _DEFAULT_ASSETS)
    return [_ASSET_TEXTS[k] for k in keys]


def file_stem(action: NextAction) -> str:
    """The start of a draft's file name: the organisation's ID, made safe for any file system.

    An organisation without an ID (``next --write`` numbers them) gets ``ligne-12``.
    """
    raw = action.id or f"ligne-{action.row}"
    ascii_only = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_only).strip("-.")
    return safe or f"ligne-{action.row}"


def _postal_lines(org: Organisation) -> list[str]:
    city = " ".join(p for p in (org.postcode, org.city) if p)
    return [p for p in (org.address, city) if p]


def _role_of(person: str | None, org: Organisation, contacts: Iterable[Contact]) -> str | None:
    if not person:
        return None
    wanted = fold(person)
    if org.contact and fold(org.contact) == wanted and org.contact_role:
        return org.contact_role
    if org.head and fold(org.head) == wanted and org.head_role:
        return org.head_role
    for contact in reversed(list(contacts)):
        if contact.contact and fold(contact.contact) == wanted and contact.role:
            return contact.role
    return None


def _department(org: Organisation, contacts: list[Contact]) -> str | None:
    for contact in reversed(contacts):
        if contact.department:
            return contact.department
    return org.department


def _service(department: str | None) -> str:
    """« Service des ressources humaines » for « Ressources humaines »; as typed when it says so."""
    if not department:
        return ""
    return department if fold(department).startswith("service") else f"Service {department}"


def _earlier_exchange(contacts: list[Contact]) -> tuple[str | None, str | None]:
    """(« notre échange téléphonique du 12/11/2026 », who answered) of the latest real exchange."""
    for contact in reversed(contacts):
        if contact.outcome and contact.outcome not in _REACHED_NOBODY and contact.date:
            words = _CHANNEL_WORDS.get(contact.channel or "phone", "notre échange")
            return f"{words} du {d(contact.date)}", contact.contact
    return None, None


def _unanswered(contacts: list[Contact]) -> list[dt.date]:
    """The dates of the calls left unanswered since the last exchange, oldest first."""
    dates: list[dt.date] = []
    for contact in reversed(contacts):
        if contact.outcome != "no-answer":
            break
        if contact.date:
            dates.append(contact.date)
    return sorted(dates)


def _dates_list(days: list[dt.date]) -> str:
    shown = [d(x) for x in days]
    if len(shown) < 2:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " et " + shown[-1]


def _library(action: NextAction, org: Organisation, settings: Settings) -> str | None:
    if action.library or org.library:
        return action.library or org.library
    return settings.libraries[0] if len(settings.libraries) == 1 else None


def _lookup(mapping: dict[str, str], name: str | None) -> str | None:
    if not name:
        return None
    if name in mapping:
        return mapping[name]
    wanted = fold(name)
    return next((value for key, value in mapping.items() if fold(key) == wanted), None)


def _closing(kind: Kind, salutation: str) -> str:
    if kind == "email":
        return "Bien cordialement,"
    return f"Je vous prie d'agréer, {salutation} l'expression de mes salutations distinguées."


def kinds_for(action: NextAction, org: Organisation) -> list[Kind]:
    """The drafts a writing action gets (see the module); [] for any other action."""
    if action.action not in WRITING_ACTIONS or action.stage == Stage.DO_NOT_CONTACT:
        return []
    if action.action == Action.SEND_EMAIL:
        return ["email"]
    if action.action == Action.SEND_LETTER:
        return ["letter"]
    kinds: list[Kind] = []
    if action.email:
        kinds.append("email")
    if _postal_lines(org):
        kinds.append("letter")
    if not kinds:
        kinds.append("letter" if action.action == Action.SEND_AGREEMENT else "email")
    return kinds


def draft_names(action: NextAction, org: Organisation) -> list[str]:
    """The file names of the drafts of an action (``ORG-0007-mail.eml``...), [] when none."""
    return [file_stem(action) + FILE_SUFFIX[k] for k in kinds_for(action, org)]


def drafts_for(
    action: NextAction, history: History, settings: Settings, today: dt.date
) -> list[Draft]:
    """The drafts of one organisation's next action ([] when it is not a writing action)."""
    org = history.org
    kinds = kinds_for(action, org)
    if not kinds or fold(org.tracking or "") == "opposition":
        return []
    contacts = history.dated
    person = action.contact
    role = _role_of(person, org, contacts)
    department = _department(org, contacts) if action.action == Action.SEND_LETTER else None
    exchange, answered_by = _earlier_exchange(contacts)
    if answered_by and person and fold(answered_by) == fold(person):
        answered_by = None  # « notre échange ... avec » the very person written to
    held = [a for a in history.dated_appointments if a.status == "held"]
    unanswered = _unanswered(contacts)
    volunteer = action.volunteer or org.volunteer
    library = _library(action, org, settings)
    volunteer_email = _lookup(settings.volunteer_emails, volunteer)
    library_address = _lookup(settings.library_addresses, library)
    org_type = ORG_TYPE.by_code(org.type).fr if org.type else None
    to = action.email if action.email and _ONE_ADDRESS.match(action.email) else None
    sender = volunteer_email if volunteer_email and _ONE_ADDRESS.match(volunteer_email) else None
    base: dict[str, Any] = {
        "organisation": org.name,
        "le_organisation": with_article(org.name),
        "a_organisation": with_article(org.name, "à"),
        "de_organisation": with_article(org.name, "de"),
        "type_organisation": org_type or "",
        "destinataire": person or "",
        "fonction": role or "",
        "service": _service(department),
        "adresse": _postal_lines(org),
        "email_destinataire": to or "",
        "salutation": greeting(person),
        "appel_precedent": exchange or "",
        "interlocuteur_appel": answered_by or "",
        "appels_sans_reponse": _dates_list(unanswered),
        "nombre_appels_sans_reponse": str(len(unanswered)),
        "rendez_vous": f"notre rendez-vous du {d(held[-1].date)}" if held else "",
        "benevole": volunteer or "[votre nom]",
        "email_benevole": volunteer_email or "",
        "bibliotheque": library or "[nom de la bibliothèque]",
        "adresse_bibliotheque": [
            p.strip() for p in (library_address or "").split(",") if p.strip()
        ],
        "date": d(today),
        "echeance": d(action.due),
        "atouts": assets_for(org.type),
        "public": _PUBLIC_BY_TYPE.get(org.type or "", "vos équipes"),
        "action": action.label,
    }
    out: list[Draft] = []
    for kind in kinds:
        missing: list[str] = []
        if not volunteer:
            missing.append("le nom du bénévole qui signe (colonne Bénévole d'Organisations)")
        if kind == "email":
            if not action.email:
                missing.append(
                    "l'adresse e-mail du destinataire (Email interlocuteur d'Organisations, "
                    "ou Email obtenu d'Appels)"
                )
            elif not to:
                missing.append(
                    f"une adresse e-mail valide pour le destinataire : « {_one_line(action.email)} » "
                    "n'en est pas une (corrigez Email interlocuteur d'Organisations, "
                    "ou Email obtenu d'Appels)"
                )
            if volunteer and not volunteer_email:
                missing.append(
                    f"l'e-mail de {volunteer} (Paramètres, colonne « E-mail du bénévole »)"
                )
            elif volunteer and not sender:
                missing.append(
                    f"une adresse e-mail valide pour {volunteer} (Paramètres, colonne "
                    "« E-mail du bénévole »)"
                )
        else:
            if not base["adresse"]:
                missing.append(
                    "l'adresse postale de l'organisation (Adresse, Code postal et Ville "
                    "d'Organisations)"
                )
            if not library:
                missing.append("la bibliothèque qui écrit (colonne Bibliothèque d'Organisations)")
            elif not library_address:
                missing.append(
                    f"l'adresse postale de la bibliothèque {library} "
                    "(Paramètres, colonne « Adresse postale »)"
                )
        out.append(
            Draft(
                organisation=org.name,
                id=org.id,
                row=org.row,
                action=action.action,
                kind=kind,
                text=TEXT_OF[action.action],
                file_name=file_stem(action) + FILE_SUFFIX[kind],
                to=to if kind == "email" else None,
                sender=sender if kind == "email" else None,
                subject_hint=action.label,
                fields=_one_line_fields({**base, "formule": _closing(kind, base["salutation"])}),
                missing=missing,
            )
        )
    return out


# One address, as a draft's To or From may hold: no space, no line break, no second « @ »,
# no list separator. A cell holding anything else (two addresses, a line break that
# would start a new header) leaves the address out and says what to fix.
_ONE_ADDRESS = re.compile(r"[^\s@,;<>\"]+@[^\s@,;<>\"]+\.[^\s@,;<>\"]+\Z")


def _one_line(text: str) -> str:
    """``text`` on one line: every run of spaces, tabs and line breaks as one space."""
    return " ".join(text.split())


def _one_line_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A draft's fields with no line break inside a value (a name typed with Alt+Entrée
    stays one line in a letter's address block); lists keep one item per line."""
    return {
        k: _one_line(v)
        if isinstance(v, str)
        else [_one_line(x) for x in v]
        if isinstance(v, list) and all(isinstance(x, str) for x in v)
        else v
        for k, v in fields.items()
    }
