"""The cell checks of checks.md: each cell against its column's type and list.

Each distinct value of a column is checked once (``check_cell``); the engine replays
its findings on every cell holding it.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from cbpt_sheets.core import values as v
from cbpt_sheets.core.a1 import split_ref
from cbpt_sheets.core.calendar import (
    WEEKDAYS_FR,
    add_working_days,
    holiday_name,
    is_working_day,
    weekday_fr,
)
from cbpt_sheets.core.checks.engine import Run, replay_verdicts
from cbpt_sheets.core.checks.findings import did_you_mean, quote
from cbpt_sheets.core.french import format_date
from cbpt_sheets.core.models import SheetData
from cbpt_sheets.core.names import closest, list_reading
from cbpt_sheets.core.schema import (
    DATA_SHEETS,
    EXACT_LABELS,
    FORMULA_NO_VALUE,
    LISTS,
    ColType,
    Column,
    fold,
)


@lru_cache(maxsize=65_536)
def phone_of(value: Any) -> str | None:
    """A phone cell written the French way, or None when it is not a valid number."""
    return v.phone(value)


# A plain ASCII address that email_validator always accepts: dot-atom local part of
# common characters, hostname labels without "--" (no IDNA), a letters-only TLD that is
# not special-use, within the RFC lengths. Anything else goes to email_validator
# (tests/test_email_fastpath.py compares both on tricky addresses).
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63})"
)
_SPECIAL_TLDS = frozenset(("arpa", "invalid", "local", "localhost", "onion", "test"))


def plain_email(address: str) -> bool:
    """True when ``address`` is a plain ASCII address that email_validator accepts as is."""
    m = _PLAIN_EMAIL.fullmatch(address)
    if m is None or len(address) > 254 or "--" in address[address.index("@") :]:
        return False
    return address.index("@") <= 64 and m[1].lower() not in _SPECIAL_TLDS


def plainly_not_email(address: str) -> bool:
    """True when ``address`` cannot be an address: not one "@" between a local part and a
    domain with a dot. email_validator refuses all of these; deciding here spares its
    import (about 25-40 ms of start-up, issue 22) for the usual typing slips ("jean@").
    """
    local, at, domain = address.partition("@")
    return not at or not local or "@" in domain or "." not in domain.strip(".")


@lru_cache(maxsize=65_536)
def email_ok(address: str) -> bool:
    """True for a syntactically valid e-mail address (no network look-up)."""
    if plain_email(address):
        return True
    if plainly_not_email(address):
        return False
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _list_choices(run: Run, column: Column) -> list[str] | None:
    """The labels a list column accepts in the workbook's language (None: not checkable)."""
    assert column.list is not None
    spec = LISTS[column.list]
    if spec.dynamic:
        entries = run.raw.volunteers if column.list == "Benevoles" else run.raw.libraries
        return list(entries) if entries else None
    return spec.labels(run.raw.lang)


def _check_list(run: Run, sheet: SheetData, column: Column, row: int, value: Any) -> None:
    assert column.list is not None
    if isinstance(value, str) and value in EXACT_LABELS[run.raw.lang].get(column.list, ()):
        return
    raw_text = v.text(value) or ""
    header = sheet.headers[sheet.columns[column.key]]
    spec = LISTS[column.list]
    at = {"key": column.key, "row": row, "value": value}
    if spec.dynamic:
        choices = _list_choices(run, column)
        if choices is None or raw_text in choices:
            return
        by_fold = {fold(c): c for c in choices}
        canonical = by_fold.get(fold(raw_text))
        if canonical is None:
            hint = closest(raw_text, choices)
            where = "Bénévoles" if column.list == "Benevoles" else "Bibliothèques"
            fields = {"seen": quote(value), "where": where, "did_you_mean": did_you_mean(hint)}
            run.add("not-in-list", sheet, fields, "settings-list", suggestion=hint, **at)
            return
    else:
        reading = list_reading(column.list, raw_text, run.raw.lang)
        if reading.code is None:
            hint = spec.by_code(reading.hint).label(run.raw.lang) if reading.hint else None
            fields = {"seen": quote(value), "header": header, "did_you_mean": did_you_mean(hint)}
            run.add("not-in-list", sheet, fields, suggestion=hint, **at)
            return
        canonical = spec.by_code(reading.code).label(run.raw.lang)
        if raw_text == canonical:
            return
        if reading.kind == "synonym":
            fields = {"seen": quote(value), "entry": canonical}
            run.add("list-synonym", sheet, fields, suggestion=canonical, fix=canonical, **at)
            return
    fields = {"seen": quote(value), "entry": canonical}
    run.add("list-spelling", sheet, fields, suggestion=canonical, fix=canonical, **at)


