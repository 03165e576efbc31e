"""Working days (no weekends, no French public holidays) and month arithmetic for due dates."""

from __future__ import annotations

import calendar as _stdcalendar
import datetime as dt
from functools import lru_cache

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


MODERN_RULES_FROM = 1982  # 8 mai public again; the rules below hold from then on


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous Gregorian computus, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


FIXED_HOLIDAYS = (
    (1, 1, "Jour de l'an"),
    (5, 1, "Fête du Travail"),
    (5, 8, "Fête de la Victoire"),
    (7, 14, "Fête nationale"),
    (8, 15, "Assomption"),
    (11, 1, "Toussaint"),
    (11, 11, "Armistice"),
    (12, 25, "Noël"),
)
EASTER_HOLIDAYS = ((1, "Lundi de Pâques"), (39, "Ascension"), (50, "Lundi de Pentecôte"))
"""Days after Easter Sunday, and names (the ``holidays`` package's French names)."""


@lru_cache(maxsize=256)
def french_holiday_names(year: int) -> dict[dt.date, str]:
    """The 11 national public holidays of metropolitan France in ``year`` (1982 and later),
    with their French names.

    Lundi de Pentecôte is left out in 2005-2007, when it was the « journée de solidarité »
    in every workplace (as the ``holidays`` package does; tests/test_calendar.py checks
    dates and names against it year by year). Raises ValueError before 1982.
    """
    if year < MODERN_RULES_FROM:
        raise ValueError(f"rules known from {MODERN_RULES_FROM}: {year}")
    easter = easter_sunday(year)
    days = {dt.date(year, m, d): name for m, d, name in FIXED_HOLIDAYS}
    for after, name in EASTER_HOLIDAYS:
        if after == 50 and 2005 <= year <= 2007:
            continue
        day = easter + dt.timedelta(days=after)
        # two holidays on one day (Ascension on 8 May): both names, as the package gives them
        days[day] = "; ".join(sorted({*days[day].split("; "), name})) if day in days else name
    return dict(sorted(days.items()))


def french_public_holidays(year: int) -> frozenset[dt.date]:
    """The dates of ``french_holiday_names`` (1982 and later; ValueError before)."""
    return frozenset(french_holiday_names(year))


@lru_cache(maxsize=256)
def _holidays_of(year: int) -> frozenset[dt.date]:
    """The French public holidays of one year.

    Computed here from 1982 on: ``holidays.country_holidays("FR")`` (and even importing
    ``holidays.countries.france``) loads every country, about 60-150 ms of start-up that
    every command paid (issue 22, ``python -X importtime``). Older years, which no due
    date reaches, still ask the package.
    """
    if year >= MODERN_RULES_FROM:
        return french_public_holidays(year)
    import holidays

    return frozenset(holidays.country_holidays("FR", years=year).keys())


@lru_cache(maxsize=64)
def _holiday_names(year: int) -> dict[dt.date, str]:
    """The French public holidays of one year with their names (the package before 1982)."""
    if year >= MODERN_RULES_FROM:
        return french_holiday_names(year)
    import holidays

    return dict(holidays.country_holidays("FR", years=year, language="fr").items())


def holiday_name(day: dt.date) -> str | None:
    """The French name of the public holiday on ``day`` (``Noël``), None on another day."""
    if not is_holiday(day):
        return None
    return _holiday_names(day.year).get(day)


def is_holiday(day: dt.date) -> bool:
    """True on a French public holiday (1er janvier, 1er mai, 14 juillet, 11 novembre, Noël…)."""
    return day in _holidays_of(day.year)


def is_working_day(day: dt.date) -> bool:
    """True from Monday to Friday when the day is not a French public holiday."""
    return day.weekday() < 5 and not is_holiday(day)


def add_working_days(day: dt.date, k: int) -> dt.date:
    """The date k working days after ``day`` (before it when k < 0); ``day`` itself when k = 0."""
    step = 1 if k >= 0 else -1
    remaining = abs(k)
    current = day
    while remaining:
        current += dt.timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
    return current


def subtract_working_days(day: dt.date, k: int) -> dt.date:
    """The date k working days before ``day``."""
    return add_working_days(day, -k)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months later, clamped to the end of a shorter month (31/01 + 1 -> 28/02)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = _stdcalendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def weekday_fr(day: dt.date) -> str:
    """The French name of the day of the week (``mardi``)."""
    return WEEKDAYS_FR[day.weekday()]


def holidays_of(year: int) -> frozenset[dt.date]:
    """The French public holidays of one year (cached)."""
    return _holidays_of(year)
