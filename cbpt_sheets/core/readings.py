"""Dates typed without a year (``5/11``, ``le 18/11``, ``lundi 16 nov``), read for a day (pure).

A date without a year gets its year from what its column means (checks.md,
``date-without-year``):

- a contact's Date (Appels): the latest such day not after today (a contact is
  noted once made);
- Rappeler le: the first such day on or after the contact's Date (today when the
  Date cannot be read);
- an appointment's Date (Rendez-vous): the first such day on or after the date of
  the organisation's latest « Entretien – RDV fixé » contact (else of its latest
  contact); with no contact at all, the such day nearest to today.

A day name typed with the date (``lundi 16 nov``) must be that date's weekday:
otherwise the cell has no reading (an ``invalid-date`` error says why).

``read_yearless(raw, today)`` records the readings on each ``SheetData.yearless``;
the checks report them and the model builder (``dataset.build``) uses them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cbpt_sheets.core import values as v
from cbpt_sheets.core.french import format_date
from cbpt_sheets.core.models import RawWorkbook, SheetData
from cbpt_sheets.core.names import name_key
from cbpt_sheets.core.schema import list_code


@dataclass(frozen=True)
class YearlessDate:
    """How a date typed without a year is read.

    ``date``: the day read, None when the day name typed is not its weekday (or when
    the day exists in no year near, 31/02); ``candidate``: the day the column's rule
    gives, before the day name is checked; ``why``: how the year was chosen, in French.
    """

    typed: v.TextDate
    candidate: dt.date | None
    why: str

    @property
    def date(self) -> dt.date | None:
        if self.candidate is None or not self.typed.agrees(self.candidate):
            return None
        return self.candidate


def _text_date(value: Any) -> dt.date | None:
    """A cell's date when it has its year (real date or text), else None."""
    return v.parse_date(value)


def _reading(found: v.TextDate, day: dt.date | None, why: str) -> YearlessDate:
    return YearlessDate(found, day, why)


def _contact_dates(sheet: SheetData, today: dt.date) -> list[dt.date | None]:
    """Each contact's Date, a yearless one read (the latest such day not after today)."""
    column = sheet.data.get("date")
    if column is None:
        return [None] * len(sheet.numbers)
    out: list[dt.date | None] = []
    readings: dict[int, YearlessDate] = {}
    memo: dict[Any, dt.date | YearlessDate | None] = {}  # cell values from a file are hashable
    for p, value in enumerate(column):
        if value is None or "date" in sheet.cell_errors.get(p, {}):
            out.append(None)
            continue
        if value in memo:
            hit = memo[value]
        else:
            found = v.without_year(value)
            if found is not None:
                day = v.latest_on_or_before(found, today)
                hit = _reading(found, day, "la plus récente jusqu'à aujourd'hui")
            else:
                hit = _text_date(value)
            memo[value] = hit
        if isinstance(hit, YearlessDate):
            readings[p] = hit
            out.append(hit.date)
        else:
            out.append(hit)
    if readings:
        sheet.yearless["date"] = readings
    return out


def _callbacks(sheet: SheetData, dates: list[dt.date | None], today: dt.date) -> None:
    """Rappeler le: the first such day on or after the contact's Date (today without one)."""
    column = sheet.data.get("callback_date")
    if column is None:
        return
    readings: dict[int, YearlessDate] = {}
    for p, value in enumerate(column):
        found = v.without_year(value) if value.__class__ is str else None
        if found is None or "callback_date" in sheet.cell_errors.get(p, {}):
            continue
        date = dates[p]
        if date is not None:
            why = f"la première à partir de l'appel du {format_date(date)}"
        else:
            date, why = today, "la première à partir d'aujourd'hui, l'appel n'ayant pas de date"
        readings[p] = _reading(found, v.first_on_or_after(found, date), why)
    if readings:
        sheet.yearless["callback_date"] = readings


def _meeting_references(
    sheet: SheetData | None, dates: list[dt.date | None], wanted: set[str]
) -> dict[str, dt.date]:
    """The organisations ``wanted`` (``name_key``) -> the date their appointments are read from."""
    if sheet is None or "organisation" not in sheet.data:
        return {}
    latest: dict[str, dt.date] = {}
    meeting: dict[str, dt.date] = {}
    outcomes = sheet.data.get("outcome") or [None] * len(sheet.numbers)
    for name, date, outcome in zip(sheet.data["organisation"], dates, outcomes, strict=True):
        if date is None:
            continue
        text = v.text(name)
        if text is None or (key := name_key(text)) not in wanted:
            continue
        if date > latest.get(key, dt.date.min):
            latest[key] = date
        label = v.text(outcome)
        meeting_set = label is not None and list_code("Resultat", label) == "meeting-set"
        if meeting_set and date > meeting.get(key, dt.date.min):
            meeting[key] = date
    return {**latest, **meeting}


def _appointments(
    sheet: SheetData, calls: SheetData | None, dates: list[dt.date | None], today: dt.date
) -> None:
    column = sheet.data.get("date")
    if column is None:
        return
    names = sheet.data.get("organisation") or [None] * len(sheet.numbers)
    typed: list[tuple[int, v.TextDate, str | None]] = []
    for p, (value, name) in enumerate(zip(column, names, strict=True)):
        found = v.without_year(value) if value.__class__ is str else None
        if found is None or "date" in sheet.cell_errors.get(p, {}):
            continue
        text = v.text(name)
        typed.append((p, found, name_key(text) if text else None))
    if not typed:
        return
    wanted = {key for _, _, key in typed if key}
    references = _meeting_references(calls, dates, wanted)
    readings: dict[int, YearlessDate] = {}
    for p, found, key in typed:
        reference = references.get(key) if key else None
        if reference is not None:
            why = f"la première à partir du contact du {format_date(reference)}"
            readings[p] = _reading(found, v.first_on_or_after(found, reference), why)
        else:
            why = "la plus proche d'aujourd'hui, faute de contact daté avec l'organisation"
            readings[p] = _reading(found, v.nearest_to(found, today), why)
    sheet.yearless["date"] = readings


def read_yearless(raw: RawWorkbook, today: dt.date) -> None:
    """Read every date typed without a year for ``today`` (``SheetData.yearless``; idempotent)."""
    if raw.yearless_today == today:
        return
    for sheet in raw.sheets.values():
        sheet.yearless.clear()
    calls = raw.sheets.get("calls")
    dates: list[dt.date | None] = []
    if calls is not None:
        dates = _contact_dates(calls, today)
        _callbacks(calls, dates, today)
    appointments = raw.sheets.get("appointments")
    if appointments is not None:
        _appointments(appointments, calls, dates, today)
    raw.yearless_today = today


def yearless_dates(sheet: SheetData, key: str) -> dict[int, dt.date | None]:
    """Position -> the date read, for the yearless cells of a sheet's column."""
    return {p: r.date for p, r in sheet.yearless.get(key, {}).items()}