def weekday_fields(value: Any, day: dt.date, named: int) -> dict[str, str]:
    """The fields of ``invalid-date`` (weekday): a day name that is not the date's weekday."""
    return {
        "seen": quote(value),
        "date": format_date(day),
        "actual": weekday_fr(day),
        "named": WEEKDAYS_FR[named],
    }


def check_yearless(run: Run) -> None:
    """date-without-year for each date typed without a year, as read for its row (readings)."""
    for spec in DATA_SHEETS:
        sheet = run.raw.sheets.get(spec.key)
        if sheet is None:
            continue
        numbers = sheet.numbers
        for key, readings in sheet.yearless.items():
            values = sheet.data[key]
            for p in sorted(readings):
                reading = readings[p]
                value = values[p]
                at = {"key": key, "row": numbers[p], "value": value}
                day = reading.date
                if day is not None:
                    shown = format_date(day)
                    fields = {
                        "seen": quote(value),
                        "date": f"{weekday_fr(day)} {shown}",
                        "why": reading.why,
                    }
                    run.add("date-without-year", sheet, fields, suggestion=shown, fix=day, **at)
                elif reading.candidate is not None and reading.typed.weekday is not None:
                    fields = weekday_fields(value, reading.candidate, reading.typed.weekday)
                    run.add("invalid-date", sheet, fields, "weekday", **at)
                else:
                    run.add("invalid-date", sheet, {"seen": quote(value)}, "no-such-day", **at)


def nearest_working_day(day: dt.date, not_before: dt.date | None = None) -> dt.date:
    """The working day nearest to ``day`` (the later one on a tie), not before ``not_before``."""
    for distance in range(1, 31):
        later = day + dt.timedelta(days=distance)
        if is_working_day(later):
            return later
        earlier = day - dt.timedelta(days=distance)
        if is_working_day(earlier) and (not_before is None or earlier >= not_before):
            return earlier
    return add_working_days(day, 1)


def _when(day: dt.date) -> str:
    """``un dimanche``, ``un jour férié (Noël)``: why nobody works on ``day``."""
    name = holiday_name(day)
    if name is not None:
        return f"un jour férié ({name})"
    return f"un {weekday_fr(day)}"


def check_holidays(run: Run) -> None:
    """holiday-date: a call-back or an appointment to come on a weekend or a public holiday.

    Only dates from today on: a past one has done its harm already. Appointments
    held, cancelled or postponed are left alone.
    """
    today = run.today
    cols = run.columns("calls")
    sheet = run.raw.sheets.get("calls")
    if cols is not None and sheet is not None and "callback_date" in sheet.columns:
        values = cols.values("callback_date")
        dates = cols.dates("date")
        for p, day in enumerate(cols.dates("callback_date")):
            if day is None or day < today or is_working_day(day):
                continue
            called = dates[p]
            lowest = max(today, called) if called is not None else today
            better = format_date(nearest_working_day(day, lowest))
            fields = {"date": format_date(day), "when": _when(day), "suggestion": better}
            at = {"key": "callback_date", "row": cols.numbers[p], "value": values[p]}
            run.add("holiday-date", sheet, fields, suggestion=better, **at)
    cols = run.columns("appointments")
    sheet = run.raw.sheets.get("appointments")
    if cols is not None and sheet is not None:
        values = cols.values("date")
        statuses = cols.codes("status", "Statut")
        given = cols.filled("status")
        for p, day in enumerate(cols.dates("date")):
            if day is None or day < today or is_working_day(day):
                continue
            if given[p] and statuses[p] not in ("proposed", "confirmed"):
                continue
            better = format_date(nearest_working_day(day, today))
            fields = {"date": format_date(day), "when": _when(day), "suggestion": better}
            at = {"key": "date", "row": cols.numbers[p], "value": values[p]}
            run.add("holiday-date", sheet, fields, "appointment", suggestion=better, **at)


