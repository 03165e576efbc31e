"""The calendar file of ``agenda`` (iCalendar, RFC 5545), made with the ``icalendar`` library.

Timed events are in Europe/Paris (a ``VTIMEZONE`` is included), all-day events are
``VALUE=DATE``; the UID of an event is a hash of its ``core.agenda`` key (what it
is, never the day of the export), so that importing a newer file updates events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from cbpt_sheets.core.agenda import Event as AgendaEvent

TIMEZONE = "Europe/Paris"
PRODID = "-//CBPT//cbpt-sheets//FR"
UID_DOMAIN = "cbpt-sheets"


def uid(key: str) -> str:
    """The stable UID of an event key: ``<sha1>@cbpt-sheets``."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest() + "@" + UID_DOMAIN


def calendar(events: Sequence[AgendaEvent], stamp: dt.datetime, name: str) -> bytes:
    """The .ics content of ``events``; ``stamp`` is DTSTAMP (when the file was made, UTC)."""
    paris = ZoneInfo(TIMEZONE)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TIMEZONE)
    for e in events:
        item = Event()
        item.add("uid", uid(e.key))
        item.add("dtstamp", stamp.astimezone(dt.timezone.utc))
        item.add("summary", e.summary)
        if e.start is None:
            item.add("dtstart", e.day)
            item.add("dtend", e.day + dt.timedelta(days=1))
            item.add("transp", "TRANSPARENT")
        else:
            item.add("dtstart", dt.datetime.combine(e.day, e.start, tzinfo=paris))
            item.add("dtend", dt.datetime.combine(e.day, e.end or e.start, tzinfo=paris))
        if e.location:
            item.add("location", e.location)
        if e.tel:
            item.add("url", e.tel, parameters={"VALUE": "URI"})
        item.add("description", "\n".join(e.description))
        item.add("status", e.status)
        if e.category:
            item.add("categories", [e.category])
        item.add("x-cbpt-action", e.action)
        item.add("x-cbpt-organisation", e.organisation)
        cal.add_component(item)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
