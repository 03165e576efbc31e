"""Texts the tool writes into a workbook, in French and English, each declared once (pure).

A ``Text`` holds the French and the English of one text (``str.format`` fields);
``text(lang, **fields)`` picks the workbook's language. French texts get French
typography (``french.typo``: no-break spaces before ``: ; ? !`` and inside « »).
The language of a workbook is the one its sheet names are in (``RawWorkbook.lang``,
``Workbook.lang``), passed down through the plan to the rules, the brief and the
generated sheets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from cbpt_sheets.core.french import typo

LANGS: Final = ("fr", "en")


@dataclass(frozen=True)
class Text:
    """One text in French and English; calling it fills the fields in the language asked."""

    fr: str
    en: str

    def __call__(self, lang: str = "fr", /, **fields: Any) -> str:
        """The text in ``lang`` ("fr" or "en"; anything else is French), fields filled."""
        if lang == "en":
            return self.en.format(**fields)
        return typo(self.fr.format(**fields))

    def pick(self, lang: str) -> str:
        """The raw template in ``lang`` (no field filled, no typography applied)."""
        return self.en if lang == "en" else self.fr


# ---------------------------------------------------------------- talking points


class Talk:
    """The talking points (« Quoi dire ») by step of the call guide."""

    # Preparation and steps 1-2: before a first call.
    PREPARE = Text(
        "Avant d'appeler, rassemblez ce que vous savez de l'organisation : son domaine "
        "d'activité, son organigramme (les personnes clés, l'interlocuteur privilégié), sa "
        "taille, ses effectifs.",
        "Before calling, gather what you know about the organisation: its field, its "
        "organisation chart (key people, the preferred contact), its size, its staff.",
    )
    OBJECTIVE = Text(
        "Fixez-vous un objectif (un rendez-vous) et soyez précis sur ce que nous pouvons leur "
        "apporter : nos atouts, ci-dessous.",
        "Set yourself a goal (a meeting) and be precise about what we can offer them: our "
        "strengths, below.",
    )
    STEP_1 = Text(
        "Étape 1 : présentez-vous comme membre de CBPT et responsable de la bibliothèque{library}.",
        "Step 1: introduce yourself as a CBPT member and head of the library{library}.",
    )
    STEP_2 = Text(
        "Étape 2 : demandez à parler {whom}.",
        "Step 2: ask to speak to {whom}.",
    )
    THE_HEAD = Text("au responsable de l'établissement", "the head of the establishment")
    TO_PERSON = Text("à {person}", "{person}")
    # Step 3: finding the right person.
    STEP_3_ASK = Text(
        "Étape 3 : demandez à parler {whom} ; s'il est disponible, passez à l'étape 4.",
        "Step 3: ask to speak to {whom}; if available, go on to step 4.",
    )
    STEP_3_ABSENT = Text(
        "S'il est absent, demandez les coordonnées du bon interlocuteur (nom, téléphone, "
        "e-mail) et à quel moment rappeler.",
        "If absent, ask for the right contact's details (name, phone, e-mail) and when to "
        "call back.",
    )
    STEP_3_NOBODY = Text(
        "Si votre interlocuteur ne peut pas vous orienter, demandez-lui un numéro de "
        "téléphone, un e-mail ou le nom d'un service où adresser un courrier.",
        "If the person cannot direct you, ask for a phone number, an e-mail address or the "
        "name of a department to write to.",
    )
    STEP_3_THEN = Text(
        "Quand on vous passe la bonne personne, représentez-vous et demandez-lui si elle "
        "connaît déjà CBPT (étape 4).",
        "When you reach the right person, introduce yourself again and ask whether they "
        "already know CBPT (step 4).",
    )
    # Step 4: the conversation.
    KNOWS = Text(
        "Elle connaît déjà CBPT : faites dire à votre interlocuteur ce qu'il en sait, puis "
        "enrichissez (l'union compte des bibliothèques de quartier, la présence dans les "
        "établissements de santé, ce qui nous distingue des bibliothèques de la ville de Paris).",
        "They already know CBPT: let them tell what they know, then add to it (the union "
        "counts neighbourhood libraries, is present in health establishments, and differs "
        "from the city of Paris libraries).",
    )
    ASK_KNOWS = Text(
        "Demandez d'abord si votre interlocuteur connaît déjà CBPT.",
        "First ask whether they already know CBPT.",
    )
    PRESENT = Text(
        "Présentez la bibliothèque et l'association : nos points forts par rapport aux "
        "bibliothèques municipales (conseils personnalisés, choix selon les lecteurs) et nos "
        "animations (rencontres d'auteurs, café littéraire, braderie).",
        "Present the library and the association: our strengths compared with the city "
        "libraries (personal advice, books chosen for the readers) and our events (author "
        "meetings, book club, book sale).",
    )
    STAFF = Text(
        "Dites que leur personnel (ou leurs membres) pourrait être intéressé par les services "
        "de la bibliothèque.",
        "Say that their staff (or members) could be interested in the library's services.",
    )
    EXPECTATIONS_NOTED = Text("Attentes déjà notées : {what}.", "Expectations noted: {what}.")
    ASK_EXPECTATIONS = Text(
        "Demandez les attentes du personnel : créneaux horaires d'accueil, centres d'intérêt ; "
        "dites comment nous pouvons nous adapter (un événement pour les accueillir, par exemple).",
        "Ask about the staff's expectations (opening slots, interests) and say how we can "
        "adapt (a welcome event, for instance).",
    )
    PROPOSE_MEETING = Text(
        "Proposez un rendez-vous, chez eux ou à la bibliothèque avec une visite des lieux.",
        "Propose a meeting, at their premises or at the library with a visit.",
    )
    LET_TALK = Text(
        "Laissez parler votre interlocuteur et montrez-lui que nous nous intéressons à lui : "
        "nous pouvons lui apporter un service, un plus.",
        "Let them talk and show them we are interested in them: we can bring them a "
        "service, something more.",
    )
    # Once a meeting is set.
    MEETING_SET = Text(
        "Le rendez-vous est fixé : inutile de le proposer à nouveau ; notez-le dans "
        "Rendez-vous (date, heure, lieu, interlocuteur).",
        "The meeting is set: no need to propose it again; enter it in Appointments (date, "
        "time, place, contact).",
    )
    CONFIRM = Text(
        "Confirmez la date, l'heure et le lieu du rendez-vous, et qui y participera.",
        "Confirm the date, time and place of the meeting, and who will attend.",
    )
    PREPARE_MEETING = Text(
        "Préparez le rendez-vous : notre offre (nos atouts, ci-dessous), nos animations, les "
        "conditions de prêt (adhésion individuelle, adhésion collective, forfait).",
        "Prepare the meeting: our offer (our strengths, below), our events, the loan terms "
        "(individual membership, collective membership, flat fee).",
    )
    VISIT = Text(
        "Prévoyez la visite de la bibliothèque.",
        "Plan the visit of the library.",
    )
    MEETING_LISTEN = Text(
        "Pendant le rendez-vous, laissez-les exprimer leurs attentes (créneaux, centres "
        "d'intérêt) et proposez une suite concrète : adhésion collective, dépôt de livres, "
        "événement d'accueil.",
        "At the meeting, let them tell their expectations (slots, interests) and offer a "
        "concrete next step: collective membership, book deposit, welcome event.",
    )
    AFTER_MEETING = Text(
        "Faites le point sur la suite qu'ils donnent au rendez-vous et répondez à leurs "
        "questions sur les conditions de prêt (adhésion individuelle, adhésion collective, "
        "forfait).",
        "Ask what they make of the meeting and answer their questions on the loan terms "
        "(individual membership, collective membership, flat fee).",
    )
    EVENT = Text(
        "Convenez avec eux de la date, du lieu et du public de l'événement d'accueil, et de "
        "la façon de l'annoncer au personnel.",
        "Agree with them on the date, place and audience of the welcome event, and how to "
        "announce it to the staff.",
    )
    RESCHEDULE = Text(
        "Proposez une nouvelle date de rendez-vous, chez eux ou à la bibliothèque.",
        "Propose a new date for the meeting, at their premises or at the library.",
    )
    # By type of organisation.
    TYPE_CARE = Text(
        "Évoquez les animations pour les personnes âgées en établissement et la présence de "
        "CBPT dans les établissements de santé.",
        "Mention the activities for elderly people in care homes and CBPT's presence in "
        "health establishments.",
    )
    TYPE_COMPANY = Text(
        "Proposez l'adhésion collective et des créneaux à l'heure du déjeuner ; le CSE est "
        "souvent le bon interlocuteur.",
        "Offer collective membership and lunchtime slots; the works council is often the "
        "right contact.",
    )
    TYPE_SCHOOL = Text(
        "Présentez les animations pour la jeunesse (lectures, accueil de classes).",
        "Present the youth activities (readings, class visits).",
    )
    TYPE_ASSOCIATION = Text(
        "Proposez l'adhésion collective ou le forfait pour les membres de l'association.",
        "Offer collective membership or the flat fee for the association's members.",
    )
    TYPE_PUBLIC = Text(
        "Rappelez que le réseau CBPT est reconnu par les institutions (mairies, "
        "établissements hospitaliers) et par les professionnels de l'édition.",
        "Recall that the CBPT network is recognised by institutions (town halls, hospitals) "
        "and by publishing professionals.",
    )


TYPE_POINTS: dict[str, Text] = {
    "seniors": Talk.TYPE_CARE,
    "sante": Talk.TYPE_CARE,
    "entreprise": Talk.TYPE_COMPANY,
    "education": Talk.TYPE_SCHOOL,
    "association": Talk.TYPE_ASSOCIATION,
    "administration": Talk.TYPE_PUBLIC,
}
"""The point adapted to the organisation's Type (ORG_TYPE code)."""


