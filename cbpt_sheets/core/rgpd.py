"""Personal data under the RGPD (pure): the retention clock, the people a workbook holds,
who is past retention, everything held on one person, and what erasing them changes.

The CNIL's reference for prospect data is three years from collection or from the
last contact *coming from the prospect*: the clock (``retention_clock``) restarts
only on a contact whose outcome is in ``schema.ANSWERED_OUTCOMES`` (someone at the
organisation answered); when nobody ever answered, it runs from the first contact.

A *person* is a name (with the role, direct phone and e-mail beside it) in the
personal columns of the data sheets::

    Organisations  Responsable + Fonction du responsable;
                   Interlocuteur + Fonction, Téléphone et Email de l'interlocuteur
    Appels         Interlocuteur + Fonction, Téléphone obtenu, Email obtenu
    Rendez-vous    Interlocuteur

Within one organisation, the occurrences of one name (civility ignored) are one
person, joined by the variants of it giving the same phone or e-mail (« Mme Durand »,
« Sophie Durand »), and by the nameless phones and e-mails only they give (see
``_grouped``); the notes of that organisation's rows that name them, or give their
phone or e-mail, are theirs too. Other phones or e-mails with no name beside them
are a person without a name.

    retention_clock(events) -> Clock              answered and first contact dates
    gdpr_people(raw, today, histories) -> [Held]  everyone, with their clock
    find_people(people, query) -> [Person]        by name, phone or e-mail
    trace_cells(sheet, rows, terms) -> [(row, col, text)]   mentions elsewhere
    redact(text, terms) -> str
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cbpt_sheets.core import values as v
from cbpt_sheets.core.calendar import add_months
from cbpt_sheets.core.models import RawWorkbook
from cbpt_sheets.core.schema import ANSWERED_OUTCOMES, DATA_SHEETS, fold

# ---------------------------------------------------------------- the retention clock


@dataclass(frozen=True)
class Clock:
    """The retention clock of an organisation's personal data.

    ``last_answered``: the latest contact where someone on their side answered;
    ``first_contact``: the earliest dated contact; ``start`` the first of these
    two that exists (None: never contacted, no clock).
    """

    last_answered: dt.date | None = None
    first_contact: dt.date | None = None

    @property
    def start(self) -> dt.date | None:
        return self.last_answered or self.first_contact

    def expires(self, months: int) -> dt.date | None:
        """The day the data is past retention (``start`` + ``months``), None without a clock."""
        return add_months(self.start, months) if self.start is not None else None

    def expired(self, months: int, today: dt.date) -> bool:
        """Whether the clock started more than ``months`` months before ``today``."""
        return self.start is not None and self.start < add_months(today, -months)


def answered(outcome: str | None) -> bool:
    """Whether a contact's outcome (a code of OUTCOME) means someone at the organisation answered."""
    return outcome in ANSWERED_OUTCOMES


def retention_clock(events: Iterable[tuple[dt.date | None, str | None]]) -> Clock:
    """The clock of (date, outcome code) contacts; undated contacts are ignored."""
    last: dt.date | None = None
    first: dt.date | None = None
    for date, outcome in events:
        if date is None:
            continue
        if first is None or date < first:
            first = date
        if answered(outcome) and (last is None or date > last):
            last = date
    return Clock(last, first)


# ---------------------------------------------------------------- where personal data lives

SLOTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "organisations": (
        ("head", ("head_role",)),
        ("contact", ("contact_role", "contact_phone", "contact_email")),
    ),
    "calls": (("contact", ("role", "phone", "email")),),
    "appointments": (("contact", ()),),
}
"""Per data sheet: each name column, with the columns that belong to the person it names."""

