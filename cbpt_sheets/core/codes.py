"""The stage and action codes of next-actions.md, declared once (the JSON and the Étape column use them)."""

from __future__ import annotations

from typing import Final

from cbpt_sheets.core.texts import Text


class Stage:
    """Stage codes (next-actions.md, "Stages"; "to-correct" from its second generation)."""

    TO_CORRECT: Final = "to-correct"
    PREPARATION: Final = "preparation"
    FIRST_CALL: Final = "first-call"
    FINDING_CONTACT: Final = "finding-contact"
    CONVERSATION: Final = "conversation"
    APPOINTMENT: Final = "appointment"
    PARTNER: Final = "partner"
    CLOSED: Final = "closed"
    PAUSED: Final = "paused"
    DO_NOT_CONTACT: Final = "do-not-contact"


class Action:
    """Action codes (next-actions.md, "Rules, in order"; "correct-entry" is rule 1b)."""

    NONE: Final = "none"
    CORRECT_ENTRY: Final = "correct-entry"
    CONFIRM_APPOINTMENT: Final = "confirm-appointment"
    PREPARE_APPOINTMENT: Final = "prepare-appointment"
    RECORD_APPOINTMENT_REPORT: Final = "record-appointment-report"
    ORGANISE_EVENT: Final = "organise-event"
    SEND_AGREEMENT: Final = "send-agreement"
    FOLLOW_UP_CALL: Final = "follow-up-call"
    RESCHEDULE_APPOINTMENT: Final = "reschedule-appointment"
    FIND_NUMBER: Final = "find-number"
    COMPLETE_PREPARATION: Final = "complete-preparation"
    FIRST_CALL: Final = "first-call"
    CALL_AGAIN: Final = "call-again"
    CHANGE_CHANNEL: Final = "change-channel"
    CALL_CONTACT: Final = "call-contact"
    SEND_EMAIL: Final = "send-email"
    SEND_LETTER: Final = "send-letter"
    FIND_CONTACT: Final = "find-contact"
    RECORD_APPOINTMENT: Final = "record-appointment"
    CALL_BACK: Final = "call-back"
    SEND_INFORMATION: Final = "send-information"
    RECONTACT_LATER: Final = "recontact-later"


STAGE_NAMES: dict[str, Text] = {
    Stage.TO_CORRECT: Text("À corriger", "To correct"),
    Stage.PREPARATION: Text("Préparation", "Preparation"),
    Stage.FIRST_CALL: Text("Premier appel (étapes 1–2)", "First call (steps 1–2)"),
    Stage.FINDING_CONTACT: Text(
        "Recherche du bon interlocuteur (étape 3)", "Finding the right contact (step 3)"
    ),
    Stage.CONVERSATION: Text("Entretien (étape 4)", "Conversation (step 4)"),
    Stage.APPOINTMENT: Text("Rendez-vous", "Appointment"),
    Stage.PARTNER: Text("Partenaire", "Partner"),
    Stage.CLOSED: Text("Clos", "Closed"),
    Stage.PAUSED: Text("En pause", "Paused"),
    Stage.DO_NOT_CONTACT: Text("Ne pas contacter", "Do not contact"),
}
"""Stage code -> its name in French and English (the Étape / Stage column)."""

STAGES: dict[str, str] = {code: name.fr for code, name in STAGE_NAMES.items()}
"""Stage code -> French label (the Étape column)."""


def stage_name(code: str, lang: str = "fr") -> str:
    """The name of a stage in the workbook's language (the code itself when unknown)."""
    name = STAGE_NAMES.get(code)
    return name.pick(lang) if name is not None else code
