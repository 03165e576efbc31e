"""cbpt-sheets: the CBPT libraries' prospecting workbook, checked and turned into next actions.

Public API::

    read_workbook(path) -> Workbook
    check(path, today=None) -> Report
    next_actions(workbook, today) -> list[NextAction]
    followup(actions, today, ...) -> list[FollowUpItem]
    brief(workbook, organisation, today) -> Brief
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .api import check
from .brief import brief
from .errors import CbptError, UnreadableWorkbook, WorkbookChanged, WorkbookLocked
from .followup import followup
from .models import (
    Appointment,
    Contact,
    Finding,
    FollowUpItem,
    NextAction,
    Organisation,
    Report,
    Settings,
    Workbook,
)
from .reader import read_raw, read_workbook
from .steps import next_actions

try:
    __version__ = version("cbpt-sheets")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Appointment",
    "CbptError",
    "Contact",
    "Finding",
    "FollowUpItem",
    "NextAction",
    "Organisation",
    "Report",
    "Settings",
    "UnreadableWorkbook",
    "Workbook",
    "WorkbookChanged",
    "WorkbookLocked",
    "__version__",
    "brief",
    "check",
    "followup",
    "next_actions",
    "read_raw",
    "read_workbook",
]