KINDS: dict[str, str] = {
    "head": "name",
    "contact": "name",
    "head_role": "role",
    "contact_role": "role",
    "role": "role",
    "contact_phone": "phone",
    "phone": "phone",
    "contact_email": "email",
    "email": "email",
    "notes": "note",
}
NOTE_KEY = "notes"  # the free-text column whose cell is blanked when it names the person
KEPT_KEYS: dict[str, frozenset[str]] = {
    "organisations": frozenset({"id", "name", "tracking"}),
    "calls": frozenset({"organisation", "date", "outcome"}),
    "appointments": frozenset({"organisation", "date"}),
}
"""Columns an erasure never changes: the organisation's identity and history stay."""
COMPUTED_KEYS = frozenset({"stage", "next_action", "due", "reason"})

KIND_FR = {
    "name": ("nom", "noms"),
    "role": ("fonction", "fonctions"),
    "phone": ("téléphone", "téléphones"),
    "email": ("e-mail", "e-mails"),
    "note": ("note", "notes"),
    "mention": ("mention", "mentions"),
}

CIVILITIES = frozenset(
    [
        "m",
        "mr",
        "mme",
        "mmes",
        "mlle",
        "mlles",
        "mm",
        "monsieur",
        "madame",
        "mademoiselle",
        "messieurs",
        "dr",
        "docteur",
        "pr",
        "professeur",
        "me",
        "maitre",
        "mrs",
        "ms",
        "miss",
        "sir",
    ]
)
_WORD = re.compile(r"\w+")
_NON_DIGIT = re.compile(r"\D")


_CIVILITY_WORDS = "|".join(sorted((re.escape(c) for c in CIVILITIES), key=len, reverse=True))


def name_tokens(text: str) -> tuple[str, ...]:
    """A person's name for matching: folded words, civilities left out (``Mme Durand`` -> durand)."""
    return tuple(w for w in _WORD.findall(fold(text)) if w not in CIVILITIES)


def phone_digits(value: Any) -> str | None:
    """A phone number as its national digits (``+33 1 44...`` -> ``0144...``), None if too short."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    digits = _NON_DIGIT.sub("", str(value))
    if isinstance(value, int) and len(digits) == 9:
        digits = "0" + digits  # typed as a number: the leading zero was lost
    if digits.startswith("0033"):
        digits = "0" + digits[4:]
    elif digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 8 else None


def email_key(value: Any) -> str | None:
    """An e-mail address for matching (lower case), None when the text is not one."""
    text = v.text(value)
    if text is None or "@" not in text:
        return None
    return text.strip().lower()


# ---------------------------------------------------------------- people


@dataclass(frozen=True)
class PersonCell:
    """One cell holding a person's data: where it is, what it holds, and of what kind."""

    sheet: str  # the sheet's name in the workbook
    sheet_key: str  # organisations, calls, appointments; "" for another sheet
    row: int
    column_key: str  # the column's key ("" for another sheet)
    column: str  # the header as typed (another sheet: the column letter)
    cell: str  # A1
    value: Any
    kind: str  # name, role, phone, email, note, mention

    def as_json(self) -> dict[str, Any]:
        """``{"sheet", "cell", "column", "value"}`` (dates as ISO text)."""
        value = self.value
        if isinstance(value, (dt.date, dt.time)):
            value = value.isoformat()
        return {"sheet": self.sheet, "cell": self.cell, "column": self.column, "value": value}


