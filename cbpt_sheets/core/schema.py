"""Sheets, columns, lists and settings of the workbook: the single source of truth.

Everything else (template, reader, checks, writer, English workbook) derives from
the declarations below, which follow ``shared/design/workbook.md`` exactly.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class ColType(str, Enum):
    """How a column's cells are typed and checked."""

    TEXT = "text"
    DATE = "date"
    TIME = "time"
    INT = "int"
    PHONE = "phone"
    EMAIL = "email"
    POSTCODE = "postcode"
    LIST = "list"


@dataclass(frozen=True)
class ListEntry:
    """One entry of an enumeration: a stable code and its fr/en labels."""

    code: str
    fr: str
    en: str
    step: str | None = None

    def label(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


@dataclass(frozen=True)
class ListSpec:
    """An enumeration behind a dropdown; ``dynamic`` lists live on Paramètres."""

    name: str
    entries: tuple[ListEntry, ...] = ()
    dynamic: bool = False

    @property
    def defined_name(self) -> str:
        return "Liste_" + self.name

    def by_code(self, code: str) -> ListEntry:
        for entry in self.entries:
            if entry.code == code:
                return entry
        raise KeyError(code)

    def labels(self, lang: str) -> list[str]:
        return [e.label(lang) for e in self.entries]


@dataclass(frozen=True)
class Column:
    """One column of a data sheet."""

    key: str
    fr: str
    en: str
    type: ColType = ColType.TEXT
    required: bool = False
    list: str | None = None
    computed: bool = False
    width: float = 16
    note: str = ""

    def header(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


@dataclass(frozen=True)
class Sheet:
    """A sheet of the workbook, with its columns (data sheets) and Table name."""

    key: str
    fr: str
    en: str
    columns: tuple[Column, ...] = ()
    table: str = ""
    generated: bool = False
    aliases: tuple[str, ...] = field(default=())

    def name(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(
            c for c in self.columns if c.required or c.key in REQUIRED_COLUMN_KEYS.get(self.key, ())
        )


@dataclass(frozen=True)
class Setting:
    """A tunable delay of the Paramètres sheet."""

    key: str
    fr: str
    en: str
    default: int
    minimum: int = 0
    maximum: int = 60

    def allows(self, value: int) -> bool:
        """Whether ``value`` is in the allowed range (bounds included)."""
        return self.minimum <= value <= self.maximum


@dataclass(frozen=True)
class TextSetting:
    """A text setting of the Paramètres sheet (optional: blank means "not given")."""

    key: str
    fr: str
    en: str


LANGS = ("fr", "en")

# ---------------------------------------------------------------- lists

ORG_TYPE = ListSpec(
    "Type",
    (
        ListEntry("entreprise", "Entreprise / CSE", "Company / works council"),
        ListEntry("sante", "Établissement de santé", "Hospital / clinic"),
        ListEntry("seniors", "EHPAD / résidence seniors", "Care home"),
        ListEntry("association", "Association", "Association"),
        ListEntry("administration", "Mairie / administration", "Town hall / public body"),
        ListEntry("education", "École / crèche", "School / nursery"),
        ListEntry("autre", "Autre", "Other"),
    ),
)
YES_NO = ListSpec("OuiNon", (ListEntry("yes", "Oui", "Yes"), ListEntry("no", "Non", "No")))
TRACKING = ListSpec(
    "Suivi",
    (
        ListEntry("actif", "Actif", "Active"),
        ListEntry("pause", "En pause", "Paused"),
        ListEntry("partenaire", "Partenaire", "Partner"),
        ListEntry("clos", "Clos", "Closed"),
        ListEntry("opposition", "Ne pas contacter", "Do not contact"),
    ),
)
CHANNEL = ListSpec(
    "Canal",
    (
        ListEntry("phone", "Téléphone", "Phone"),
        ListEntry("email", "Mail", "E-mail"),
        ListEntry("letter", "Courrier", "Letter"),
        ListEntry("visit", "Visite", "Visit"),
    ),
)
OUTCOME = ListSpec(
    "Resultat",
    (
        ListEntry("no-answer", "Pas de réponse", "No answer", "1"),
        ListEntry("wrong-number", "Mauvais numéro", "Wrong number", "1"),
        ListEntry(
            "head-absent-callback",
            "Responsable absent – rappel convenu",
            "Head absent – call back agreed",
            "3",
        ),
        ListEntry(
            "redirected",
            "Responsable absent – coordonnées obtenues",
            "Head absent – contact details obtained",
            "3",
        ),
        ListEntry("no-redirection", "Aucune orientation", "No redirection", "3"),
        ListEntry("meeting-set", "Entretien – RDV fixé", "Conversation – meeting set", "4"),
        ListEntry("call-back", "Entretien – à rappeler", "Conversation – call back", "4"),
        ListEntry(
            "send-info",
            "Entretien – documentation à envoyer",
            "Conversation – send information",
            "4",
        ),
        ListEntry(
            "not-interested", "Entretien – pas intéressé", "Conversation – not interested", "4"
        ),
        ListEntry("opt-out", "Refus d'être recontacté", "Asked not to be contacted", "4"),
        ListEntry("mail-sent", "Mail envoyé", "E-mail sent"),
        ListEntry("letter-sent", "Courrier envoyé", "Letter sent"),
    ),
)
ANSWERED_OUTCOMES: frozenset[str] = frozenset(
    {
        "head-absent-callback",
        "redirected",
        "no-redirection",
        "meeting-set",
        "call-back",
        "send-info",
        "not-interested",
        "opt-out",
    }
)
"""The outcomes (codes of OUTCOME) where someone at the organisation answered: the contacts
that restart the retention clock of personal data (RGPD). Not: no-answer, wrong-number,
mail-sent, letter-sent (nobody on their side answered)."""
assert {e.code for e in OUTCOME.entries} >= ANSWERED_OUTCOMES

PLACE = ListSpec(
    "Lieu",
    (
        ListEntry("theirs", "Chez eux", "At their premises"),
        ListEntry("library", "À la bibliothèque", "At the library"),
    ),
)
APPOINTMENT_STATUS = ListSpec(
    "Statut",
    (
        ListEntry("proposed", "Proposé", "Proposed"),
        ListEntry("confirmed", "Confirmé", "Confirmed"),
        ListEntry("held", "Réalisé", "Held"),
        ListEntry("cancelled", "Annulé", "Cancelled"),
        ListEntry("postponed", "Reporté", "Postponed"),
    ),
)
APPOINTMENT_RESULT = ListSpec(
    "Suite",
    (
        ListEntry("collective", "Adhésion collective", "Collective membership"),
        ListEntry("individual", "Adhésions individuelles", "Individual memberships"),
        ListEntry("event", "Animation à organiser", "Event to organise"),
        ListEntry("deposit", "Dépôt de livres", "Book deposit"),
        ListEntry("convention", "Convention à signer", "Agreement to sign"),
        ListEntry("follow-up", "À relancer", "Follow up"),
        ListEntry("none", "Sans suite", "No follow-up"),
    ),
)
VOLUNTEERS = ListSpec("Benevoles", dynamic=True)
LIBRARIES = ListSpec("Bibliotheques", dynamic=True)

LISTS: dict[str, ListSpec] = {
    spec.name: spec
    for spec in (
        ORG_TYPE,
        YES_NO,
        TRACKING,
        CHANNEL,
        OUTCOME,
        PLACE,
        APPOINTMENT_STATUS,
        APPOINTMENT_RESULT,
        VOLUNTEERS,
        LIBRARIES,
    )
}
STATIC_LISTS: tuple[ListSpec, ...] = tuple(s for s in LISTS.values() if not s.dynamic)


@dataclass(frozen=True)
class Words:
    """The words volunteers type for one list entry, French and English (``list-synonym``)."""

    fr: tuple[str, ...] = ()
    en: tuple[str, ...] = ()


# The volunteers' words for each list entry (workbook.md, second generation): a value
# equal to one of them, after normalisation (``word_key``), is read as its entry and
# reported as ``list-synonym``; ``check --fix`` writes the entry. A word that could
# mean two entries is left out (« Refus », « Rappeler », « Mail » in Résultat): it
# stays a ``not-in-list`` error, so that an opt-out is never read as something else.
SYNONYMS: dict[str, dict[str, Words]] = {
    "Type": {
        "entreprise": Words(
            (
                "Entreprise", "Société", "CSE", "Comité d'entreprise", "CE",
                "Comité social et économique", "PME", "Cabinet", "Commerce",
            ),
            ("Company", "Business", "Works council", "Firm"),
        ),
        "sante": Words(
            (
                "Hôpital", "Clinique", "Centre hospitalier", "CHU", "Maison de santé",
                "Centre de santé", "Centre de rééducation", "Établissement de soins",
            ),
            ("Hospital", "Clinic", "Health centre", "Health center"),
        ),
        "seniors": Words(
            (
                "EHPAD", "Maison de retraite", "Résidence seniors", "Résidence senior",
                "Résidence autonomie", "Foyer-logement", "Foyer logement", "Résidence services",
            ),
            ("Nursing home", "Retirement home", "Senior residence"),
        ),
        "association": Words(
            ("Asso", "Association loi 1901", "Club", "Amicale", "Centre social"),
            ("Charity", "Non-profit", "Nonprofit", "Club"),
        ),
        "administration": Words(
            (
                "Mairie", "Mairie / collectivité", "Collectivité", "Collectivité territoriale",
                "Administration", "Mairie annexe", "Service public", "Conseil départemental",
                "Préfecture", "CAF", "CCAS",
            ),
            ("Town hall", "City hall", "Local authority", "Public body", "Council"),
        ),
        "education": Words(
            (
                "École", "Ecole", "Crèche", "Collège", "Lycée", "École maternelle",
                "École élémentaire", "École primaire", "Établissement scolaire", "Université",
                "Conservatoire", "Halte-garderie",
            ),
            ("School", "Nursery", "College", "University", "Kindergarten"),
        ),
    },
    "Resultat": {
        "no-answer": Words(
            (
                "Pas répondu", "Pas de réponse", "Ne répond pas", "Répond pas", "NRP",
                "Pas joignable", "Non joignable", "Injoignable", "Personne ne répond",
                "Messagerie", "Répondeur", "Boîte vocale", "Message laissé",
                "Laissé un message", "Message sur répondeur", "Ligne occupée", "Occupé",
                "Sonne dans le vide", "Pas décroché", "Ne décroche pas",
            ),
            (
                "No reply", "No response", "Did not answer", "Didn't answer", "Voicemail",
                "Left a message", "Left message", "Line busy", "Busy", "Unreachable",
                "Not reachable", "No pick up",
            ),
        ),
        "wrong-number": Words(
            (
                "Faux numéro", "Numéro erroné", "Numéro invalide", "Numéro inexistant",
                "Numéro non attribué", "Numéro plus attribué", "N'est plus attribué",
                "Erreur de numéro", "Mauvais n°", "Mauvais numero de téléphone",
            ),
            ("Wrong no", "Invalid number", "Number not in service", "Disconnected number"),
        ),
        "head-absent-callback": Words(
            (
                "Responsable absent", "Resp absent", "Responsable absent, rappeler",
                "Responsable absent - rappeler", "Rappel convenu", "Responsable en réunion",
                "Responsable en congé", "Directeur absent", "Directrice absente",
            ),
            ("Head absent", "Manager away", "Manager absent", "Call back agreed"),
        ),
        "redirected": Words(
            (
                "Coordonnées obtenues", "Renvoyé vers", "Orienté vers", "Redirigé",
                "Réorienté", "Autre contact donné", "Numéro direct obtenu",
                "Contact obtenu", "Bon interlocuteur obtenu",
            ),
            ("Redirected", "Referred", "Contact details obtained", "Given another contact"),
        ),
        "no-redirection": Words(
            (
                "Pas d'orientation", "Aucune piste", "Pas de contact donné", "Barrage",
                "Barrage secrétariat", "Barrage standard", "Refus de transmettre",
                "Ne transmet pas",
            ),
            ("No lead", "Not redirected", "Gatekeeper refused"),
        ),
        "meeting-set": Words(
            (
                "RDV fixé", "RDV pris", "RDV ok", "RDV", "Rendez-vous fixé", "Rendez-vous pris",
                "Rendez-vous", "Rencontre prévue",
            ),
            ("Meeting set", "Meeting booked", "Appointment set", "Appointment made"),
        ),
        "call-back": Words(
            (
                "À rappeler", "Entretien à rappeler", "Rappeler plus tard", "Doit réfléchir",
                "Réfléchit", "En réflexion", "Intéressé, à rappeler", "Intéressé à rappeler",
                "Rappel prévu",
            ),
            ("To call back", "Call back later", "Thinking about it", "Will think about it"),
        ),
        "send-info": Words(
            (
                "Doc à envoyer", "Documentation à envoyer", "Envoyer doc", "Envoyer la doc",
                "Envoyer documentation", "Envoyer la documentation", "Envoyer plaquette",
                "Plaquette à envoyer", "Brochure à envoyer", "Demande de documentation",
                "Demande de doc", "Infos à envoyer", "Envoyer infos", "Envoyer des infos",
            ),
            ("Send info", "Send brochure", "Send documentation", "Info to send"),
        ),
        "not-interested": Words(
            (
                "Pas intéressé", "Pas intéressée", "Pas intéressés", "Non intéressé",
                "Pas d'intérêt", "Pas besoin", "Pas de besoin", "Pas pour le moment",
                "Pas pour l'instant", "Décline", "Décliné", "Ne souhaite pas donner suite",
            ),
            ("Not interested", "No interest", "Declined", "No need"),
        ),
        "opt-out": Words(
            (
                "Ne pas rappeler", "Ne plus rappeler", "Ne plus appeler", "Ne pas appeler",
                "Ne plus contacter", "Ne pas contacter", "Ne pas recontacter",
                "Ne plus recontacter", "Ne souhaite pas être recontacté",
                "Ne veut plus être appelé", "Refuse d'être rappelé",
                "Refuse d'être recontacté", "Refus de contact", "Refus d'être rappelé",
                "Opposition", "Ne plus démarcher", "Stop",
            ),
            (
                "Do not call", "Don't call", "Do not call again", "Do not contact",
                "Don't contact", "Opt-out", "Opted out", "Remove from list", "Stop calling",
            ),
        ),
        "mail-sent": Words(
            (
                "E-mail envoyé", "Email envoyé", "Courriel envoyé", "Mél envoyé",
                "Mel envoyé", "Envoi mail", "Envoi d'un mail", "Mail parti",
            ),
            ("Email sent", "Sent e-mail", "Sent email"),
        ),
        "letter-sent": Words(
            ("Lettre envoyée", "Courrier posté", "Envoi courrier", "Courrier parti"),
            ("Letter posted", "Sent letter"),
        ),
    },
    "Suivi": {
        "actif": Words(("En cours", "Ouvert", "À suivre", "Actif"), ("Ongoing", "Open")),
        "pause": Words(
            ("Pause", "Mis en pause", "En attente", "Suspendu"), ("On hold", "Paused")
        ),
        "partenaire": Words(("Partenariat", "Partenaire actif", "Adhérent"), ("Partnered",)),
        "clos": Words(
            ("Clôturé", "Fermé", "Terminé", "Classé", "Abandonné"), ("Closed", "Done")
        ),
        "opposition": Words(
            (
                "Ne plus contacter", "Ne pas appeler", "Ne pas rappeler", "Ne plus appeler",
                "Opposition", "Refus de contact", "Liste d'opposition",
            ),
            ("Do not call", "Don't contact", "Opted out"),
        ),
    },
    "Canal": {
        "phone": Words(
            ("Tél", "Tel", "Tél.", "Appel", "Appel téléphonique", "Téléphonique", "Portable"),
            ("Call", "Phone call", "Telephone"),
        ),
        "email": Words(
            ("Email", "E-mail", "Courriel", "Mél", "Mel", "Message électronique"), ("Email",)
        ),
        "letter": Words(("Lettre", "Poste", "Courrier postal", "Voie postale"), ("Post",)),
        "visit": Words(
            ("Sur place", "Passage", "En personne", "Déplacement", "Visite sur place"),
            ("In person", "On site"),
        ),
    },
    "Statut": {
        "proposed": Words(("À confirmer", "Provisoire", "En attente de confirmation"), ("Tentative",)),
        "confirmed": Words(("Validé", "Fixé", "Prévu", "Calé", "OK"), ("Booked", "Scheduled")),
        "held": Words(
            ("Fait", "Effectué", "A eu lieu", "Eu lieu", "Tenu"), ("Done", "Took place")
        ),
        "cancelled": Words(("Annulation", "Décommandé", "Annulé par eux"), ("Called off",)),
        "postponed": Words(
            ("Décalé", "Repoussé", "Déplacé", "Reprogrammé", "À reprogrammer", "Remis"),
            ("Rescheduled", "Moved"),
        ),
    },
    "Suite": {
        "collective": Words(("Adhésion du CSE", "Abonnement collectif"), ("Group membership",)),
        "individual": Words(
            ("Adhésion individuelle", "Inscriptions individuelles"), ("Individual membership",)
        ),
        "event": Words(
            ("Animation", "Animation prévue", "Atelier", "Lecture publique", "Événement"),
            ("Event", "Workshop"),
        ),
        "deposit": Words(("Dépôt", "Prêt de livres", "Caisse de livres"), ("Deposit",)),
        "convention": Words(("Convention", "Contrat à signer"), ("Agreement",)),
        "follow-up": Words(("Relancer", "Relance", "À recontacter"), ("Follow-up", "Chase")),
        "none": Words(("Rien", "Aucune suite", "Pas de suite", "Abandon"), ("Nothing",)),
    },
    "OuiNon": {
        "yes": Words(("O", "Vrai", "Connaît"), ("Y", "True")),
        "no": Words(("N", "Faux", "Ne connaît pas", "Connaît pas"), ("False",)),
    },
    "Lieu": {
        "theirs": Words(
            ("Sur place", "Dans leurs locaux", "Sur site", "Chez l'organisation"),
            ("On site", "Their office"),
        ),
        "library": Words(
            ("Bibliothèque", "À la bibli", "Bibli", "À la biblio", "Chez nous"),
            ("Library", "At ours"),
        ),
    },
}  # fmt: skip

# ---------------------------------------------------------------- sheets

C = ColType
ORGANISATIONS = Sheet(
    "organisations",
    "Organisations",
    "Organisations",
    (
        Column(
            "id", "ID", "ID", width=11, note="Laissez vide : l'outil attribue ORG-0001, ORG-0002…"
        ),
        Column("name", "Nom", "Name", required=True, width=30),
        Column("type", "Type", "Type", C.LIST, list="Type", width=24),
        Column("activity", "Domaine d'activité", "Activity", width=22),
        Column("address", "Adresse", "Address", width=28),
        Column("postcode", "Code postal", "Postcode", C.POSTCODE, width=11),
        Column("city", "Ville", "City", width=14),
        Column("staff", "Effectifs", "Staff", C.INT, width=10),
        Column("switchboard", "Standard", "Switchboard", C.PHONE, width=16),
        Column("head", "Responsable", "Head", width=20),
        Column("head_role", "Fonction du responsable", "Head's role", width=20),
        Column("contact", "Interlocuteur", "Contact", width=20),
        Column("contact_role", "Fonction de l'interlocuteur", "Contact's role", width=20),
        Column("contact_phone", "Téléphone interlocuteur", "Contact phone", C.PHONE, width=16),
        Column("contact_email", "Email interlocuteur", "Contact email", C.EMAIL, width=26),
        Column("department", "Service", "Department", width=18),
        Column("library", "Bibliothèque", "Library", C.LIST, list="Bibliotheques", width=16),
        Column("volunteer", "Bénévole", "Volunteer", C.LIST, list="Benevoles", width=14),
        Column("objective", "Objectif", "Objective", width=26),
        Column("offer", "Notre offre", "Our offer", width=26),
        Column("knows_cbpt", "Connaît CBPT", "Knows CBPT", C.LIST, list="OuiNon", width=12),
        Column("tracking", "Suivi", "Tracking", C.LIST, list="Suivi", width=14),
        Column("notes", "Notes", "Notes", width=30),
        Column("stage", "Étape", "Stage", computed=True, width=22),
        Column("next_action", "Prochaine action", "Next action", computed=True, width=50),
        Column("due", "Échéance", "Due", C.DATE, computed=True, width=12),
        Column("reason", "Motif", "Reason", computed=True, width=40),
    ),
    table="Organisations",
)
CALLS = Sheet(
    "calls",
    "Appels",
    "Calls",
    (
        Column("date", "Date", "Date", C.DATE, required=True, width=12),
        Column("time", "Heure", "Time", C.TIME, width=8),
        Column("organisation", "Organisation", "Organisation", required=True, width=30),
        Column("volunteer", "Bénévole", "Volunteer", C.LIST, list="Benevoles", width=14),
        Column("channel", "Canal", "Channel", C.LIST, list="Canal", width=12),
        Column("outcome", "Résultat", "Outcome", C.LIST, required=True, list="Resultat", width=36),
        Column("contact", "Interlocuteur", "Contact", width=20),
        Column("role", "Fonction", "Role", width=18),
        Column("phone", "Téléphone obtenu", "Phone obtained", C.PHONE, width=16),
        Column("email", "Email obtenu", "Email obtained", C.EMAIL, width=26),
        Column("department", "Service (courrier)", "Department (letter)", width=18),
        Column("callback_date", "Rappeler le", "Call back on", C.DATE, width=12),
        Column("callback_slot", "Créneau de rappel", "Call-back slot", width=16),
        Column("knows_cbpt", "Connaît CBPT", "Knows CBPT", C.LIST, list="OuiNon", width=12),
        Column("expectations", "Attentes", "Expectations", width=28),
        Column("notes", "Notes", "Notes", width=30),
    ),
    table="Appels",
)
APPOINTMENTS = Sheet(
    "appointments",
    "Rendez-vous",
    "Appointments",
    (
        Column("organisation", "Organisation", "Organisation", required=True, width=30),
        Column("date", "Date", "Date", C.DATE, required=True, width=12),
        Column("time", "Heure", "Time", C.TIME, width=8),
        Column("place", "Lieu", "Place", C.LIST, required=True, list="Lieu", width=18),
        Column(
            "library_visit",
            "Visite de la bibliothèque",
            "Library visit",
            C.LIST,
            list="OuiNon",
            width=12,
        ),
        Column("contact", "Interlocuteur", "Contact", width=20),
        Column("volunteer", "Bénévole", "Volunteer", C.LIST, list="Benevoles", width=14),
        Column("status", "Statut", "Status", C.LIST, list="Statut", width=12),
        Column("result", "Suite", "Result", C.LIST, list="Suite", width=24),
        Column("welcome_event", "Événement d'accueil", "Welcome event", width=26),
        Column("notes", "Notes", "Notes", width=30),
    ),
    table="RendezVous",
)
FOLLOWUP_SHEET = Sheet("followup", "Suivi", "Follow-up", generated=True)
SETTINGS_SHEET = Sheet("settings", "Paramètres", "Settings")
LISTS_SHEET = Sheet("lists", "Listes", "Lists")
CHECKS_SHEET = Sheet("checks", "Contrôles", "Checks", generated=True)
BRIEF_SHEET = Sheet("brief", "Fiche", "Brief", generated=True)
NETWORK_DUPLICATES_SHEET = Sheet(
    "network_duplicates", "Doublons réseau", "Network duplicates", generated=True
)
REGISTER_SHEET = Sheet("gdpr_register", "Registre RGPD", "GDPR register", generated=True)
"""The record of erasures (RGPD): appended to, never rewritten."""

DATA_SHEETS: tuple[Sheet, ...] = (ORGANISATIONS, CALLS, APPOINTMENTS)
SHEETS: tuple[Sheet, ...] = (
    ORGANISATIONS,
    CALLS,
    APPOINTMENTS,
    FOLLOWUP_SHEET,
    SETTINGS_SHEET,
    LISTS_SHEET,
)
FORMULA_NO_VALUE = ""
"""Among the Excel error literals a reader gives a cell: a formula with no stored value."""
# the campaign's figures and charts (report --write, Tableau de bord button)
DASHBOARD_SHEET = Sheet("dashboard", "Tableau de bord", "Dashboard", generated=True)
GENERATED_SHEETS: tuple[Sheet, ...] = (
    FOLLOWUP_SHEET,
    CHECKS_SHEET,
    BRIEF_SHEET,
    REGISTER_SHEET,
    DASHBOARD_SHEET,
)
SHEETS_BY_KEY: dict[str, Sheet] = {
    s.key: s for s in (*SHEETS, CHECKS_SHEET, BRIEF_SHEET, REGISTER_SHEET, DASHBOARD_SHEET)
}

# Columns whose absence is a `missing-column` error (checks.md).
REQUIRED_COLUMN_KEYS: dict[str, tuple[str, ...]] = {
    "organisations": ("id", "name"),
    "calls": ("date", "organisation", "outcome"),
    "appointments": ("organisation", "date", "place"),
}
# Columns of Appels and Rendez-vous that the rules never read: an error there does not
# block the organisation's plan (rule 1b of next-actions.md).
PLAN_IGNORED_COLUMNS: dict[str, frozenset[str]] = {
    "calls": frozenset({"volunteer", "notes"}),
    "appointments": frozenset({"volunteer", "notes"}),
}
COMPUTED_KEYS: tuple[str, ...] = tuple(c.key for c in ORGANISATIONS.columns if c.computed)


@dataclass(frozen=True)
class PreparationField:
    """A field of the preparation (first section of the call guide), filled by any of ``keys``."""

    key: str  # the Organisations column a preparation-missing finding points at
    keys: tuple[str, ...]  # the columns any of which fills it
    name: str  # its short French name, in the next action (« Compléter la fiche... »)
    label: str  # its French name in the check's message, alternatives included


PREPARATION_FIELDS: tuple[PreparationField, ...] = (
    PreparationField("activity", ("activity",), "Domaine d'activité", "Domaine d'activité"),
    PreparationField("staff", ("staff",), "Effectifs", "Effectifs"),
    PreparationField(
        "switchboard",
        ("switchboard", "contact_phone"),
        "Standard",
        "Standard (ou Téléphone interlocuteur)",
    ),
    PreparationField("head", ("head", "contact"), "Responsable", "Responsable (ou Interlocuteur)"),
    PreparationField("objective", ("objective",), "Objectif", "Objectif"),
)
"""The preparation fields, in the order the checks and the next action list them."""

# ---------------------------------------------------------------- settings

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "retry_days",
        "Délai avant de rappeler après « Pas de réponse » (jours ouvrés)",
        "Delay before calling again after “No answer” (working days)",
        2,
        minimum=0,
        maximum=60,
    ),
    Setting(
        "max_no_answer",
        "Appels sans réponse avant de changer de canal",
        "Calls without answer before changing channel",
        3,
        minimum=1,
        maximum=20,
    ),
    Setting(
        "follow_up_days",
        "Relance après mail, courrier ou documentation (jours ouvrés)",
        "Follow-up after e-mail, letter or documentation (working days)",
        5,
        minimum=0,
        maximum=120,
    ),
    Setting(
        "call_back_days",
        "Rappel « Entretien – à rappeler » sans date (jours ouvrés)",
        "Call back after “Conversation – call back” with no date (working days)",
        10,
        minimum=0,
        maximum=250,
    ),
    Setting(
        "prepare_days",
        "Préparer un rendez-vous (jours ouvrés avant)",
        "Prepare an appointment (working days before)",
        2,
        minimum=0,
        maximum=60,
    ),
    Setting(
        "recontact_months",
        "Recontacter après « pas intéressé » (mois)",
        "Contact again after “not interested” (months)",
        12,
        minimum=1,
        maximum=120,
    ),
    Setting(
        "retention_months",
        "Conservation des données sans contact (mois, RGPD)",
        "Keep personal data with no contact (months, GDPR)",
        36,
        minimum=1,
        maximum=120,
    ),
)
SETTINGS_BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
TEXT_SETTINGS: tuple[TextSetting, ...] = (
    TextSetting(
        "templates_dir",
        "Dossier des modèles de courriers et de mails (vide : les modèles fournis)",
        "Folder of the letter and e-mail templates (blank: the templates provided)",
    ),
)
"""Optional text settings, below the delays in A:B (workbook.md, second generation)."""
# Paramètres layout: the settings table in A:B, the volunteers list in D with each one's
# e-mail in E, the libraries in F with each one's postal address in G (E and G optional).
SETTINGS_HEADERS = {"fr": ("Paramètre", "Valeur"), "en": ("Setting", "Value")}
VOLUNTEERS_HEADER = {"fr": "Bénévoles", "en": "Volunteers"}
LIBRARIES_HEADER = {"fr": "Bibliothèques", "en": "Libraries"}
VOLUNTEER_EMAIL_HEADER = {"fr": "E-mail du bénévole", "en": "Volunteer's e-mail"}
LIBRARY_ADDRESS_HEADER = {"fr": "Adresse postale", "en": "Postal address"}
# headers also accepted for those two columns (folded when compared)
VOLUNTEER_EMAIL_ALIASES = ("E-mail", "Email", "Mail", "Courriel", "Adresse e-mail")
LIBRARY_ADDRESS_ALIASES = ("Adresse", "Address", "Adresse de la bibliothèque")
SETTINGS_COLUMNS = {
    "key": "A",
    "value": "B",
    "volunteers": "D",
    "volunteer_emails": "E",
    "libraries": "F",
    "library_addresses": "G",
}
DYNAMIC_LIST_ROWS = 200  # rows reserved for Bénévoles and Bibliothèques

# ---------------------------------------------------------------- matching


_SPACES = re.compile(r"\s+")
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "’": "'", "‘": "'", "`": "'"})


