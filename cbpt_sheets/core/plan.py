"""The plan of a workbook: every organisation's next action, and what the plan could not use.

Every front end plans through here (``operations``), so that no answer is built on
data the tool did not read (next-actions.md, second generation):

- a missing data sheet, a missing required column or two headers for one column
  stops the command (``StructureError``, exit 3) with the check's own message;
- an organisation one of whose contact or appointment rows has an error on a cell
  the rules read gets rule 1b, ``correct-entry``, naming the cells (an opt-out, rule
  1, still wins);
- a row naming no organisation is listed in ``Plan.unmatched``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cbpt_sheets.core import checks, dataset
from cbpt_sheets.core import values as v
from cbpt_sheets.core.a1 import parse_ref
from cbpt_sheets.core.brief import Brief, brief
from cbpt_sheets.core.drafts import WRITING_ACTIONS, Draft, drafts_for
from cbpt_sheets.core.followup import followup
from cbpt_sheets.core.models import (
    Finding,
    NextAction,
    RawWorkbook,
    Report,
    SheetData,
    Workbook,
)
from cbpt_sheets.core.rules import Blocker, History, link, next_action, next_actions
from cbpt_sheets.core.schema import PLAN_IGNORED_COLUMNS, SHEETS_BY_KEY
from cbpt_sheets.errors import StructureError

STRUCTURE_CODES = frozenset({"missing-sheet", "missing-column", "duplicate-column"})
"""Findings that stop next, followup, brief and every write (checks.md, second generation)."""

PLANNED_SHEETS = ("calls", "appointments")
ORGANISATION_BLOCKERS = frozenset({"duplicate-name", "duplicate-id"})
"""Errors of an Organisations row that make its history ambiguous: the rows named so are blocked."""

BLOCKING_WHAT: dict[str, str] = {
    "invalid-date": "date illisible",
    "future-date": "date postérieure à aujourd'hui",
    "invalid-time": "heure illisible",
    "not-in-list": "valeur hors de la liste",
    "required": "case obligatoire vide",
    "formula-error": "erreur de formule",
    "formula-no-value": "formule sans valeur enregistrée",
    "unknown-organisation": "organisation inconnue",
    "callback-before-call": "rappel daté avant l'appel",
    "outcome-needs-data": "coordonnées obtenues manquantes",
    "held-in-future": "rendez-vous « Réalisé » à une date future",
    "invalid-phone": "numéro invalide",
    "invalid-email": "adresse e-mail invalide",
    "contacted-after-opt-out": "contact noté après un refus",
    "duplicate-name": "Nom porté par deux organisations",
    "duplicate-id": "ID porté par deux organisations",
}
"""What an error finding means for the plan, in a few French words (the label of rule 1b)."""


@dataclass
class Unmatched:
    """A contact or appointment row that names no organisation (JSON ``unmatched``)."""

    sheet: str
    row: int
    cell: str
    value: str | None

    def as_json(self) -> dict[str, Any]:
        """``{"sheet", "row", "cell", "value"}``."""
        return {"sheet": self.sheet, "row": self.row, "cell": self.cell, "value": self.value}


@dataclass
class Inputs:
    """What the checks tell the rules: close-name aliases, blocked cells, the typed workbook."""

    workbook: Workbook
    report: Report
    aliases: dict[str, str] = field(default_factory=dict)
    blockers: list[Blocker] = field(default_factory=list)


@dataclass
class Plan:
    """The next actions of a workbook (one per organisation, in sheet order) and its gaps."""

    actions: list[NextAction]
    unmatched: list[Unmatched] = field(default_factory=list)
    report: Report | None = None


def refuse_broken_structure(report: Report) -> None:
    """Raise ``StructureError`` when a sheet or column the commands need is missing or doubled."""
    broken = [f for f in report.findings if f.code in STRUCTURE_CODES and f.severity == "error"]
    if not broken:
        return
    said = " ".join((f"{f.sheet}!{f.cell} : " if f.cell else "") + f.message for f in broken[:5])
    more = len(broken) - 5
    raise StructureError(
        "Le classeur ne peut pas être utilisé tel quel, rien n'a été calculé ni écrit. "
        + said
        + (
            f" (et {more} autre{'s' if more > 1 else ''} problème{'s' if more > 1 else ''})"
            if more > 0
            else ""
        )
        + " Corrigez, puis relancez ; « cbpt-sheets check » liste tous les problèmes."
    )


def inputs(raw: RawWorkbook, today: dt.date, report: Report | None = None) -> Inputs:
    """Check the workbook, refuse a broken structure, and gather what the rules need."""
    if report is None:
        report = checks.check_raw(raw, today)
    refuse_broken_structure(report)
    found = Inputs(workbook=dataset.build(raw, today), report=report)
    names = _row_names(raw)
    by_name = {s.name: s.key for s in raw.sheets.values()}
    for f in report.findings:
        key = by_name.get(f.sheet)
        if key == "organisations" and f.code in ORGANISATION_BLOCKERS and f.cell and f.value:
            # two organisations answer to this Nom or ID: every row naming it is ambiguous
            name = v.text(f.value)
            if name:
                found.blockers.append(
                    Blocker(
                        organisation=name,
                        sheet=f.sheet,
                        cell=f.cell,
                        code=f.code,
                        what=_what(f.code, f.value, None),
                    )
                )
            continue
        if key == "organisations" and f.severity == "error" and f.row is not None and f.cell:
            # an unreadable Suivi may be a refusal (« Ne pas contacter (demande du 12/11) »):
            # the organisation is « À corriger », never planned as if it were followed
            blocker = _suivi_blocker(raw, f)
            if blocker is not None:
                found.blockers.append(blocker)
            continue
        if f.severity != "error" or key not in PLANNED_SHEETS or f.row is None or not f.cell:
            continue
        assert key is not None
        sheet = raw.sheets[key]
        ref = parse_ref(f.cell)
        if ref is None:
            continue
        column = _column_at(sheet, ref[1])
        if column is None or column in PLAN_IGNORED_COLUMNS.get(key, ()):
            continue
        name = names[key].get(f.row)
        if name is None:  # no organisation named: listed as unmatched
            continue
        if f.code == "unknown-organisation":
            if not f.suggestion:
                continue
            found.aliases[name] = f.suggestion
        found.blockers.append(
            Blocker(
                organisation=name,
                sheet=f.sheet,
                cell=f.cell,
                code=f.code,
                what=_what(f.code, f.value, f.suggestion),
            )
        )
    return found


def plan(raw: RawWorkbook, today: dt.date, report: Report | None = None) -> Plan:
    """The plan of a raw workbook on ``today`` (raises ``StructureError``, see the module)."""
    given = inputs(raw, today, report)
    unresolved: set[str] = set()
    actions = next_actions(given.workbook, today, given.aliases, given.blockers, unresolved)
    return Plan(actions=actions, unmatched=unmatched(raw, unresolved), report=given.report)


def plan_brief(raw: RawWorkbook, organisation: str, today: dt.date) -> Brief:
    """The call brief of one organisation, planned like ``plan`` (raises as ``plan`` does)."""
    given = inputs(raw, today)
    return brief(given.workbook, organisation, today, given.aliases, given.blockers)


def unmatched(raw: RawWorkbook, unresolved: Iterable[str]) -> list[Unmatched]:
    """The contact and appointment rows that attach to no organisation, in sheet order."""
    lost = set(unresolved)
    out: list[Unmatched] = []
    for key, by_row in _row_names(raw).items():
        sheet = raw.sheets[key]
        if "organisation" not in sheet.columns:
            continue
        cell_of = sheet.cell
        for number in sheet.numbers:
            name = by_row.get(number)
            if name is None or name in lost:
                out.append(Unmatched(sheet.name, number, cell_of("organisation", number), name))
    return out


def _column_at(sheet: SheetData, number: int) -> str | None:
    """The key of the known column at 1-based column ``number``, None when unknown."""
    return next((k for k, i in sheet.columns.items() if i == number - 1), None)


ORGANISATION_BLOCKING_COLUMNS = frozenset({"tracking"})
"""Organisations columns whose error blocks the row's plan: Suivi carries the opt-out."""


