"""Typing of cell values: dates in French forms, times, whole numbers, phones, postcodes.

Pure functions shared by the model builder and the checks, so that both agree on
what a cell means.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, overload

import phonenumbers

from cbpt_sheets.core.french import format_date
from cbpt_sheets.core.schema import fold

CellValue = Any  # str | int | float | bool | date | datetime | time | None

_MONTHS = {
    "janv": 1, "jan": 1, "janvier": 1, "fevr": 2, "fev": 2, "fevrier": 2, "feb": 2,
    "mars": 3, "mar": 3, "avr": 4, "avril": 4, "apr": 4, "mai": 5, "may": 5,
    "juin": 6, "jun": 6, "juil": 7, "juill": 7, "juillet": 7, "jul": 7, "aout": 8,
    "aou": 8, "aug": 8, "sept": 9, "sep": 9, "septembre": 9, "oct": 10, "octobre": 10,
    "nov": 11, "novembre": 11, "dec": 12, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
_WEEKDAYS = {
    "lundi": 0, "lun": 0, "mardi": 1, "mar": 1, "mercredi": 2, "mer": 2, "merc": 2,
    "jeudi": 3, "jeu": 3, "vendredi": 4, "ven": 4, "vend": 4, "samedi": 5, "sam": 5,
    "dimanche": 6, "dim": 6,
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
"""Day names and their usual abbreviations (folded), French and English -> Monday = 0."""
# "le 18/11", "lundi 16/11", "lun. 16 nov.", "lundi, le 16 novembre 2026": a day name
# (or any word before a date with its year, as before) and "le" may come first.
_PREFIX = r"^(?:le\s+)?(?:(?P<word>[a-z]+)\.?,?\s+)?(?:le\s+)?"
_NUMERIC_DATE = re.compile(
    _PREFIX + r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})(?:[/.\-](?P<y>\d{2}|\d{4}))?$"
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_WORD_DATE = re.compile(
    _PREFIX + r"(?P<d>\d{1,2})(?:er)?\s+(?P<m>[a-z]+)\.?(?:\s+(?P<y>\d{2}|\d{4}))?$"
)
_TIME = re.compile(r"^(\d{1,2})\s*[h:]\s*(\d{2})?(?::(\d{2}))?$")
_DIGITS5 = re.compile(r"^\d{5}$")


@overload
def map_distinct(
    function: Callable[[CellValue], Any], cells: list[CellValue], same: Literal[False] = False
) -> list[Any]: ...
@overload
def map_distinct(
    function: Callable[[CellValue], Any], cells: list[CellValue], same: Literal[True]
) -> list[Any] | None: ...
def map_distinct(
    function: Callable[[CellValue], Any], cells: list[CellValue], same: bool = False
) -> list[Any] | None:
    """``[function(x) for x in cells]``, calling ``function`` once per distinct value.

    A column of a network workbook repeats the same few hundred dates, labels and
    names over 100k rows. Cells are told apart by value, so a column holding both
    a boolean and a number (``True == 1``) is mapped cell by cell instead.
    ``same``: return None when ``function`` gives back every value itself (the
    cells need no change: text already stripped, say), sparing the mapping.
    """
    try:
        distinct = dict.fromkeys(cells)
    except TypeError:  # an unhashable value (never from a file): cell by cell
        return [function(x) for x in cells]
    if (True in distinct or False in distinct) and bool_and_number(cells):
        return [function(x) for x in cells]
    memo = {x: function(x) for x in distinct}
    if same and all(y is x for x, y in memo.items()):
        return None
    return list(map(memo.__getitem__, cells))


def bool_and_number(cells: list[CellValue]) -> bool:
    """True when the cells hold a boolean and a number equal to it (``True == 1``)."""
    kinds = {
        x.__class__
        for x in cells
        if x is not None and x.__class__ is not str and (x == 0 or x == 1)
    }
    return bool in kinds and len(kinds) > 1


def is_blank(value: CellValue) -> bool:
    """True for an empty cell (None or only spaces)."""
    if value is None:
        return True
    if value.__class__ is str:  # str.isspace is what str.strip() strips
        return not value or value.isspace()
    return isinstance(value, str) and not value.strip()


def text(value: CellValue) -> str | None:
    """A cell as stripped text, None when blank; whole-number floats lose their ``.0``."""
    if value.__class__ is str:  # the common case first: called for most cells of a workbook
        stripped: str = value.strip()
        return stripped or None
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return format_date(value)
        return f"{format_date(value)} {value:%H:%M}"
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value).strip()


def _year(y: str) -> int:
    return 2000 + int(y) if len(y) == 2 else int(y)


@dataclass(frozen=True)
class TextDate:
    """A date as typed in text: its day and month, its year when given, its day name's weekday.

    ``weekday``: Monday = 0 ... Sunday = 6 when a day name was typed (``lundi 16 nov``).
    """

    day: int
    month: int
    year: int | None = None
    weekday: int | None = None

    def on(self, year: int) -> dt.date | None:
        """This day and month in ``year`` (None when it does not exist: 29/02, 31/04)."""
        try:
            return dt.date(year, self.month, self.day)
        except ValueError:
            return None

    def agrees(self, day: dt.date) -> bool:
        """Whether the typed day name (if any) is the weekday of ``day``."""
        return self.weekday is None or self.weekday == day.weekday()


@functools.lru_cache(maxsize=8192)
def read_text_date(value: str) -> TextDate | None:
    """What a text date says: ``03/12/2026``, ``3 déc. 2026``, ``5/11``, ``lundi 16 nov``.

    None when the text is not a date; a day or month out of range is None too. The
    day name is kept (not checked here: a date without a year has no weekday yet).
    """
    s = fold(value)
    if m := _ISO_DATE.match(s):
        return TextDate(int(m[3]), int(m[2]), int(m[1]))
    m = _NUMERIC_DATE.match(s)
    if m is not None:
        month: int | None = int(m["m"])
    elif (m := _WORD_DATE.match(s)) is not None:
        month = _MONTHS.get(m["m"])
    else:
        return None
    if month is None or not 1 <= month <= 12 or not 1 <= int(m["d"]) <= 31:
        return None
    word = m["word"]
    weekday = _WEEKDAYS.get(word) if word else None
    year = _year(m["y"]) if m["y"] else None
    if word and weekday is None and (year is None or m.re is _NUMERIC_DATE):
        return None  # "avant 5/11": only a day name may come before a yearless date
    found = TextDate(int(m["d"]), month, year, weekday)
    if year is not None and found.on(year) is None:
        return None
    return found


def parse_text_date(value: str) -> dt.date | None:
    """A date typed as text with its year: ``03/12/2026``, ``3/12/26``, ``3 déc. 2026``, ``2026-12-03``.

    None for a date without a year (see ``read_text_date``) and for a day name that is
    not the date's weekday (``mardi 3 déc. 2026``, a Thursday).
    """
    found = read_text_date(value)
    if found is None or found.year is None:
        return None
    day = found.on(found.year)
    return day if day is not None and found.agrees(day) else None


def weekday_mismatch(value: str) -> tuple[dt.date, int] | None:
    """(the date, the weekday typed) for a full text date whose day name is wrong, else None."""
    found = read_text_date(value)
    if found is None or found.year is None or found.weekday is None:
        return None
    day = found.on(found.year)
    return (day, found.weekday) if day is not None and not found.agrees(day) else None


def without_year(value: Any) -> TextDate | None:
    """The day and month of a text date typed without its year (``5/11``, ``lundi 16 nov``)."""
    if not isinstance(value, str):
        return None
    found = read_text_date(value)
    return found if found is not None and found.year is None else None


def latest_on_or_before(found: TextDate, reference: dt.date) -> dt.date | None:
    """The latest date with this day and month not after ``reference``."""
    for year in range(reference.year, reference.year - 9, -1):
        day = found.on(year)
        if day is not None and day <= reference:
            return day
    return None


def first_on_or_after(found: TextDate, reference: dt.date) -> dt.date | None:
    """The first date with this day and month on or after ``reference``."""
    for year in range(reference.year, reference.year + 9):
        day = found.on(year)
        if day is not None and day >= reference:
            return day
    return None


def nearest_to(found: TextDate, reference: dt.date) -> dt.date | None:
    """The date with this day and month nearest to ``reference`` (the later one on a tie)."""
    before = latest_on_or_before(found, reference)
    after = first_on_or_after(found, reference)
    if before is None or after is None:
        return after or before
    return before if (reference - before) < (after - reference) else after


def as_date(value: CellValue) -> dt.date | None:
    """A real date cell (date or midnight datetime) as a date, else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def parse_date(value: CellValue) -> dt.date | None:
    """A date cell, or a text date that can be read, as a date; None otherwise."""
    if value.__class__ is dt.datetime:  # what calamine gives for a date cell
        return value.date()  # type: ignore[no-any-return]
    real = as_date(value)
    if real is not None:
        return real
    if isinstance(value, str):
        return parse_text_date(value)
    return None