def fold(text: str) -> str:
    """Fold a header or list value for matching: no case, accents, edge or repeated spaces."""
    if text.__class__ is str:  # names and labels repeat across rows: fold each once
        return _fold_str(text)
    return _fold_uncached(text)


@functools.lru_cache(maxsize=1 << 17)
def _fold_str(text: str) -> str:
    return _fold_uncached(text)


_COMBINING = {cp: None for cp in range(0x300, 0x370) if unicodedata.combining(chr(cp))}


def _fold_uncached(text: str) -> str:
    text = str(text).translate(_DASHES)
    if not text.isascii():  # NFKD leaves ASCII as is
        # accents of Latin letters are the combining marks U+0300-U+036F; any other
        # non-ASCII letter left goes through the general (slower) removal
        text = unicodedata.normalize("NFKD", text).translate(_COMBINING)
        if not text.isascii():
            text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text).strip().casefold()


def _build_header_index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for sheet in DATA_SHEETS:
        headers: dict[str, str] = {}
        for col in sheet.columns:
            headers[fold(col.fr)] = col.key
            headers[fold(col.en)] = col.key
        index[sheet.key] = headers
    return index


HEADER_INDEX: dict[str, dict[str, str]] = _build_header_index()
SHEET_INDEX: dict[str, str] = {
    fold(name): s.key for s in SHEETS_BY_KEY.values() for name in (s.fr, s.en, *s.aliases)
}


