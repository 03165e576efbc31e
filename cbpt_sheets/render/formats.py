"""Output documents of the commands: JSON text, and the follow-up list in each --format."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from cbpt_sheets.core.models import FollowUpItem, NextAction
from cbpt_sheets.core.plan import Unmatched
from cbpt_sheets.render import followup_csv, followup_json, followup_text


def json_text(document: Any, pretty: bool) -> str:
    """JSON text: indented for a person, compact (and much faster) for a program."""
    return json.dumps(document, ensure_ascii=False, indent=1 if pretty else None)


def followup_output(
    fmt: str,
    items: Sequence[FollowUpItem],
    today: dt.date,
    subtitle: str,
    gdpr: Sequence[NextAction],
    width: int,
    pretty: bool,
    unmatched: Sequence[Unmatched] = (),
) -> str:
    """The follow-up list as ``followup --format text|json|csv`` prints or saves it."""
    if fmt == "json":
        return json_text(followup_json(items, today, unmatched), pretty) + "\n"
    if fmt == "csv":
        return followup_csv(items)
    return followup_text(items, today, subtitle, width, gdpr, unmatched)
