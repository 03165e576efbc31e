"""Working days skip weekends and French public holidays; months clamp the day."""

from __future__ import annotations

import datetime as dt

import pytest

from cbpt_sheets.core.calendar import (
    add_months,
    add_working_days,
    is_working_day,
    subtract_working_days,
    weekday_fr,
)


def test_weekend_is_not_a_working_day() -> None:
    assert not is_working_day(dt.date(2026, 11, 28))  # samedi
    assert not is_working_day(dt.date(2026, 11, 29))  # dimanche
    assert is_working_day(dt.date(2026, 11, 30))


@pytest.mark.parametrize(
    "day",
    [dt.date(2026, 11, 11), dt.date(2026, 12, 25), dt.date(2027, 1, 1), dt.date(2026, 7, 14)],
)
def test_french_public_holidays_are_not_working_days(day: dt.date) -> None:
    assert not is_working_day(day)


@pytest.mark.parametrize(
    ("start", "k", "expected"),
    [
        (dt.date(2026, 11, 27), 1, dt.date(2026, 11, 30)),  # vendredi -> lundi
        (dt.date(2026, 11, 10), 1, dt.date(2026, 11, 12)),  # 11 novembre sauté
        (dt.date(2026, 12, 24), 2, dt.date(2026, 12, 29)),  # Noël et le week-end sautés
        (dt.date(2026, 12, 31), 1, dt.date(2027, 1, 4)),  # 1er janvier et le week-end
        (dt.date(2026, 12, 1), 0, dt.date(2026, 12, 1)),
    ],
)
def test_add_working_days(start: dt.date, k: int, expected: dt.date) -> None:
    assert add_working_days(start, k) == expected


def test_subtract_working_days_crosses_weekend_and_holiday() -> None:
    assert subtract_working_days(dt.date(2026, 11, 30), 1) == dt.date(2026, 11, 27)
    assert subtract_working_days(dt.date(2026, 11, 12), 1) == dt.date(2026, 11, 10)
    assert subtract_working_days(dt.date(2026, 12, 28), 1) == dt.date(2026, 12, 24)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 11, 28), 12, dt.date(2027, 11, 28)),
        (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
        (dt.date(2026, 12, 1), -36, dt.date(2023, 12, 1)),
    ],
)
def test_add_months_clamps_the_day(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_weekday_in_french() -> None:
    assert weekday_fr(dt.date(2026, 12, 1)) == "mardi"


def test_french_holidays_match_the_holidays_package_year_by_year() -> None:
    import holidays

    from cbpt_sheets.core.calendar import (
        MODERN_RULES_FROM,
        french_holiday_names,
        french_public_holidays,
    )

    for year in range(MODERN_RULES_FROM, 2101):
        expected = frozenset(holidays.country_holidays("FR", years=year).keys())
        assert french_public_holidays(year) == expected, year
        named = dict(holidays.country_holidays("FR", years=year, language="fr").items())
        assert french_holiday_names(year) == named, year


def test_easter_and_its_mondays_2026() -> None:
    from cbpt_sheets.core.calendar import easter_sunday

    assert easter_sunday(2026) == dt.date(2026, 4, 5)
    assert not is_working_day(dt.date(2026, 4, 6))  # lundi de Pâques
    assert not is_working_day(dt.date(2026, 5, 14))  # Ascension
    assert not is_working_day(dt.date(2026, 5, 25))  # lundi de Pentecôte
    assert is_working_day(dt.date(2006, 6, 5))  # journée de solidarité


def test_years_before_1982_still_come_from_the_holidays_package() -> None:
    assert is_working_day(dt.date(1970, 5, 8))  # not a holiday then
    assert not is_working_day(dt.date(1970, 11, 11))


def test_commands_do_not_import_holidays_or_metadata() -> None:
    import subprocess
    import sys

    code = (
        "import sys, datetime as dt\n"
        "from cbpt_sheets.core.calendar import add_working_days\n"
        "import cbpt_sheets.cli\n"
        "add_working_days(dt.date(2026, 12, 24), 3)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('holidays', 'importlib.metadata'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