CONTENT_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "organisations": (("tracking", "Suivi"),),
}
"""Columns recognised by their values when their header is missing or another one:
sheet key -> (column key, list). Suivi carries « Ne pas contacter »: a renamed or
emptied header must not make an opt-out unreadable."""


def reads_as_list(list_name: str, values: Iterable[Any]) -> bool:
    """Whether a column's values are those of a list: at least one, and two thirds of the
    non-blank texts, read as one of its entries (label, other spelling or synonym)."""
    texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
    if not texts:
        return False
    hits = sum(1 for t in texts if list_code(list_name, t) is not None)
    return hits > 0 and hits * 3 >= len(texts) * 2


def match_header(sheet_key: str, header: str) -> str | None:
    """The column key a header names on a data sheet, or None."""
    return HEADER_INDEX[sheet_key].get(fold(header))


def match_sheet(name: str) -> str | None:
    """The sheet key a sheet name names (fr or en, case and accents ignored), or None."""
    return SHEET_INDEX.get(fold(name))


def _build_list_index() -> dict[str, dict[str, tuple[str, str]]]:
    """For each static list: folded label -> (code, canonical fr label)."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for spec in STATIC_LISTS:
        table: dict[str, tuple[str, str]] = {}
        for entry in spec.entries:
            for label in (entry.fr, entry.en):
                table[fold(label)] = (entry.code, entry.fr)
        out[spec.name] = table
    return out


LIST_INDEX: dict[str, dict[str, tuple[str, str]]] = _build_list_index()
EXACT_LIST_INDEX: dict[str, dict[str, str]] = {
    spec.name: {
        variant: e.code
        for e in spec.entries
        for label in (e.fr, e.en)
        for variant in (label, label.replace("–", "-"), label.replace("’", "'"))
    }
    for spec in STATIC_LISTS
}
"""Exact spellings (the dash may be typed "-" or "–"): accepted without a warning."""


EXACT_LABELS: dict[str, dict[str, dict[str, str]]] = {
    lang: {
        spec.name: {
            variant: e.code
            for e in spec.entries
            for variant in (e.label(lang), e.label(lang).replace("–", "-"))
        }
        for spec in STATIC_LISTS
    }
    for lang in LANGS
}
"""lang -> list -> the exact spellings of its labels in that language (no warning)."""

_NOT_A_WORD = re.compile(r"[^0-9a-z]+")


def word_key(text: str) -> str:
    """A value folded for the volunteers' words: ``fold`` and no punctuation (``RDV fixé !``)."""
    return _NOT_A_WORD.sub(" ", fold(text).replace("'", "")).strip()


