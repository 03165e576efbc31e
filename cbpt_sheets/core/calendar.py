"""Working days (no weekends, no French public holidays) and month arithmetic for due dates."""

from __future__ import annotations

import calendar as _stdcalendar
import datetime as dt
from functools import lru_cache

import holidays

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@lru_cache(maxsize=256)
def _holidays_of(year: int) -> frozenset[dt.date]:
    """The French public holidays of one year (cached: the holidays package is slow to build)."""
    return frozenset(holidays.country_holidays("FR", years=year).keys())


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
