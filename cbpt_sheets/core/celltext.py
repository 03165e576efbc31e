"""The text guard of every cell cbpt-sheets writes, into a file or into Excel.

    limit_utf16(text) -> str     at most 32 767 UTF-16 units (Excel's limit counts units:
                                 an emoji is two), never half of a surrogate pair
    cell_text(text) -> str       a text a cell can hold: XML-illegal characters removed, limited
    excel_literal(value) -> Any  a value set in Excel through its object model: a text Excel
                                 would turn into a formula, a number, a date, a boolean or an
                                 error keeps its leading apostrophe (Excel's "text" prefix,
                                 not shown in the cell)

A file gets texts as inline strings, which are never formulas nor numbers: no
apostrophe is needed there (and none is shown). CSV has its own neutralisation
(``render.safe_cell``), for the spreadsheet that will open it.
"""

from __future__ import annotations

import re
from typing import Any

MAX_UNITS = 32767  # Excel's limit on a cell's text, in UTF-16 code units
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# what Excel's entry parser may convert: formulas (= + - @), a quote prefix, errors (#),
# leading spaces, anything with a digit (numbers, dates, times, fractions, percentages),
# the booleans in English and French
_CONVERTIBLE = re.compile(r"^[=+\-@'#\s]|\d|^(?:true|false|vrai|faux)$", re.IGNORECASE)


def utf16_units(text: str) -> int:
    """The length of ``text`` in UTF-16 code units (a character outside the BMP counts two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def limit_utf16(text: str, units: int = MAX_UNITS) -> str:
    """``text`` cut to ``units`` UTF-16 code units at most, never inside a character."""
    if len(text) * 2 <= units:
        return text
    total = 0
    for i, ch in enumerate(text):
        total += 2 if ord(ch) > 0xFFFF else 1
        if total > units:
            return text[:i]
    return text


def cell_text(text: str) -> str:
    """A text a cell can hold: characters XML cannot carry removed, then limited in UTF-16 units."""
    return limit_utf16(_ILLEGAL.sub("", text))


def excel_literal(value: Any) -> Any:
    """A value to set in Excel: texts it would convert get the apostrophe prefix; limited.

    Non-texts (numbers, dates, booleans, None) are returned unchanged.
    """
    if not isinstance(value, str) or value == "":
        return value
    text = cell_text(value)
    if _CONVERTIBLE.search(text):
        return "'" + limit_utf16(text, MAX_UNITS - 1)
    return text