def _build_synonym_index() -> dict[str, dict[str, str]]:
    """list -> word_key of each volunteers' word -> its entry's code (one entry per word)."""
    out: dict[str, dict[str, str]] = {}
    for name, entries in SYNONYMS.items():
        spec = LISTS[name]
        table: dict[str, str] = {}
        labels = {word_key(label): e.code for e in spec.entries for label in (e.fr, e.en)}
        for code, words in entries.items():
            spec.by_code(code)  # a KeyError here: a word declared for no entry
            for word in (*words.fr, *words.en):
                key = word_key(word)
                if labels.get(key, code) != code or table.setdefault(key, code) != code:
                    raise ValueError(f"{name}: {word!r} would mean two entries")
                if key in labels:
                    del table[key]  # the entry's own label, typed another way: list-spelling
        out[name] = table
    return out


SYNONYM_INDEX: dict[str, dict[str, str]] = _build_synonym_index()
"""list -> word_key of a volunteers' word -> the code of its entry (``list-synonym``)."""
LABEL_WORD_INDEX: dict[str, dict[str, str]] = {
    spec.name: {word_key(label): e.code for e in spec.entries for label in (e.fr, e.en)}
    for spec in STATIC_LISTS
}
"""list -> word_key of each label -> its code (a label typed with other punctuation)."""


