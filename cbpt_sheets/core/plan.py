"""The plan of a workbook: every organisation's next action, and what the plan could not use.

``plan(raw, today)`` is what every front end asks for (through ``operations``): it
builds the typed workbook from the raw rows and runs the rules of next-actions.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cbpt_sheets.core import dataset
from cbpt_sheets.core.models import NextAction, RawWorkbook
from cbpt_sheets.core.rules import next_actions


@dataclass
class Plan:
    """The next actions of a workbook (one per organisation, in sheet order)."""

    actions: list[NextAction]
    unmatched: list[dict[str, object]] = field(default_factory=list)


def plan(raw: RawWorkbook, today: dt.date) -> Plan:
    """The plan of a raw workbook on ``today``."""
    return Plan(actions=next_actions(dataset.build(raw), today))