# ---------------------------------------------------------------- generated sheets


class Sheets:
    """The texts of the generated sheets (Suivi / Follow-up, Fiche / Brief)."""

    FOLLOWUP_TITLE = Text("Liste de suivi au {day}", "Follow-up list on {day}")
    FOLLOWUP_HINT = Text(
        "Cochez « À faire » quand c'est fait. Feuille réécrite par cbpt-sheets : n'y saisissez rien.",
        "Tick “To do” when done. Sheet rewritten by cbpt-sheets: do not type in it.",
    )
    NOTHING_DUE = Text(
        "Rien à faire : aucune action à échéance.", "Nothing to do: no action is due."
    )
    FOLLOWUP_HEADERS = (
        Text("À faire", "To do"),
        Text("Échéance", "Due"),
        Text("Organisation", "Organisation"),
        Text("Action", "Action"),
        Text("Interlocuteur", "Contact"),
        Text("Téléphone", "Phone"),
        Text("Email", "E-mail"),
        Text("Bénévole", "Volunteer"),
        Text("Bibliothèque", "Library"),
    )
    GDPR_TITLE = Text("Données personnelles à revoir (RGPD)", "Personal data to review (GDPR)")
    GDPR_LABEL = Text(
        "Plus de contact depuis la durée de conservation : revoyez ou effacez les données "
        "personnelles (interlocuteurs, téléphones, e-mails)",
        "No contact for the retention period: review or erase the personal data (contacts, "
        "phones, e-mails)",
    )
    BRIEF_TITLE = Text("Fiche d'appel : {name}", "Call brief: {name}")
    BRIEF_STAGE = Text("Au {day} – étape : {stage}", "On {day} – stage: {stage}")
    NEXT_ACTION = Text("Prochaine action", "Next action")
    ACTION = Text("Action", "Action")
    DUE = Text("Échéance", "Due")
    REASON = Text("Motif", "Reason")
    FILE = Text("Fiche", "File")
    HISTORY = Text("Historique des contacts", "Contact history")
    NO_CONTACT = Text("Aucun contact enregistré.", "No contact recorded.")
    APPOINTMENTS = Text("Rendez-vous", "Appointments")
    WHAT_TO_SAY = Text("Quoi dire", "What to say")
    ASSETS = Text("Nos atouts", "Our strengths")
    FOLLOWUP_DAYS = Text("échéances à {days} jours", "due within {days} days")
    FOLLOWUP_ONE_DAY = Text("échéances à 1 jour", "due within 1 day")
    FOLLOWUP_TODAY = Text("échéances du jour", "due today")
    VOLUNTEER = Text("bénévole : {name}", "volunteer: {name}")
    LIBRARY = Text("bibliothèque : {name}", "library: {name}")