# An opt-out said in a sentence (« ne souhaite plus être contacté », « refuse d'être
# rappelée », « ne plus nous appeler »): every form of it, not only the words above,
# is read as the opt-out (Résultat) or « Ne pas contacter » (Suivi). Matched on
# ``word_key`` (no accents, no apostrophes, single spaces), whole value only: « ne pas
# rappeler avant janvier » stays a not-in-list error.
_OPT_OUT_VERB = r"(?:re)?(?:contact|appel|rappel|sollicit|demarch|telephon)(?:e|es|ee|ees|er|ez|s)?"
OPT_OUT_PHRASE = re.compile(
    r"^(?:(?:merci de|svp|stop|priere de) )?(?:(?:il|elle|ils|elles|on) )?(?:"
    r"(?:ne |n )?(?:souhaite|souhaitent|veut|veulent|desire|desirent|voulait|souhaitait)"
    r" (?:plus|pas|plus jamais|jamais|pas etre|plus etre)(?: etre)?"
    r"|ne (?:plus|pas|jamais|plus jamais)(?: (?:nous|les|la|le|l|leur|lui))?"
    r"|(?:refuse|refusent|refus|refuse de|refus de) ?(?:d ?|de )?(?:etre)?"
    r"|(?:demande|demandent) (?:a|de) ne (?:plus|pas|jamais)(?: etre)?"
    r") ?" + _OPT_OUT_VERB + r"(?: (?:par|de|du) (?:nous|cbpt|la bibliotheque))?"
    r"(?: svp| merci| s il vous plait)?$"
    # « ne nous appelez plus », « ne plus jamais les appeler »
    r"|^(?:(?:merci de|svp|stop) )?ne (?:(?:nous|me|les|la|le) |l ?)?"
    + _OPT_OUT_VERB
    + r" (?:plus|pas|jamais|plus jamais)(?: svp| merci| s il vous plait)?$"
    # « ne veut plus qu'on l'appelle », « ne souhaite pas que nous le recontactions »
    r"|^(?:(?:il|elle|ils|elles) )?ne (?:veut|veulent|souhaite|souhaitent|desire|desirent)"
    r" (?:plus|pas|plus jamais|jamais) (?:qu ?on|que l ?on|que nous|que cbpt)"
    r" (?:(?:les|la|le|nous|lui|leur) |l ?)?(?:re)?(?:contact|appel|rappel|sollicit|demarch|telephon)\w*$"
)
OPT_OUT_CODES = {"Resultat": "opt-out", "Suivi": "opposition"}
# the parts of a value said in several clauses (« pas intéressé, ne plus rappeler »,
# « Stop - ne pas rappeler », « Ne pas contacter (demande du directeur) »): when one of
# them is a refusal, the value is the refusal (an opt-out is never read as something else)
_CLAUSES = re.compile(r"\s*(?:[,;:!.?()\[\]/]|\s[-–—]\s|\bet\b|\bmais\b)\s*")


