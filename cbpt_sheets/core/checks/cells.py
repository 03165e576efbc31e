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
from cbpt_sheets.core.checks.engine import Run, replay_verdicts
from cbpt_sheets.core.checks.findings import did_you_mean, quote
from cbpt_sheets.core.french import format_date
from cbpt_sheets.core.models import SheetData
from cbpt_sheets.core.names import closest, folded
from cbpt_sheets.core.schema import (
    DATA_SHEETS,
    EXACT_LIST_INDEX,
    LIST_INDEX,
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
    if isinstance(value, str) and value in EXACT_LIST_INDEX.get(column.list, ()):
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
        if isinstance(value, str) and value in EXACT_LIST_INDEX[column.list]:
            return
        hit = LIST_INDEX[column.list].get(folded(raw_text))
        if hit is None:
            hint = closest(raw_text, spec.labels(run.raw.lang))
            fields = {"seen": quote(value), "header": header, "did_you_mean": did_you_mean(hint)}
            run.add("not-in-list", sheet, fields, suggestion=hint, **at)
            return
        canonical = spec.by_code(hit[0]).label(run.raw.lang)
        if raw_text == canonical:
            return
    fields = {"seen": quote(value), "entry": canonical}
    run.add("list-spelling", sheet, fields, suggestion=canonical, fix=canonical, **at)


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
    """formula-error, required, the typed cells (through the verdict replay), future-date."""
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
                run.add(
                    "formula-error",
                    sheet,
                    {"error": literal},
                    key=column.key,
                    row=numbers[p],
                    value=literal,
                )
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
