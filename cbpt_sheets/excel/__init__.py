"""The Excel front ends: the CBPT ribbon's entry points (xlwings) and the add-in build.

The ribbon's VBA calls ``import cbpt_sheets.excel as x; x.verify()`` (and the three
others): these names stay here for every add-in already installed, imported from
``ribbon`` on first use so that building the add-in does not load xlwings' Excel side.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

ENTRY_POINTS = ("verify", "next_actions", "followup_list", "call_brief", "dashboard")


def __getattr__(name: str) -> Any:
    """A ribbon entry point of ``cbpt_sheets.excel.ribbon``."""
    if name not in ENTRY_POINTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module("cbpt_sheets.excel.ribbon"), name)


__all__ = list(ENTRY_POINTS)