def _opt_out_clause(list_name: str, value: str) -> bool:
    """Whether one clause of ``value`` is, alone, a refusal of ``list_name`` (see ``_CLAUSES``)."""
    code = OPT_OUT_CODES[list_name]
    for clause in _CLAUSES.split(value):
        key = word_key(clause)
        if not key:
            continue
        if OPT_OUT_PHRASE.match(key):
            return True
        if (
            LABEL_WORD_INDEX[list_name].get(key) or SYNONYM_INDEX.get(list_name, {}).get(key)
        ) == code:
            return True
    return False


"""The list entry an opt-out sentence names, per list."""


def list_code(list_name: str, value: str) -> str | None:
    """The code of a static list entry ``value`` names, or None.

    Its label (exact, folded, or with other punctuation), in either language, or one
    of the volunteers' words for it (``SYNONYMS``).
    """
    exact = EXACT_LIST_INDEX[list_name].get(value)
    if exact is not None:
        return exact
    hit = LIST_INDEX[list_name].get(fold(value))
    if hit is not None:
        return hit[0]
    key = word_key(value)
    code = LABEL_WORD_INDEX[list_name].get(key) or SYNONYM_INDEX.get(list_name, {}).get(key)
    if (
        code is None
        and list_name in OPT_OUT_CODES
        and (OPT_OUT_PHRASE.match(key) or _opt_out_clause(list_name, value))
    ):
        return OPT_OUT_CODES[list_name]
    return code


def list_label(list_name: str, code: str, lang: str = "fr") -> str:
    """The label of a list entry in a language."""
    return LISTS[list_name].by_code(code).label(lang)
