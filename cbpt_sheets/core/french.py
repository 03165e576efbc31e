"""French formatting of dates, times and counts, for every message and label (pure)."""

from __future__ import annotations

import datetime as dt
import re

NNBSP = "\u202f"  # narrow no-break space: French typography's thousands separator


def format_date(day: dt.date | None) -> str:
    """A date the French way, ``03/12/2026``; empty for None."""
    return day.strftime("%d/%m/%Y") if day else ""


def format_time(moment: dt.time | None) -> str:
    """A time the French way (``14h30``, ``9h``); empty for None."""
    if moment is None:
        return ""
    return f"{moment.hour}h{moment.minute:02d}" if moment.minute else f"{moment.hour}h"


def thousands(count: int, sep: str = " ") -> str:
    """A count with its thousands separated the French way (``1 250``; ``sep=NNBSP``: 1\u202f250)."""
    return f"{count:,}".replace(",", sep)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """A French count: 0 and 1 take the singular; thousands separated by a space."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return thousands(count) + " " + word


NBSP = "\u00a0"  # no-break space: French typography's space before : ; ? ! and inside « »
_SPACE_BEFORE = re.compile(r"[ \u202f]+(?=[:;?!»])")
_SPACE_AFTER = re.compile(r"(?<=«)[ \u202f]+")


def typo(text: str) -> str:
    """French typography of a message: the ordinary space before ``: ; ? !`` and inside
    ``« »`` becomes a no-break space (U+00A0), so that a line never starts with « : ».

    Only spaces already there are changed (``word:`` stays as it is); the text is
    returned unchanged when it has nothing to fix.
    """
    if " " not in text and "\u202f" not in text:
        return text
    return _SPACE_AFTER.sub(NBSP, _SPACE_BEFORE.sub(NBSP, text))


def has_loose_space(text: str) -> bool:
    """Whether a text has an ordinary space where French typography wants a no-break one."""
    return typo(text) != text
