"""A1 cell references: column letters and numbers, ``F12`` split and joined (pure)."""

from __future__ import annotations

import re

MAX_ROW = 1_048_576  # Excel's last row
MAX_COLUMN = 16_384  # Excel's last column (XFD)
_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_PLAIN = re.compile(r"[A-Z]{1,3}[0-9]+")


def column_letter(index: int) -> str:
    """The A1 letters of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    """The 1-based column number of A1 letters, in either case (A -> 1, AA -> 27)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def split_ref(ref: str) -> tuple[int, int]:
    """(row, 1-based column) of an A1 reference such as ``F12`` or ``$F$12``; ValueError otherwise."""
    m = _A1.match(ref.strip())
    if m is None or int(m[2]) < 1 or column_number(m[1]) > MAX_COLUMN or int(m[2]) > MAX_ROW:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    return int(m[2]), column_number(m[1])


def parse_ref(ref: str) -> tuple[int, int] | None:
    """(row, 1-based column) of a plain upper-case reference such as ``F12``, or None."""
    if _PLAIN.fullmatch(ref) is None:
        return None
    try:
        return split_ref(ref)
    except ValueError:
        return None