def _suivi_blocker(raw: RawWorkbook, f: Finding) -> Blocker | None:
    """The blocker of an error in an Organisations column of ``ORGANISATION_BLOCKING_COLUMNS``."""
    sheet = raw.sheets["organisations"]
    ref = parse_ref(f.cell) if f.cell else None
    if ref is None or f.row is None:
        return None
    column = _column_at(sheet, ref[1])
    if column not in ORGANISATION_BLOCKING_COLUMNS or "name" not in sheet.data:
        return None
    try:
        position = sheet.numbers.index(f.row)
    except ValueError:
        return None
    name = v.text(sheet.data["name"][position])
    if not name:
        return None
    return Blocker(
        organisation=name,
        sheet=f.sheet,
        cell=f.cell or "",
        code=f.code,
        what=_what(f.code, f.value, f.suggestion),
    )


def _row_names(raw: RawWorkbook) -> dict[str, dict[int, str | None]]:
    """Each planned sheet's rows -> the organisation they name, typed as the models type it."""
    out: dict[str, dict[int, str | None]] = {}
    for key in PLANNED_SHEETS:
        sheet = raw.sheets.get(key)
        if sheet is None or "organisation" not in sheet.data:
            continue
        typed = dataset.typed_column(SHEETS_BY_KEY[key], "organisation", sheet.data["organisation"])
        out[key] = dict(zip(sheet.numbers, typed, strict=True))
    return out