def parse_time(value: CellValue) -> dt.time | None:
    """A time cell, a fraction of a day, or text like ``14h30`` / ``14:30``; None otherwise."""
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1:
        seconds = round(float(value) * 86400)
        return dt.time(seconds // 3600, (seconds // 60) % 60, seconds % 60)
    if isinstance(value, str):
        m = _TIME.match(value.strip().lower())
        if m:
            h, mi, se = int(m[1]), int(m[2] or 0), int(m[3] or 0)
            if h < 24 and mi < 60 and se < 60:
                return dt.time(h, mi, se)
    return None


def parse_int(value: CellValue) -> int | None:
    """A whole number >= 0 (a whole float or digits as text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    if isinstance(value, str):
        s = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        return int(s) if s.isascii() and s.isdigit() else None  # "²".isdigit() is True
    return None


# "0X XX XX XX XX" with spaces, dots, dashes or nothing between pairs: phonenumbers.parse
# gives exactly PhoneNumber(33, the nine digits after the 0) for these (checked in
# tests/test_benchmarks.py), so the common case skips the general parser.
_OTHER_SPACES = re.compile(r"[^\S ]|[\u180e\u200b-\u200d\u2060\ufeff]")
_FRENCH_NATIONAL = re.compile(r"^0([1-9])[ .\-]?(\d\d)[ .\-]?(\d\d)[ .\-]?(\d\d)[ .\-]?(\d\d)$")


@functools.cache
def _french_validity() -> Callable[[str], bool] | None:
    """``is_valid_number`` for a nine-digit French national number, as two regex matches.

    phonenumbers calls a French number valid when it fits the general pattern of FR
    and the pattern of at least one number type (fixed line, mobile, toll free...);
    both patterns are built here from phonenumbers' own metadata. None (use
    phonenumbers itself) when +33 is not FR alone. Compared with is_valid_number on
    every five-digit prefix in tests/test_phone_fastpath.py.
    """
    if tuple(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(33, ())) != ("FR",):
        return None
    meta = phonenumbers.PhoneMetadata.metadata_for_region("FR")
    if meta is None:
        return None

    def pattern(desc: Any) -> str | None:
        """The desc's pattern when it can match nine digits (the length test of phonenumbers)."""
        if desc is None or not desc.national_number_pattern:
            return None
        if desc.possible_length and 9 not in desc.possible_length:
            return None
        return str(desc.national_number_pattern)

    general = pattern(meta.general_desc)
    kinds = [
        meta.premium_rate, meta.toll_free, meta.shared_cost, meta.voip, meta.personal_number,
        meta.pager, meta.uan, meta.voicemail, meta.fixed_line, meta.mobile,
    ]  # fmt: skip
    typed = [p for p in map(pattern, kinds) if p is not None]
    if general is None or not typed:
        return lambda nsn: False
    whole = re.compile(f"(?:{general})")
    any_kind = re.compile("|".join(f"(?:{p})" for p in typed))
    return lambda nsn: whole.fullmatch(nsn) is not None and any_kind.fullmatch(nsn) is not None