def check_cell(run: Run, sheet: SheetData, column: Column, row: int, value: Any) -> None:
    """The findings of one non-blank cell of a typed column (its row is only carried)."""
    kind = column.type
    if kind is ColType.DATE and isinstance(value, (dt.date, dt.datetime)):
        return
    at = {"key": column.key, "row": row, "value": value}
    seen = {"seen": quote(value)}
    if kind is ColType.DATE:
        parsed = v.parse_text_date(value) if isinstance(value, str) else None
        if parsed is not None:
            shown = format_date(parsed)
            fields = {**seen, "date": shown}
            run.add("date-as-text", sheet, fields, suggestion=shown, fix=parsed, **at)
            return
        if v.without_year(value) is not None:
            return  # read for its row: check_yearless reports it
        wrong = v.weekday_mismatch(value) if isinstance(value, str) else None
        if wrong is not None:
            day, named = wrong
            run.add("invalid-date", sheet, weekday_fields(value, day, named), "weekday", **at)
            return
        header = sheet.headers[sheet.columns[column.key]]
        run.add("invalid-date", sheet, {**seen, "header": header}, **at)
    elif kind is ColType.TIME:
        if v.parse_time(value) is None:
            run.add("invalid-time", sheet, seen, **at)
    elif kind is ColType.LIST:
        _check_list(run, sheet, column, row, value)
    elif kind is ColType.PHONE:
        formatted = phone_of(value)
        if formatted is None:
            run.add("invalid-phone", sheet, seen, **at)
            return
        if value != formatted:
            lost = isinstance(value, (int, float))  # a number: the leading zero is gone
            run.add(
                "phone-format",
                sheet,
                {**seen, "phone": formatted},
                "number" if lost else None,
                suggestion=formatted,
                fix=formatted,
                **at,
            )
    elif kind is ColType.EMAIL:
        if not email_ok(v.text(value) or ""):
            run.add("invalid-email", sheet, seen, **at)
    elif kind is ColType.POSTCODE:
        if isinstance(value, str) and re.fullmatch(r"\d{5}", value.strip()):
            return
        restored = v.postcode(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and restored:
            if value >= 10000:
                return  # five digits, stored as a number: readable as is
            if value >= 1000:
                run.add(
                    "invalid-postcode",
                    sheet,
                    {**seen, "postcode": restored},
                    "lost-zero",
                    suggestion=restored,
                    fix=restored,
                    **at,
                )
                return
        digits = re.sub(r"\D", "", v.text(value) or "")
        hint = digits if len(digits) == 5 else None
        fields = {**seen, "did_you_mean": did_you_mean(hint)}
        run.add("invalid-postcode", sheet, fields, suggestion=hint, **at)
    elif kind is ColType.INT and v.parse_int(value) is None:
        run.add("invalid-number", sheet, seen, **at)


def check_cells(run: Run) -> None:
    """formula-error, required, the typed cells (through the verdict replay), future-date.

    Then the dates read for their row: date-without-year, holiday-date.
    """
    check_yearless(run)
    check_holidays(run)
    for spec in DATA_SHEETS:
        sheet = run.raw.sheets.get(spec.key)
        cols = run.columns(spec.key)
        if sheet is None or cols is None:
            continue
        numbers = cols.numbers
        positions = cols.with_data()
        columns = [c for c in spec.columns if not c.computed and c.key in sheet.columns]
        for column in columns:
            for p in sorted(cols.errors(column.key)):
                literal = sheet.cell_errors[p][column.key]
                if literal == FORMULA_NO_VALUE:
                    run.add("formula-no-value", sheet, key=column.key, row=numbers[p])
                    continue
                run.add(
                    "formula-error",
                    sheet,
                    {"error": literal},
                    key=column.key,
                    row=numbers[p],
                    value=literal,
                )
        for ref in sheet.merged:
            first = ref.split(":")[0]
            row, col = split_ref(first)
            run.add("merged-cell", sheet, {"range": ref, "first": first}, index=col - 1, row=row)
            run.items[-1].finding.cell = ref
        for column in columns:
            if not column.required and column.type is ColType.TEXT:
                continue  # optional text: nothing to check but Excel errors
            ckey = column.key
            values = cols.values(ckey)
            if column.required:
                errors = cols.errors(ckey)
                fields = {"header": sheet.headers[sheet.columns[ckey]]}
                for p in positions:
                    if values[p] is None and p not in errors:
                        run.add("required", sheet, fields, key=ckey, row=numbers[p])
            if column.type is not ColType.TEXT:
                replay_verdicts(run, check_cell, sheet, cols, column)
        if spec.key == "calls":
            values = cols.values("date")
            today = run.today
            for p, date in enumerate(cols.dates("date")):
                if date is not None and date > today:
                    run.add(
                        "future-date",
                        sheet,
                        {"date": format_date(date), "today": format_date(today)},
                        key="date",
                        row=numbers[p],
                        value=values[p],
                    )
