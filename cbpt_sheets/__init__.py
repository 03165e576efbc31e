"""cbpt-sheets: the CBPT libraries' prospecting workbook, checked and turned into next actions.

Public API::

    read_workbook(path) -> Workbook
    check(path, today=None) -> Report
    next_actions(workbook, today) -> list[NextAction]
    followup(actions, today, ...) -> list[FollowUpItem]
    brief(workbook, organisation, today) -> Brief

The layout (arrows point inward: a room imports only the rooms below it)::

    cli/, excel/        front ends: read the caller's input, call one operation, show its result
    operations.py       one function per user action: fingerprint -> read -> compute -> write
    render/             text, JSON, CSV and sheet grids of the core's results
    ooxml/              the .xlsx package: safety, reading, patching, safe writing, the template
    core/               pure: schema, models, values, checks, rules, follow-up, brief, calendar
    errors.py           every exception

The names below are imported from their module on first use (PEP 562), so that
``import cbpt_sheets`` stays cheap and importing a core module never pulls in the
file-reading side; ``__version__`` asks the installed metadata only when read.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cbpt_sheets.core.brief import brief
    from cbpt_sheets.core.followup import followup
    from cbpt_sheets.core.models import (
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
    from cbpt_sheets.core.rules import next_actions
    from cbpt_sheets.errors import CbptError, UnreadableWorkbook, WorkbookChanged, WorkbookLocked
    from cbpt_sheets.ooxml.reader import read_raw, read_workbook
    from cbpt_sheets.operations import check

    __version__: str

_PUBLIC = {
    "check": "cbpt_sheets.operations",
    "brief": "cbpt_sheets.core.brief",
    "followup": "cbpt_sheets.core.followup",
    "next_actions": "cbpt_sheets.core.rules",
    "Appointment": "cbpt_sheets.core.models",
    "Contact": "cbpt_sheets.core.models",
    "Finding": "cbpt_sheets.core.models",
    "FollowUpItem": "cbpt_sheets.core.models",
    "NextAction": "cbpt_sheets.core.models",
    "Organisation": "cbpt_sheets.core.models",
    "Report": "cbpt_sheets.core.models",
    "Settings": "cbpt_sheets.core.models",
    "Workbook": "cbpt_sheets.core.models",
    "CbptError": "cbpt_sheets.errors",
    "UnreadableWorkbook": "cbpt_sheets.errors",
    "WorkbookChanged": "cbpt_sheets.errors",
    "WorkbookLocked": "cbpt_sheets.errors",
    "read_raw": "cbpt_sheets.ooxml.reader",
    "read_workbook": "cbpt_sheets.ooxml.reader",
}


def version() -> str:
    """The installed version of cbpt-sheets ("0.0.0" when run from a source tree)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("cbpt-sheets")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for."""
    if name == "__version__":
        value: Any = version()
    elif name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


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