@dataclass
class Person:
    """One person of one organisation: their cells and how to recognise them elsewhere."""

    organisation: str
    cells: list[PersonCell] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # as typed, first seen first
    tokens: set[tuple[str, ...]] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)  # national digits
    emails: set[str] = field(default_factory=set)

    @property
    def name(self) -> str | None:
        """The name the person is listed under (the first one typed), None when only a number."""
        return self.names[0] if self.names else None

    def terms(self) -> list[str]:
        """The texts whose presence anywhere is a trace of this person: names, phones, e-mails."""
        out: dict[str, None] = {}
        for c in self.cells:
            if c.kind in ("name", "phone", "email") and isinstance(c.value, str):
                text = c.value.strip()
                if len(text) >= 3:
                    out[text] = None
                words = text.split()
                if c.kind == "name" and len(words) >= 3 and name_tokens(words[0]) == ():
                    # « M. Hugo Lefort » is « M. Lefort » in a note of any row
                    out[f"{words[0]} {words[-1]}"] = None
        for digits in self.phones:
            out[digits] = None
            formatted = v.phone(digits)
            if formatted:
                out[formatted] = None
                out[formatted.replace(" ", ".")] = None
        for email in self.emails:
            out[email] = None
        return sorted(out, key=lambda t: (-len(t), t))

    def mentioned_in(self, text: str) -> bool:
        """Whether a free text names this person, or gives their phone or e-mail."""
        folded = " ".join(_WORD.findall(fold(text)))
        for tokens in self.tokens:
            if tokens and re.search(r"(?<!\w)" + re.escape(" ".join(tokens)) + r"(?!\w)", folded):
                return True
            # « Rappeler Mme Lemaître » (or « Mme S. Lemaître ») for Mme Sophie Lemaître: a
            # civility and the surname, as volunteers write notes
            if len(tokens) >= 2 and re.search(
                r"(?<!\w)(?:"
                + _CIVILITY_WORDS
                + r") (?:[a-z] )?"
                + re.escape(tokens[-1])
                + r"(?!\w)",
                folded,
            ):
                return True
        lower = text.lower()
        if any(e in lower for e in self.emails):
            return True
        digits = _NON_DIGIT.sub("", text)
        return any(p in digits or p[1:] in digits for p in self.phones)

    def sorted_cells(self, order: dict[str, int]) -> list[PersonCell]:
        """The cells in workbook order: sheet, row, column."""
        return sorted(
            self.cells, key=lambda c: (order.get(c.sheet, 99), c.row, len(c.cell), c.cell)
        )


@dataclass
class Held:
    """A person with the retention clock of their organisation (the ``rgpd list`` entry)."""

    person: Person
    clock: Clock
    expires: dt.date | None
    expired: bool

    def as_json(self, order: dict[str, int]) -> dict[str, Any]:
        """``{"organisation", "name", "last_answered", "expires", "cells": [...]}``."""
        return {
            "organisation": self.person.organisation,
            "name": self.person.name,
            "last_answered": _iso(self.clock.last_answered),
            "expires": _iso(self.expires),
            "cells": [c.as_json() for c in self.person.sorted_cells(order)],
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


@dataclass
class _Slot:
    """One occurrence of a person: a name column and the cells beside it on one row."""

    sheet_key: str
    row: int
    cells: list[PersonCell]
    tokens: tuple[str, ...] = ()
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)


def _cell(
    raw: RawWorkbook, key: str, row: int, column_key: str, value: Any, kind: str
) -> PersonCell:
    sheet = raw.sheets[key]
    index = sheet.columns[column_key]
    header = sheet.headers[index] if index < len(sheet.headers) else column_key
    return PersonCell(
        sheet.name,
        key,
        row,
        column_key,
        str(header).strip(),
        sheet.cell(column_key, row),
        value,
        kind,
    )


def _slots(raw: RawWorkbook, key: str) -> list[_Slot]:
    sheet = raw.sheets.get(key)
    if sheet is None:
        return []
    out: list[_Slot] = []
    for name_key, beside in SLOTS[key]:
        keys = [k for k in (name_key, *beside) if k in sheet.columns and k in sheet.data]
        if not keys:
            continue
        columns = [sheet.data[k] for k in keys]
        for position, row in enumerate(sheet.numbers):
            slot = _Slot(key, row, [])
            for k, column in zip(keys, columns, strict=True):
                value = column[position]
                if v.is_blank(value):
                    continue
                kind = KINDS[k]
                slot.cells.append(_cell(raw, key, row, k, value, kind))
                if kind == "name":
                    slot.tokens = name_tokens(str(value))
                elif kind == "phone" and (digits := phone_digits(value)):
                    slot.phones.add(digits)
                elif kind == "email" and (email := email_key(value)):
                    slot.emails.add(email)
            if slot.tokens or slot.phones or slot.emails:
                out.append(slot)
    return out