def parse_phone(value: CellValue) -> phonenumbers.PhoneNumber | None:
    """A valid French phone number (``+33``, ``0033``, dots, spaces, dashes accepted), or None."""
    raw = text(value)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isprintable()):  # every space (U+00A0, U+202F, tab) is one
        raw = _OTHER_SPACES.sub(" ", raw).strip()
    if isinstance(value, (int, float)) and len(raw) == 9:
        raw = "0" + raw  # a number typed as a number lost its leading zero
    if m := _FRENCH_NATIONAL.match(raw):
        nsn = "".join(m.groups())
        number = phonenumbers.PhoneNumber(country_code=33, national_number=int(nsn))
        valid = _french_validity()
        if valid is not None:
            return number if valid(nsn) else None
        return number if phonenumbers.is_valid_number(number) else None
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return number


def format_phone(number: phonenumbers.PhoneNumber) -> str:
    """The French way of writing a number: ``01 23 45 67 89`` (international abroad)."""
    nsn = number.national_number
    if (
        number.country_code == 33
        and nsn is not None
        and not number.extension
        and not number.italian_leading_zero
        and 100_000_000 <= nsn < 1_000_000_000
        and nsn // 100_000_000 != 8  # 08 numbers are written 0 8XX XX XX XX
    ):
        n = str(nsn)
        return f"0{n[0]} {n[1:3]} {n[3:5]} {n[5:7]} {n[7:9]}"
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone(value: CellValue) -> str | None:
    """The phone number of a cell, written the French way, or None if absent or invalid."""
    if value.__class__ is str and value.isascii() and (m := _FRENCH_NATIONAL.match(value.strip())):
        # the common case, without building a PhoneNumber: what format_phone writes
        nsn = "".join(m.groups())
        valid = _french_validity()
        if valid is not None and nsn[0] != "8":
            return f"0{nsn[0]} {nsn[1:3]} {nsn[3:5]} {nsn[5:7]} {nsn[7:9]}" if valid(nsn) else None
    number = parse_phone(value)
    return format_phone(number) if number is not None else None


def postcode(value: CellValue) -> str | None:
    """A 5-digit postcode as text (restoring a lost leading zero), or None if not one."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 0 <= value < 100000:
            return f"{int(value):05d}"
        return None
    raw = text(value)
    if raw is not None and _DIGITS5.match(raw):
        return raw
    return None
