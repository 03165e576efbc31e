"""cbpt-sheets: the CBPT libraries' prospecting workbook, checked and turned into next actions.

Public API::

    read_workbook(path) -> Workbook
    check(path, today=None) -> Report
    next_actions(workbook, today) -> list[NextAction]
    followup(actions, today, ...) -> list[FollowUpItem]
    brief(workbook, organisation, today) -> Brief
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

    __version__: str

# The public names, imported on first use: a command pays only for what it runs.
_LAZY = {
    "check": "api",
    "CbptError": "errors",
    "UnreadableWorkbook": "errors",
    "WorkbookChanged": "errors",
    "WorkbookLocked": "errors",
    "Appointment": "models",
    "Contact": "models",
    "Finding": "models",
    "FollowUpItem": "models",
    "NextAction": "models",
    "Organisation": "models",
    "Report": "models",
    "Settings": "models",
    "Workbook": "models",
    "read_raw": "reader",
    "read_workbook": "reader",
    "next_actions": "steps",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("cbpt-sheets")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            found = "0.0.0"
        globals()["__version__"] = found
        return found
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """The package, whose ``brief`` and ``followup`` stay the functions of the same name.

    Importing the submodules ``brief``/``followup`` binds them on the package; these
    properties keep the public functions in their place, as the eager imports did.
    """

    @property
    def brief(self) -> Callable[..., Any]:
        """``cbpt_sheets.brief.brief``."""
        return import_module(".brief", __name__).brief  # type: ignore[no-any-return]

    @brief.setter
    def brief(self, _module: Any) -> None:
        """The import system binding the submodule: the function stays."""

    @property
    def followup(self) -> Callable[..., Any]:
        """``cbpt_sheets.followup.followup``."""
        return import_module(".followup", __name__).followup  # type: ignore[no-any-return]

    @followup.setter
    def followup(self, _module: Any) -> None:
        """The import system binding the submodule: the function stays."""


sys.modules[__name__].__class__ = _Package


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