def _grouped(slots: list[_Slot]) -> list[list[_Slot]]:
    """The slots of one organisation grouped into people.

    Slots with the same name (civility ignored) are one person, and so are two names
    giving the same phone or e-mail when one name's words are among the other's
    (« Mme Durand », « Sophie Durand »): a shared number or address (accueil@...)
    does not make two different names one person. A slot with no name joins the one
    named person whose phone or e-mail it gives; otherwise nameless slots sharing one
    are one person.
    """
    parent = list(range(len(slots)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    by_name: dict[tuple[str, ...], int] = {}
    named_by: dict[tuple[str, str], list[int]] = {}  # phone or e-mail -> named slots giving it
    for i, slot in enumerate(slots):
        if not slot.tokens:
            continue
        if slot.tokens in by_name:
            union(i, by_name[slot.tokens])
        else:
            by_name[slot.tokens] = i
        for k in _contact_keys(slot):
            for j in named_by.setdefault(k, []):
                if set(slots[j].tokens) <= set(slot.tokens) or set(slot.tokens) <= set(
                    slots[j].tokens
                ):
                    union(i, j)  # « Mme Durand » and « Sophie Durand » at one number: one person
            named_by[k].append(i)
    nameless: dict[tuple[str, str], int] = {}
    for i, slot in enumerate(slots):
        if slot.tokens:
            continue
        for k in _contact_keys(slot):
            owners = {find(j) for j in named_by.get(k, [])}
            if len(owners) == 1:  # one named person gives it: theirs
                union(i, owners.pop())
            elif owners:  # several people share it (a switchboard, accueil@): a person of its own
                continue
            elif k in nameless:
                union(i, nameless[k])
            else:
                nameless[k] = i
    groups: dict[int, list[_Slot]] = {}
    for i, slot in enumerate(slots):
        groups.setdefault(find(i), []).append(slot)
    return list(groups.values())


def _contact_keys(slot: _Slot) -> list[tuple[str, str]]:
    return [("p", p) for p in sorted(slot.phones)] + [("e", e) for e in sorted(slot.emails)]


def people(raw: RawWorkbook, organisation_of: dict[tuple[str, int], str]) -> list[Person]:
    """Everyone the data sheets hold, one Person per person and organisation, in sheet order.

    ``organisation_of``: (sheet key, Excel row) -> the organisation's Nom the row
    belongs to (rows linked to none: the name they give).
    """
    by_org: dict[str, list[_Slot]] = {}
    rows_of: dict[str, list[tuple[str, int]]] = {}
    for sheet in DATA_SHEETS:
        data = raw.sheets.get(sheet.key)
        if data is None:
            continue
        for row in data.numbers:
            org = organisation_of.get((sheet.key, row))
            if org is not None:
                rows_of.setdefault(org, []).append((sheet.key, row))
        for slot in _slots(raw, sheet.key):
            org = organisation_of.get((sheet.key, slot.row))
            if org is None:
                continue
            by_org.setdefault(org, []).append(slot)
    out: list[Person] = []
    for org, slots in by_org.items():
        for group in _grouped(slots):
            person = Person(org)
            for slot in group:
                person.cells.extend(slot.cells)
                person.phones |= slot.phones
                person.emails |= slot.emails
                if slot.tokens:
                    person.tokens.add(slot.tokens)
                for c in slot.cells:
                    if c.kind == "name" and str(c.value).strip() not in person.names:
                        person.names.append(str(c.value).strip())
            person.cells.extend(_notes(raw, person, rows_of.get(org, [])))
            out.append(person)
    sheet_order = {s.key: i for i, s in enumerate(DATA_SHEETS)}

    def first_cell(person: Person) -> tuple[int, int, int]:
        return min(
            (sheet_order[c.sheet_key], c.row, raw.sheets[c.sheet_key].columns[c.column_key])
            for c in person.cells
        )

    out.sort(key=first_cell)  # in sheet order: Organisations row by row, then Appels...
    return out


def _notes(raw: RawWorkbook, person: Person, rows: list[tuple[str, int]]) -> list[PersonCell]:
    """The notes of the organisation's rows that name the person (or give their phone, e-mail)."""
    out: list[PersonCell] = []
    for key, row in rows:
        sheet = raw.sheets[key]
        if NOTE_KEY not in sheet.columns or NOTE_KEY not in sheet.data:
            continue
        position = _position(sheet.numbers, row)
        value = sheet.data[NOTE_KEY][position]
        if isinstance(value, str) and value.strip() and person.mentioned_in(value):
            out.append(_cell(raw, key, row, NOTE_KEY, value, "note"))
    return out


def _position(numbers: list[int], row: int) -> int:
    import bisect

    i = bisect.bisect_left(numbers, row)
    if i < len(numbers) and numbers[i] == row:
        return i
    return numbers.index(row)  # rows are in sheet order: only reached if they were not


# ---------------------------------------------------------------- finding one person


def query_kind(query: str) -> str:
    """How a query names a person: ``email``, ``phone`` or ``name``."""
    if "@" in query:
        return "email"
    stripped = re.sub(r"[\s.+()/-]", "", query)
    if stripped.isdigit() and phone_digits(query):
        return "phone"
    return "name"


def matches(person: Person, query: str) -> bool:
    """Whether the person is the one a query names (name, phone or e-mail; case, accents ignored).

    A name matches when all the words of one are among the words of the other,
    civilities left out: « Durand » and « Sophie Durand » find « Mme Durand ».
    """
    kind = query_kind(query)
    if kind == "email":
        return query.strip().lower() in person.emails
    if kind == "phone":
        return phone_digits(query) in person.phones
    wanted = set(name_tokens(query))
    if not wanted:
        return False
    return any(set(t) <= wanted or wanted <= set(t) for t in person.tokens if t)


def find_people(everyone: Sequence[Person], query: str) -> list[Person]:
    """The people a query names (see ``matches``), in sheet order."""
    return [p for p in everyone if matches(p, query)]


# ---------------------------------------------------------------- retention of everyone


def held_people(
    everyone: Sequence[Person], clocks: dict[str, Clock], months: int, today: dt.date
) -> list[Held]:
    """Each person with their organisation's clock (``clocks``: Nom -> Clock); no clock, not expired."""
    out: list[Held] = []
    for person in everyone:
        clock = clocks.get(person.organisation, Clock())
        out.append(Held(person, clock, clock.expires(months), clock.expired(months, today)))
    return out


# ---------------------------------------------------------------- traces elsewhere


def trace_regex(terms: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern finding any of the terms (case ignored; digits of a phone in any spacing)."""
    parts: list[str] = []
    for term in terms:
        if term.isdigit():
            parts.append(r"[\s.-]?".join(re.escape(ch) for ch in term))
        else:
            parts.append(re.escape(term))
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


def trace_cells(
    rows: Sequence[Sequence[Any]], pattern: re.Pattern[str] | None
) -> list[tuple[int, int, str]]:
    """The text cells of a sheet (rows from A1) holding a trace: (Excel row, 0-based column, text)."""
    if pattern is None:
        return []
    out: list[tuple[int, int, str]] = []
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, str) and value and pattern.search(value):
                out.append((r, c, value))
    return out


REDACTED = {"fr": "[effacé]", "en": "[erased]"}


def redact(text: str, pattern: re.Pattern[str], lang: str = "fr") -> str:
    """The text with every trace replaced by ``[effacé]``."""
    return pattern.sub(REDACTED.get(lang, REDACTED["fr"]), text)


def summary(cells: Iterable[PersonCell]) -> str:
    """What was erased, without the data: « nom, fonction, téléphone, 2 notes (Organisations, Appels) »."""
    counts: dict[str, int] = {}
    sheets: dict[str, None] = {}
    for c in cells:
        counts[c.kind] = counts.get(c.kind, 0) + 1
        sheets[c.sheet] = None
    words = []
    for kind, (one, many) in KIND_FR.items():
        n = counts.get(kind, 0)
        if n == 1:
            words.append(one)
        elif n > 1:
            words.append(f"{n} {many}")
    return ", ".join(words) + (f" ({', '.join(sheets)})" if sheets else "")