def _what(code: str, value: Any, suggestion: str | None) -> str:
    """``date illisible « 5/11 »``: what a finding means for the plan, with the value seen."""
    what = BLOCKING_WHAT.get(code, "saisie à corriger")
    shown = v.text(value) if not isinstance(value, (dt.date, dt.time)) else None
    if isinstance(value, dt.date):
        shown = value.strftime("%d/%m/%Y")
    if shown:
        what += f" « {shown} »"
    if code == "unknown-organisation" and suggestion:
        what += f", sans doute « {suggestion} »"
    return what


def plan_histories(raw: RawWorkbook, today: dt.date) -> tuple[Plan, list[History], Workbook]:
    """The plan, each organisation's history (same order as the actions), the typed workbook."""
    given = inputs(raw, today)
    unresolved: set[str] = set()
    histories = link(given.workbook, given.aliases, given.blockers, unresolved)
    actions = [next_action(h, given.workbook.settings, today) for h in histories]
    found = Plan(actions=actions, unmatched=unmatched(raw, unresolved), report=given.report)
    return found, histories, given.workbook


def plan_drafts(
    raw: RawWorkbook,
    today: dt.date,
    days: int | None = None,
    volunteer: str | None = None,
    library: str | None = None,
) -> tuple[Plan, list[Draft]]:
    """The plan, and the drafts of its writing actions due within ``days`` (as ``followup``).

    The same selection as the follow-up list (overdue actions included, filters by
    volunteer and library); organisations marked do-not-contact never get a draft.
    """
    found, histories, workbook = plan_histories(raw, today)
    due = {
        (item.organisation, item.action)
        for item in followup(found.actions, today, days, volunteer, library)
        if item.action in WRITING_ACTIONS
    }
    out: list[Draft] = []
    for action, history in zip(found.actions, histories, strict=True):
        if (action.organisation, action.action) in due:
            out.extend(drafts_for(action, history, workbook.settings, today))
    return found, out
