"""The checks of checks.md (pure): raw rows in, findings and safe fixes out.

A bad workbook is data: every problem becomes a ``Finding`` at its cell, with a
French message saying what is wrong and how to fix it. Nothing here raises on
cell content, and nothing imports openpyxl or click.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cbpt_sheets.core import values as v
from cbpt_sheets.core.dataset import settings as read_settings
from cbpt_sheets.core.models import (
    Finding,
    Fix,
    RawRow,
    RawWorkbook,
    Report,
    SheetData,
    column_letter,
)
from cbpt_sheets.core.schema import (
    DATA_SHEETS,
    EXACT_LIST_INDEX,
    LIST_INDEX,
    LISTS,
    OUTCOME,
    PREPARATION_LABELS,
    REQUIRED_COLUMN_KEYS,
    ColType,
    Column,
    Sheet,
    fold,
)

SEVERITY_FR = {"error": "erreur", "warning": "avertissement"}
FINDING_CODES: dict[str, str] = {
    "missing-sheet": "error",
    "missing-column": "error",
    "duplicate-column": "error",
    "unknown-column": "warning",
    "required": "error",
    "invalid-date": "error",
    "date-as-text": "warning",
    "future-date": "error",
    "invalid-time": "error",
    "not-in-list": "error",
    "list-spelling": "warning",
    "invalid-phone": "error",
    "phone-format": "warning",
    "invalid-email": "error",
    "invalid-postcode": "error",  # a warning when only the leading zero was lost
    "invalid-number": "error",
    "formula-error": "error",
    "duplicate-id": "error",
    "duplicate-name": "error",
    "possible-duplicate": "warning",
    "unknown-organisation": "error",
    "callback-before-call": "error",
    "outcome-needs-data": "error",
    "meeting-missing": "warning",
    "knows-cbpt-missing": "warning",
    "result-before-held": "warning",
    "held-in-future": "error",
    "contacted-after-opt-out": "error",
    "preparation-missing": "warning",
    "retention-expired": "warning",
}
"""Every finding code of checks.md with its severity (the contract external tools rely on)."""
_SHEET_ORDER = {s.key: i for i, s in enumerate(DATA_SHEETS)}
_PUNCT = re.compile(r"[\W_]+")
_NO_FIX = object()
PERSONAL_ORG_KEYS = ("contact", "contact_phone", "contact_email")
PERSONAL_CALL_KEYS = ("contact", "phone", "email")
STEP4_OUTCOMES = frozenset(
    e.code for e in OUTCOME.entries if e.step == "4" and e.fr.startswith("Entretien")
)


# ---------------------------------------------------------------- small helpers


def quote(value: Any) -> str:
    """A cell value between French quotes, for messages."""
    shown = v.text(value)
    return f"« {shown if shown is not None else ''} »"


@lru_cache(maxsize=262_144)
def _fold(text: str) -> str:
    """``schema.fold`` remembered: the same names and labels come back on every row."""
    return fold(text)


@lru_cache(maxsize=65_536)
def _phone(value: Any) -> str | None:
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


def _plain_email(address: str) -> bool:
    """True when ``address`` is a plain ASCII address that email_validator accepts as is."""
    m = _PLAIN_EMAIL.fullmatch(address)
    if m is None or len(address) > 254 or "--" in address[address.index("@") :]:
        return False
    return address.index("@") <= 64 and m[1].lower() not in _SPECIAL_TLDS


@lru_cache(maxsize=65_536)
def _email_ok(address: str) -> bool:
    """True for a syntactically valid e-mail address (no network look-up)."""
    if _plain_email(address):
        return True
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@lru_cache(maxsize=262_144)
def name_key(name: str) -> str:
    """An organisation name folded for comparison: no case, accents, spaces, punctuation."""
    return _PUNCT.sub("", _fold(name))


def closest(
    value: str, choices: Iterable[str], cutoff: float = 60, folded: list[str] | None = None
) -> str | None:
    """The choice closest to ``value`` (case and accents ignored), or None if none is close.

    ``folded``: the choices already folded, in the same order (saves refolding long lists).
    """
    options = list(choices) if folded is not None else list(dict.fromkeys(c for c in choices if c))
    if not options:
        return None
    keys = folded if folded is not None else [_fold(c) for c in options]
    wanted = _fold(value)
    # The beginning of an entry typed ("Pas de rep"): WRatio may prefer a longer entry.
    if len(wanted) >= 3:
        starts = [i for i, key in enumerate(keys) if key.startswith(wanted)]
        if starts:
            return options[min(starts, key=lambda i: len(keys[i]))]
    from rapidfuzz import fuzz, process

    hit = process.extractOne(wanted, keys, scorer=fuzz.WRatio, score_cutoff=cutoff)
    return options[hit[2]] if hit is not None else None


_WORD = re.compile(r"\w{4,}")


class _NameMatcher:
    """``closest(value, names, folded=...)`` for many values against one long list of names.

    Same answers, faster: the prefix search bisects the sorted folded names, and each
    distinct value is matched once.
    """

    def __init__(self, names: list[str], folded: list[str]) -> None:
        self.names = names
        self.folded = folded
        self.order = sorted((key, i) for i, key in enumerate(folded))
        self.keys = [key for key, _ in self.order]
        self.memo: dict[str, str | None] = {}
        self.words: dict[str, list[int]] | None = None  # word -> indexes of the names using it

    def __call__(self, value: str) -> str | None:
        if value in self.memo:
            return self.memo[value]
        hint = self._match(value)
        self.memo[value] = hint
        return hint

    def _match(self, value: str) -> str | None:
        if not self.names:
            return None
        wanted = _fold(value)
        if len(wanted) >= 3:
            best: tuple[int, int] | None = None
            at = bisect.bisect_left(self.keys, wanted)
            while at < len(self.keys) and self.keys[at].startswith(wanted):
                candidate = (len(self.keys[at]), self.order[at][1])
                if best is None or candidate < best:
                    best = candidate
                at += 1
            if best is not None:
                return self.names[best[1]]
        from rapidfuzz import fuzz, process

        # Names sharing a word with the value first: a sure match there (score >= 85)
        # spares scoring every Nom; otherwise every Nom is scored.
        candidates = self._sharing_a_word(wanted)
        if candidates:
            keys = [self.folded[i] for i in candidates]
            hit = process.extractOne(wanted, keys, scorer=fuzz.WRatio, score_cutoff=85)
            if hit is not None:
                return self.names[candidates[hit[2]]]
        hit = process.extractOne(wanted, self.folded, scorer=fuzz.WRatio, score_cutoff=60)
        return self.names[hit[2]] if hit is not None else None

    def _sharing_a_word(self, wanted: str) -> list[int]:
        """Indexes of the names sharing a word of four letters or more with ``wanted``."""
        if self.words is None:
            self.words = {}
            for i, key in enumerate(self.folded):
                for word in set(_WORD.findall(key)):
                    self.words.setdefault(word, []).append(i)
        found: set[int] = set()
        for word in set(_WORD.findall(wanted)):
            found.update(self.words.get(word, ()))
        return sorted(found)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier when negative), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return dt.date(year, month, 28)  # pragma: no cover - unreachable


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """A French count: 0 and 1 take the singular; thousands separated by a space."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{count:,}".replace(",", " ") + " " + word


# ---------------------------------------------------------------- collector


@dataclass
class _Item:
    order: tuple[int, int, int, int, int]
    finding: Finding
    fix: Any = _NO_FIX


@dataclass
class _Run:
    """One pass of the checks over a raw workbook."""

    raw: RawWorkbook
    today: dt.date
    items: list[_Item] = field(default_factory=list)
    seq: int = 0
    phase: int = 0  # the rank of the running pass: same-cell findings sort in pass order
    _columns: dict[str, _Columns] = field(default_factory=dict)

    def columns(self, key: str) -> _Columns | None:
        """The column view of a data sheet (None when the workbook lacks it)."""
        cols = self._columns.get(key)
        if cols is None:
            sheet = self.raw.sheets.get(key)
            if sheet is None:
                return None
            cols = self._columns[key] = _Columns(sheet)
        return cols

    def add(
        self,
        code: str,
        severity: str,
        sheet: SheetData | None,
        message: str,
        *,
        sheet_name: str | None = None,
        key: str | None = None,
        index: int | None = None,
        row: int | None = None,
        value: Any = None,
        suggestion: str | None = None,
        fix: Any = _NO_FIX,
        sheet_key: str | None = None,
    ) -> None:
        if index is None and key is not None and sheet is not None:
            index = sheet.columns.get(key)
        column: str | None = None
        if sheet is not None and index is not None and index < len(sheet.headers):
            column = sheet.headers[index]
        elif key is not None:
            spec = _sheet_spec(sheet_key or (sheet.key if sheet else ""))
            if spec is not None:
                column = spec.column(key).header(self.raw.lang)
        cell = f"{column_letter(index)}{row}" if index is not None and row is not None else None
        skey = sheet.key if sheet is not None else (sheet_key or "")
        self.seq += 1
        order = (
            _SHEET_ORDER.get(skey, 99),
            row if row is not None else 0,
            index if index is not None else -1,
            self.phase,
            self.seq,
        )
        finding = Finding(
            code=code,
            severity=severity,  # type: ignore[arg-type]
            sheet=sheet.name if sheet is not None else (sheet_name or ""),
            cell=cell,
            row=row,
            column=column,
            value=value,
            message=message,
            suggestion=suggestion,
        )
        self.items.append(_Item(order, finding, fix))

    def sorted(self) -> list[_Item]:
        return sorted(self.items, key=lambda item: item.order)


def _sheet_spec(key: str) -> Sheet | None:
    for spec in DATA_SHEETS:
        if spec.key == key:
            return spec
    return None


# ---------------------------------------------------------------- structure


def _check_structure(run: _Run) -> None:
    lang = run.raw.lang
    for spec in DATA_SHEETS:
        sheet = run.raw.sheets.get(spec.key)
        if sheet is None:
            name = spec.name(lang)
            run.add(
                "missing-sheet",
                "error",
                None,
                f"La feuille « {name} » est absente du classeur. Ajoutez-la (ou renommez la "
                f"feuille qui en tient lieu « {name} »), avec sa ligne d'en-têtes en ligne 1.",
                sheet_name=name,
                sheet_key=spec.key,
            )
            continue
        for key in REQUIRED_COLUMN_KEYS.get(spec.key, ()):
            if key not in sheet.columns:
                header = spec.column(key).header(lang)
                run.add(
                    "missing-column",
                    "error",
                    sheet,
                    f"La colonne « {header} » est absente de la feuille « {sheet.name} ». "
                    f"Ajoutez une colonne intitulée « {header} » dans la ligne d'en-têtes.",
                    key=key,
                    row=sheet.header_row,
                )
        for key, index in sheet.duplicates:
            first = sheet.headers[sheet.columns[key]]
            run.add(
                "duplicate-column",
                "error",
                sheet,
                f"Deux colonnes désignent « {first} » (colonnes "
                f"{column_letter(sheet.columns[key])} et {column_letter(index)}). Seule la "
                "première est lue : fusionnez leur contenu puis supprimez ou renommez "
                "la seconde.",
                index=index,
                row=sheet.header_row,
                value=sheet.headers[index],
            )
        known = [c.header(lang) for c in spec.columns]
        for index in sheet.unknown:
            header = sheet.headers[index]
            hint = closest(header, known)
            tail = (
                f" Vouliez-vous dire « {hint} » ? Si oui, corrigez l'en-tête."
                if hint
                else " Si elle doit être lue, donnez-lui l'intitulé d'une colonne prévue."
            )
            run.add(
                "unknown-column",
                "warning",
                sheet,
                f"La colonne « {header} » n'est pas une colonne prévue : elle est conservée "
                f"mais ignorée.{tail}",
                index=index,
                row=sheet.header_row,
                value=header,
                suggestion=hint,
            )


# ---------------------------------------------------------------- cells


def _list_choices(run: _Run, column: Column) -> list[str] | None:
    """The labels a list column accepts in the workbook's language (None: not checkable)."""
    assert column.list is not None
    spec = LISTS[column.list]
    if spec.dynamic:
        entries = run.raw.volunteers if column.list == "Benevoles" else run.raw.libraries
        return list(entries) if entries else None
    return spec.labels(run.raw.lang)


def _not_in_list(
    run: _Run, sheet: SheetData, column: Column, row: int, value: Any,
    hint: str | None, what: str, how: str,
) -> None:  # fmt: skip
    """A ``not-in-list`` error: what is wrong, the closest entry if any, how to fix it."""
    tail = f" Vouliez-vous dire « {hint} » ?" if hint else ""
    run.add(
        "not-in-list", "error", sheet, f"{what}{tail} {how}",
        key=column.key, row=row, value=value, suggestion=hint,
    )  # fmt: skip


def _check_list(run: _Run, sheet: SheetData, column: Column, row: int, value: Any) -> None:
    assert column.list is not None
    if isinstance(value, str) and value in EXACT_LIST_INDEX.get(column.list, ()):
        return
    raw_text = v.text(value) or ""
    header = sheet.headers[sheet.columns[column.key]]
    spec = LISTS[column.list]
    if spec.dynamic:
        choices = _list_choices(run, column)
        if choices is None or raw_text in choices:
            return
        folded = {fold(c): c for c in choices}
        canonical = folded.get(fold(raw_text))
        where = "Bénévoles" if column.list == "Benevoles" else "Bibliothèques"
        if canonical is None:
            _not_in_list(
                run, sheet, column, row, value, closest(raw_text, choices),
                f"{quote(value)} n'est pas dans la liste des {where} de la feuille Paramètres.",
                "Choisissez un nom dans la liste déroulante, ou ajoutez-le d'abord dans Paramètres.",
            )  # fmt: skip
            return
    else:
        if isinstance(value, str) and value in EXACT_LIST_INDEX[column.list]:
            return
        hit = LIST_INDEX[column.list].get(_fold(raw_text))
        if hit is None:
            _not_in_list(
                run, sheet, column, row, value, closest(raw_text, spec.labels(run.raw.lang)),
                f"{quote(value)} n'est pas une valeur possible pour « {header} ».",
                "Choisissez une valeur dans la liste déroulante.",
            )  # fmt: skip
            return
        canonical = spec.by_code(hit[0]).label(run.raw.lang)
        if raw_text == canonical:
            return
    run.add(
        "list-spelling",
        "warning",
        sheet,
        f"{quote(value)} est écrit autrement que dans la liste : « {canonical} ». "
        "La correction automatique (check --fix) l'écrit comme dans la liste.",
        key=column.key,
        row=row,
        value=value,
        suggestion=canonical,
        fix=canonical,
    )


def _check_cell(run: _Run, sheet: SheetData, column: Column, row: int, value: Any) -> None:
    kind = column.type
    if kind is ColType.DATE and isinstance(value, (dt.date, dt.datetime)):
        return
    at = {"key": column.key, "row": row, "value": value}
    if kind is ColType.DATE:
        header = sheet.headers[sheet.columns[column.key]]
        parsed = v.parse_text_date(value) if isinstance(value, str) else None
        if parsed is not None:
            shown = v.format_date(parsed)
            run.add(
                "date-as-text",
                "warning",
                sheet,
                f"La date {quote(value)} est écrite comme du texte : Excel ne peut ni la "
                f"trier ni la comparer. Saisissez-la comme une date ({shown}) ; "
                "check --fix le fait pour vous.",
                suggestion=shown,
                fix=parsed,
                **at,
            )
            return
        run.add(
            "invalid-date",
            "error",
            sheet,
            f"{quote(value)} n'est pas une date lisible dans « {header} ». "
            "Saisissez une date au format JJ/MM/AAAA (par exemple 03/12/2026).",
            **at,
        )
    elif kind is ColType.TIME:
        if v.parse_time(value) is None:
            run.add(
                "invalid-time",
                "error",
                sheet,
                f"{quote(value)} n'est pas une heure. Saisissez une heure comme 14:30 (ou 14h30).",
                **at,
            )
    elif kind is ColType.LIST:
        _check_list(run, sheet, column, row, value)
    elif kind is ColType.PHONE:
        formatted = _phone(value)
        if formatted is None:
            run.add(
                "invalid-phone",
                "error",
                sheet,
                f"{quote(value)} n'est pas un numéro de téléphone français valide. "
                "Saisissez dix chiffres, comme 01 23 45 67 89 (ou +33 1 23 45 67 89).",
                **at,
            )
            return
        if value != formatted:
            lost = isinstance(value, (int, float))
            why = (
                "a été saisi comme un nombre et a perdu son zéro initial"
                if lost
                else "n'est pas écrit sous la forme habituelle"
            )
            run.add(
                "phone-format",
                "warning",
                sheet,
                f"Le numéro {quote(value)} {why} : écrivez-le « {formatted} ». "
                "check --fix le réécrit pour vous.",
                suggestion=formatted,
                fix=formatted,
                **at,
            )
    elif kind is ColType.EMAIL:
        if not _email_ok(v.text(value) or ""):
            run.add(
                "invalid-email",
                "error",
                sheet,
                f"{quote(value)} n'est pas une adresse e-mail valide. Vérifiez-la : elle "
                "doit ressembler à prenom.nom@exemple.fr, sans espace.",
                **at,
            )
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
                    "warning",
                    sheet,
                    f"Le code postal {quote(value)} a été saisi comme un nombre et a perdu "
                    f"son zéro initial : écrivez « {restored} » (au format texte). "
                    "check --fix le rétablit pour vous.",
                    suggestion=restored,
                    fix=restored,
                    **at,
                )
                return
        digits = re.sub(r"\D", "", v.text(value) or "")
        hint = digits if len(digits) == 5 else None
        run.add(
            "invalid-postcode",
            "error",
            sheet,
            f"{quote(value)} n'est pas un code postal : il faut exactement 5 chiffres "
            "(par exemple 75015)." + (f" Vouliez-vous dire « {hint} » ?" if hint else ""),
            suggestion=hint,
            **at,
        )
    elif kind is ColType.INT and v.parse_int(value) is None:
        run.add(
            "invalid-number",
            "error",
            sheet,
            f"{quote(value)} n'est pas un nombre entier positif. Saisissez seulement "
            "un nombre, par exemple 120 (une estimation suffit).",
            **at,
        )


class _Recorder:
    """Stands in for a ``_Run`` while one cell is checked: records the findings it adds.

    A cell's verdict depends only on its column and value (never on its row), so the
    recorded calls are replayed, with the row, for every other cell of the column
    holding the same value: each distinct value is parsed and checked once.
    """

    __slots__ = ("calls", "raw", "today", "value")

    def __init__(self, run: _Run, value: Any) -> None:
        self.raw = run.raw
        self.today = run.today
        self.value = value
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def add(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("row", None)
        if "value" in kwargs and kwargs["value"] is self.value:
            kwargs["value"] = _CELL  # replayed with the cell's own value
        self.calls.append((args, kwargs))


_Verdict = tuple[tuple[tuple[Any, ...], dict[str, Any]], ...]


def _verdict(run: _Run, sheet: SheetData, column: Column, value: Any) -> _Verdict:
    """The findings ``_check_cell`` adds for this value in this column, row left out."""
    recorder = _Recorder(run, value)
    _check_cell(recorder, sheet, column, 0, value)  # type: ignore[arg-type]
    return tuple(recorder.calls)


_CELL = object()


def _computed_keys(spec: Sheet) -> frozenset[str]:
    return frozenset(c.key for c in spec.columns if c.computed)


def _rows_with_data(run: _Run, key: str) -> list[RawRow]:
    """The rows of a sheet holding something outside the computed columns, in order."""
    cols = run.columns(key)
    if cols is None:
        return []
    rows = cols.sheet.rows
    return [rows[p] for p in cols.with_data()]


class _Columns:
    """A data sheet seen column by column: what the checks ask of its cells, computed once.

    Positions index ``sheet.numbers`` (the Excel rows). Each question (its date, its
    list code, its findings) is answered once per distinct value of a column, and an
    Excel error cell counts as empty. A blank cell is None in ``SheetData.data``.
    The cell checks and every pass over Appels work on positions; the passes that
    read many cells of one row of the smaller sheets (duplicates and preparation on
    Organisations, the status rules of Rendez-vous) go through ``SheetData.rows``.
    """

    def __init__(self, sheet: SheetData) -> None:
        self.sheet = sheet
        self.numbers = sheet.numbers
        self.n = len(sheet.numbers)
        self._errors: dict[str, set[int]] = {}
        for position, errors in sheet.cell_errors.items():
            for key in errors:
                self._errors.setdefault(key, set()).add(position)
        self._memo: dict[tuple[str, str], list[Any]] = {}
        self._distinct: dict[str, dict[Any, None]] = {}
        self._with_data: list[int] | None = None

    def values(self, key: str) -> list[Any]:
        """The raw values of a column (all None when the sheet lacks it)."""
        column = self.sheet.data.get(key)
        return column if column is not None else [None] * self.n

    def errors(self, key: str) -> set[int]:
        """The positions of the column's Excel error cells."""
        return self._errors.get(key, set())

    def distinct(self, key: str) -> dict[Any, None]:
        """The distinct values of a column (None included), in order of first appearance."""
        hit = self._distinct.get(key)
        if hit is None:
            hit = self._distinct[key] = dict.fromkeys(self.values(key))
        return hit

    def by_value(self, key: str) -> bool:
        """Whether the column's cells can be told apart by value (not both ``True`` and ``1``)."""
        distinct = self.distinct(key)
        if True in distinct or False in distinct:
            return not v.bool_and_number(self.values(key))
        return True

    def _mapped(self, what: str, key: str, function: Any, on_error: Any) -> list[Any]:
        hit = self._memo.get((what, key))
        if hit is None:
            values = self.values(key)
            if self.by_value(key):
                memo = {x: function(x) for x in self.distinct(key)}
                hit = list(map(memo.__getitem__, values))
            else:
                hit = [function(x) for x in values]
            for position in self.errors(key):
                hit[position] = on_error
            self._memo[(what, key)] = hit
        return hit

    def filled(self, key: str) -> list[bool]:
        """True where the cell holds something (``_filled``: not blank, not an Excel error)."""
        hit = self._memo.get(("filled", key))
        if hit is None:
            hit = list(map(operator.is_not, self.values(key), itertools.repeat(None)))
            for position in self.errors(key):
                hit[position] = False
            self._memo[("filled", key)] = hit
        return hit

    def dates(self, key: str) -> list[dt.date | None]:
        """The cell as a date, None when blank, unreadable or an Excel error."""
        return self._mapped("date", key, v.parse_date, None)

    def codes(self, key: str, list_name: str) -> list[str | None]:
        """The list code of the cell (``_code``), None when blank, unknown or an Excel error."""
        return self._mapped("code", key, lambda x: _code(list_name, x), None)

    def with_data(self) -> list[int]:
        """The positions of the rows holding something outside the computed columns."""
        if self._with_data is None:
            spec = _sheet_spec(self.sheet.key)
            computed = _computed_keys(spec) if spec is not None else frozenset()
            keys = [k for k in self.sheet.data if k not in computed]
            errors: set[int] = set().union(*(self.errors(k) for k in keys))
            if keys:
                width = len(keys)
                columns = [self.sheet.data[k] for k in keys]
                self._with_data = [
                    p
                    for p, cells in enumerate(zip(*columns, strict=True))
                    if cells.count(None) != width or p in errors
                ]
            else:
                self._with_data = sorted(errors)
        return self._with_data


def _check_cells(run: _Run) -> None:
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
                    "error",
                    sheet,
                    f"La cellule affiche l'erreur Excel {literal} : sa formule ne donne "
                    "pas de valeur. Corrigez la formule ou remplacez-la par la valeur.",
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
                header = sheet.headers[sheet.columns[ckey]]
                for p in positions:
                    if values[p] is None and p not in errors:
                        run.add(
                            "required",
                            "error",
                            sheet,
                            f"« {header} » est obligatoire et cette ligne le laisse vide. "
                            "Complétez la cellule, ou supprimez la ligne si elle est de trop.",
                            key=ckey,
                            row=numbers[p],
                        )
            if column.type is not ColType.TEXT:
                _replay_verdicts(run, sheet, cols, column)
        if spec.key == "calls":
            values = cols.values("date")
            today = run.today
            for p, date in enumerate(cols.dates("date")):
                if date is not None and date > today:
                    run.add(
                        "future-date",
                        "error",
                        sheet,
                        f"Ce contact est daté du {v.format_date(date)}, après aujourd'hui "
                        f"({v.format_date(today)}). Notez un contact une fois fait ; "
                        "un rappel prévu va dans « Rappeler le ».",
                        key="date",
                        row=numbers[p],
                        value=values[p],
                    )


def _positions_of(values: list[Any], wanted: dict[Any, Any]) -> list[int]:
    """The positions of the cells holding one of a few values (told apart by value)."""
    if len(wanted) > 8:
        return [p for p, x in enumerate(values) if x in wanted]
    found: list[int] = []
    for x in wanted:  # list.index scans in C: a few scans beat one Python loop
        at = -1
        try:
            while True:
                at = values.index(x, at + 1)
                found.append(at)
        except ValueError:
            continue
    found.sort()
    return found


def _replay_verdicts(run: _Run, sheet: SheetData, cols: _Columns, column: Column) -> None:
    """Check each distinct value of a column once; replay its findings on each of its cells."""
    values = cols.values(column.key)
    errors = cols.errors(column.key)  # an Excel error cell has its own finding
    numbers = cols.numbers
    cells: list[tuple[int, _Verdict]]
    if cols.by_value(column.key):
        bad = {
            x: verdict
            for x in cols.distinct(column.key)
            if x is not None and (verdict := _verdict(run, sheet, column, x))
        }
        if not bad:
            return
        cells = [(p, bad[values[p]]) for p in _positions_of(values, bad) if p not in errors]
    else:  # True and 1 in one column: cell by cell, remembered by (type, value)
        seen: dict[tuple[type, Any], _Verdict] = {}
        cells = []
        for p, x in enumerate(values):
            if x is None or p in errors:
                continue
            memo = (x.__class__, x)
            if memo not in seen:
                seen[memo] = _verdict(run, sheet, column, x)
            if seen[memo]:
                cells.append((p, seen[memo]))
    for p, verdict in cells:
        value = values[p]
        for args, kwargs in verdict:
            if kwargs.get("value") is _CELL:
                run.add(*args, row=numbers[p], **{**kwargs, "value": value})
            else:
                run.add(*args, row=numbers[p], **kwargs)


# ---------------------------------------------------------------- across rows and sheets


@dataclass
class _Org:
    row: RawRow
    name: str
    tracking: str | None
    contacts: list[int] = field(default_factory=list)  # positions in the Appels columns
    appointments: list[int] = field(default_factory=list)  # positions in the Rendez-vous ones


def _code(spec_list: str, value: Any) -> str | None:
    raw_text = v.text(value)
    if raw_text is None:
        return None
    hit = LIST_INDEX[spec_list].get(_fold(raw_text))
    return hit[0] if hit else None


def _date_of(row: RawRow, key: str) -> dt.date | None:
    if key in row.errors:
        return None
    return v.parse_date(row.values.get(key))


def _filled(row: RawRow, key: str) -> bool:
    return not v.is_blank(row.values.get(key)) and key not in row.errors


def _check_organisations(run: _Run) -> dict[str, _Org]:
    """Duplicates on Organisations; returns the organisations by folded Nom and ID."""
    sheet = run.raw.sheets.get("organisations")
    index: dict[str, _Org] = {}
    if sheet is None or "name" not in sheet.columns:
        return index
    rows = _rows_with_data(run, "organisations")
    seen_ids: dict[str, RawRow] = {}
    seen_names: dict[str, RawRow] = {}
    seen_phones: dict[str, tuple[RawRow, str]] = {}
    seen_emails: dict[str, tuple[RawRow, str]] = {}
    by_id: dict[str, _Org] = {}
    for row in rows:
        name = v.text(row.values.get("name"))
        org_id = v.text(row.values.get("id"))
        org = _Org(row, name or "", _code("Suivi", row.values.get("tracking")))
        if org_id:
            first = seen_ids.get(fold(org_id))
            if first is not None:
                run.add(
                    "duplicate-id",
                    "error",
                    sheet,
                    f"L'ID « {org_id} » est déjà celui de la ligne {first.row}. Chaque "
                    "organisation doit avoir son propre ID : videz la cellule, l'outil en "
                    "attribuera un nouveau.",
                    key="id",
                    row=row.row,
                    value=row.values.get("id"),
                )
            else:
                seen_ids[fold(org_id)] = row
                by_id.setdefault(fold(org_id), org)
        if name:
            key = name_key(name) or fold(name)
            first = seen_names.get(key)
            if first is not None:
                run.add(
                    "duplicate-name",
                    "error",
                    sheet,
                    f"« {name} » figure déjà à la ligne {first.row} "
                    f"({quote(first.values.get('name'))}). Regroupez les deux lignes en une "
                    "seule, ou distinguez les noms (par exemple par la ville ou le site).",
                    key="name",
                    row=row.row,
                    value=row.values.get("name"),
                )
            else:
                seen_names[key] = row
                index[key] = org
        _possible_duplicates(run, sheet, row, seen_phones, seen_emails)
    for key, org in by_id.items():
        index.setdefault("id:" + key, org)
    return index


def _possible_duplicates(
    run: _Run,
    sheet: SheetData,
    row: RawRow,
    seen_phones: dict[str, tuple[RawRow, str]],
    seen_emails: dict[str, tuple[RawRow, str]],
) -> None:
    reported = False
    mine: set[str] = set()
    for key in ("switchboard", "contact_phone", "contact_email"):
        if not _filled(row, key) or key not in sheet.columns:
            continue
        value = row.values.get(key)
        if key == "contact_email":
            norm = (v.text(value) or "").lower()
            if not _email_ok(norm):
                continue
            seen = seen_emails
            what = "l'adresse e-mail"
        else:
            formatted = _phone(value)  # format_phone(parse_phone(value)), remembered
            if formatted is None:
                continue
            norm = formatted
            seen = seen_phones
            what = "le numéro"
        if norm in mine:
            continue
        mine.add(norm)
        first = seen.get(norm)
        if first is None:
            seen[norm] = (row, v.text(row.values.get("name")) or "")
            continue
        if reported:
            continue
        reported = True
        run.add(
            "possible-duplicate",
            "warning",
            sheet,
            f"Cette organisation partage {what} {quote(value)} avec « {first[1]} » "
            f"(ligne {first[0].row}). S'il s'agit de la même organisation, regroupez les "
            "deux lignes ; sinon, rien à faire.",
            key=key,
            row=row.row,
            value=value,
        )


def _find_org(index: dict[str, _Org], name: str) -> _Org | None:
    return index.get(name_key(name) or fold(name)) or index.get("id:" + fold(name))


_Unknown = tuple[SheetData, int, str, Any]  # sheet, Excel row, name as read, cell value


def _link(run: _Run, index: dict[str, _Org]) -> list[_Unknown]:
    """Attach contacts and appointments to their organisation; return the unknown names' rows."""
    org_sheet = run.raw.sheets.get("organisations")
    can_link = org_sheet is not None and "name" in org_sheet.columns
    unknown: list[_Unknown] = []
    for key, attr in (("calls", "contacts"), ("appointments", "appointments")):
        sheet = run.raw.sheets.get(key)
        cols = run.columns(key)
        if sheet is None or cols is None or "organisation" not in sheet.columns:
            continue
        values = cols.values("organisation")
        filled = cols.filled("organisation")
        # each distinct name is looked up once: (name as read, its organisation)
        found = v.map_distinct(
            lambda x: (name, _find_org(index, name)) if (name := v.text(x)) else (None, None),
            values,
        )
        for p, (name, org) in enumerate(found):
            if name is None or not filled[p]:
                continue
            if org is not None:
                getattr(org, attr).append(p)
            elif can_link:
                unknown.append((sheet, cols.numbers[p], name, values[p]))
    return unknown


def _report_unknown(run: _Run, unknown: list[_Unknown], match: _NameMatcher) -> None:
    """One finding per row naming no organisation, with the closest Nom as a hint."""
    org_sheet = run.raw.sheets.get("organisations")
    for sheet, row, name, value in unknown:
        hint = match(name)
        tail = f" Vouliez-vous dire « {hint} » ?" if hint else ""
        run.add(
            "unknown-organisation",
            "error",
            sheet,
            f"« {name} » ne correspond à aucune organisation de la feuille "
            f"« {org_sheet.name if org_sheet else 'Organisations'} ».{tail} Écrivez le "
            "Nom exactement comme dans Organisations, ou ajoutez-y l'organisation.",
            key="organisation",
            row=row,
            value=value,
            suggestion=hint,
        )


_CALL_RULE_OUTCOMES = STEP4_OUTCOMES | {
    "redirected",
    "head-absent-callback",
    "send-info",
    "meeting-set",
}


def _check_calls(run: _Run, orgs: list[_Org]) -> None:
    sheet = run.raw.sheets.get("calls")
    cols = run.columns("calls")
    if sheet is None or cols is None:
        return
    numbers = cols.numbers
    org_of: list[_Org | None] = [None] * cols.n
    for owner in orgs:
        for p in owner.contacts:
            org_of[p] = owner
    apps_sheet = run.raw.sheets.get("appointments")
    apps = run.columns("appointments")
    app_dates = apps.dates("date") if apps is not None else []
    dates = cols.dates("date")
    callbacks = cols.dates("callback_date")
    for p, (date, callback) in enumerate(zip(dates, callbacks, strict=True)):
        if date is not None and callback is not None and callback < date:
            run.add(
                "callback-before-call",
                "error",
                sheet,
                f"« Rappeler le » ({v.format_date(callback)}) tombe avant la date de "
                f"l'appel ({v.format_date(date)}). Corrigez l'une des deux dates.",
                key="callback_date",
                row=numbers[p],
                value=cols.values("callback_date")[p],
            )
    outcomes = cols.codes("outcome", "Resultat")
    shown_values = cols.values("outcome")
    filled = cols.filled
    for p, outcome in enumerate(outcomes):
        if outcome not in _CALL_RULE_OUTCOMES:
            continue
        row = numbers[p]
        org = org_of[p]
        shown = shown_values[p]
        date = dates[p]
        if outcome == "redirected" and not any(
            filled(k)[p] for k in ("phone", "email", "department")
        ):
            run.add(
                "outcome-needs-data",
                "error",
                sheet,
                f"Résultat {quote(shown)} sans coordonnées : notez le numéro "
                "(« Téléphone obtenu »), l'adresse (« Email obtenu ») ou le service à qui "
                "écrire (« Service (courrier) »).",
                key="outcome",
                row=row,
                value=shown,
            )
        elif outcome == "head-absent-callback" and not any(
            filled(k)[p] for k in ("contact", "callback_date")
        ):
            run.add(
                "outcome-needs-data",
                "error",
                sheet,
                f"Résultat {quote(shown)} sans précision : notez qui rappeler "
                "(« Interlocuteur ») ou quand (« Rappeler le »).",
                key="outcome",
                row=row,
                value=shown,
            )
        elif outcome == "send-info" and not _has_address(cols, p, org):
            run.add(
                "outcome-needs-data",
                "error",
                sheet,
                f"Résultat {quote(shown)} mais aucune adresse où l'envoyer : notez une "
                "adresse e-mail (« Email obtenu ») ou un service (« Service (courrier) »).",
                key="outcome",
                row=row,
                value=shown,
            )
        if outcome == "meeting-set" and date is not None and org is not None and apps_sheet:
            later = [a for a in org.appointments if (d := app_dates[a]) and d >= date]
            if not later:
                where = apps_sheet.name
                run.add(
                    "meeting-missing",
                    "warning",
                    sheet,
                    f"Un rendez-vous a été fixé le {v.format_date(date)} mais la feuille "
                    f"« {where} » n'en a aucun pour « {org.name} » à cette date ou après. "
                    "Ajoutez-y le rendez-vous.",
                    key="outcome",
                    row=row,
                    value=shown,
                )
        if outcome in STEP4_OUTCOMES and not filled("knows_cbpt")[p]:
            if org is not None and _filled(org.row, "knows_cbpt"):
                continue
            run.add(
                "knows-cbpt-missing",
                "warning",
                sheet,
                "Un entretien a eu lieu mais « Connaît CBPT » est vide. Notez si "
                "l'interlocuteur connaissait déjà CBPT (Oui ou Non) : cela oriente le "
                "prochain échange.",
                key="knows_cbpt",
                row=row,
                sheet_key="calls",
            )


def _has_address(cols: _Columns, p: int, org: _Org | None) -> bool:
    """Whether a send-info contact has somewhere to send to (its row, its organisation's)."""
    email, department = cols.filled("email"), cols.filled("department")
    if email[p] or department[p]:
        return True
    if org is None:
        return False
    if _filled(org.row, "contact_email") or _filled(org.row, "department"):
        return True
    return any(email[c] or department[c] for c in org.contacts)


def _check_appointments(run: _Run) -> None:
    sheet = run.raw.sheets.get("appointments")
    if sheet is None:
        return
    for row in _rows_with_data(run, "appointments"):
        status = _code("Statut", row.values.get("status")) if _filled(row, "status") else "proposed"
        if status is None:
            continue  # not-in-list already says it
        if _filled(row, "result") and status != "held":
            run.add(
                "result-before-held",
                "warning",
                sheet,
                f"La « Suite » {quote(row.values.get('result'))} est remplie alors que le "
                "rendez-vous n'est pas « Réalisé ». Passez le Statut à « Réalisé » une fois "
                "le rendez-vous tenu, ou videz la Suite.",
                key="result",
                row=row.row,
                value=row.values.get("result"),
            )
        date = _date_of(row, "date")
        if status == "held" and date is not None and date > run.today:
            run.add(
                "held-in-future",
                "error",
                sheet,
                f"Ce rendez-vous est marqué « Réalisé » mais il est daté du "
                f"{v.format_date(date)}, après aujourd'hui. Corrigez la date ou le Statut "
                "(« Confirmé » en attendant).",
                key="status",
                row=row.row,
                value=row.values.get("status"),
            )


def _check_per_organisation(run: _Run, orgs: list[_Org]) -> None:
    org_sheet = run.raw.sheets["organisations"]
    calls = run.raw.sheets.get("calls")
    cols = run.columns("calls")
    settings = read_settings(run.raw)
    cutoff = add_months(run.today, -settings.retention_months)
    dates: list[dt.date | None] = cols.dates("date") if cols is not None else []
    numbers = cols.numbers if cols is not None else []
    opted_out = (
        [c == "opt-out" for c in cols.codes("outcome", "Resultat")] if cols is not None else []
    )
    # contacts in date order (undated first), then row order: positions follow the rows
    order = [d or dt.date.min for d in dates]
    with_opt_out: set[int] = set()  # the organisations with a refusal noted
    if any(opted_out):
        with_opt_out = {id(o) for o in orgs for p in o.contacts if opted_out[p]}
    for org in orgs:
        contacts = sorted(org.contacts, key=order.__getitem__)
        # contacted-after-opt-out
        if calls is not None and (org.tracking == "opposition" or id(org) in with_opt_out):
            _contacted_after_opt_out(run, calls, org, contacts, order, opted_out, numbers)
        # preparation-missing
        if contacts:
            missing: list[tuple[str, str]] = []
            r = org.row
            if not _filled(r, "activity"):
                missing.append(("activity", PREPARATION_LABELS["activity"]))
            if not _filled(r, "staff"):
                missing.append(("staff", PREPARATION_LABELS["staff"]))
            if not _filled(r, "switchboard") and not _filled(r, "contact_phone"):
                missing.append(("switchboard", PREPARATION_LABELS["phone"]))
            if not _filled(r, "head") and not _filled(r, "contact"):
                missing.append(("head", PREPARATION_LABELS["person"]))
            if not _filled(r, "objective"):
                missing.append(("objective", PREPARATION_LABELS["objective"]))
            present = [(k, label) for k, label in missing if k in org_sheet.columns]
            if present:
                names = ", ".join(label for _, label in present)
                run.add(
                    "preparation-missing",
                    "warning",
                    org_sheet,
                    f"« {org.name} » a déjà été contactée mais sa préparation est incomplète "
                    f"({names}). Complétez ces informations avant le prochain échange.",
                    key=sorted(present, key=lambda p: org_sheet.columns[p[0]])[0][0],
                    row=org.row.row,
                )
        # retention-expired
        last = max(filter(None, map(dates.__getitem__, contacts)), default=None)
        if last is not None and last < cutoff:
            assert cols is not None
            personal_org = [k for k in PERSONAL_ORG_KEYS if _filled(org.row, k)]
            personal_calls = any(cols.filled(k)[p] for p in contacts for k in PERSONAL_CALL_KEYS)
            if personal_org or personal_calls:
                key = (
                    min(personal_org, key=lambda k: org_sheet.columns.get(k, 0))
                    if personal_org
                    else "name"
                )
                run.add(
                    "retention-expired",
                    "warning",
                    org_sheet,
                    f"Aucun contact avec « {org.name} » depuis le {v.format_date(last)}, "
                    f"soit plus de {settings.retention_months} mois : les données personnelles "
                    "(interlocuteur, téléphones, e-mails) doivent être revues ou effacées (RGPD).",
                    key=key,
                    row=org.row.row,
                    value=org.row.values.get(key),
                )


def _contacted_after_opt_out(
    run: _Run,
    calls: SheetData,
    org: _Org,
    contacts: list[int],
    order: list[dt.date],
    opted_out: list[bool],
    numbers: list[int],
) -> None:
    """Contacts after a refusal to be contacted, or of an organisation marked Ne pas contacter."""
    opt_outs = [p for p in contacts if opted_out[p]]
    if org.tracking == "opposition":
        start = opt_outs[-1] if opt_outs else None
    else:
        start = opt_outs[0] if opt_outs else None
    if org.tracking != "opposition" and start is None:
        return
    values = calls.data.get("date") or [None] * len(numbers)
    for p in contacts:
        # after the refusal: later in date order, or the same date on a later row
        if start is not None and (order[p], numbers[p]) <= (order[start], numbers[start]):
            continue
        if opted_out[p]:
            continue
        if opt_outs and start is not None:
            why = f"après le refus d'être recontacté noté ligne {numbers[start]}"
        else:
            why = "alors que l'organisation est marquée « Ne pas contacter »"
        run.add(
            "contacted-after-opt-out",
            "error",
            calls,
            f"« {org.name} » a été contactée {why}. Respectez son refus : ne la "
            "recontactez plus ; si ce contact est une erreur de saisie, corrigez-le.",
            key="date",
            row=numbers[p],
            value=values[p],
        )


def _run(raw: RawWorkbook, today: dt.date) -> _Run:
    """Every pass over the workbook, each with its rank (``phase``).

    Findings of one cell sort by rank, so the passes may run in any order.
    """
    run = _Run(raw, today)
    run.phase = 0
    _check_structure(run)
    run.phase = 2
    index = _check_organisations(run)
    orgs = list({id(o): o for o in index.values()}.values())
    names = [o.name for o in orgs]
    unknown = _link(run, index)  # rank 3, reported last
    match = _NameMatcher(names, [_fold(n) for n in names])
    run.phase = 1
    _check_cells(run)
    run.phase = 4
    _check_calls(run, orgs)
    run.phase = 5
    _check_appointments(run)
    run.phase = 6
    if "organisations" in raw.sheets:
        _check_per_organisation(run, orgs)
    run.phase = 3
    _report_unknown(run, unknown, match)
    return run


def report_of(path: str, findings: list[Finding]) -> Report:
    """A report from findings: counts by severity, valid when there is no error."""
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    return Report(
        file=path,
        valid=errors == 0,
        counts={"error": errors, "warning": warnings},
        findings=findings,
    )


def check_raw(raw: RawWorkbook, today: dt.date) -> Report:
    """Every finding of checks.md for a raw workbook, sorted by sheet, row and column."""
    items = _run(raw, today).sorted()
    return report_of(raw.path, [item.finding for item in items])


def safe_fixes(raw: RawWorkbook, today: dt.date) -> list[Fix]:
    """The safe rewrites ``check --fix`` may apply: text dates, list spelling, phones, postcodes."""
    fixes: list[Fix] = []
    for item in _run(raw, today).sorted():
        f = item.finding
        if item.fix is _NO_FIX or f.cell is None:
            continue
        fixes.append(Fix(sheet=f.sheet, cell=f.cell, old=f.value, new=item.fix))
    return fixes


# ---------------------------------------------------------------- text output


def summary_line(report: Report, sheets: int, rows: int) -> str:
    """``2 erreurs, 5 avertissements (3 feuilles, 1 250 lignes)``."""
    return (
        f"{plural(report.counts.get('error', 0), 'erreur')}, "
        f"{plural(report.counts.get('warning', 0), 'avertissement')} "
        f"({plural(sheets, 'feuille')}, {plural(rows, 'ligne')})"
    )


def finding_line(finding: Finding) -> str:
    """One finding on one line: ``Appels!F12  erreur  not-in-list  Résultat « … » : message``."""
    where = f"{finding.sheet}!{finding.cell}" if finding.cell else finding.sheet
    shown = quote(finding.value) if finding.value is not None else None
    detail = " ".join(p for p in (finding.column, shown) if p)
    return (
        f"{where}  {SEVERITY_FR[finding.severity]}  {finding.code}  "
        + (f"{detail} : " if detail else "")
        + finding.message
    )


def render_text(report: Report, sheets: int, rows: int) -> str:
    """The text output of ``check``: findings grouped by sheet, then the summary line."""
    lines: list[str] = []
    current: str | None = None
    for finding in report.findings:
        if finding.sheet != current:
            if current is not None:
                lines.append("")
            current = finding.sheet
        lines.append(finding_line(finding))
    if lines:
        lines.append("")
    lines.append(summary_line(report, sheets, rows))
    return "\n".join(lines)


def fix_line(fix: Fix) -> str:
    """One applied fix: ``Appels!A3 : « 03/12/2026 » → 03/12/2026``."""
    new = v.format_date(fix.new) if isinstance(fix.new, dt.date) else fix.new
    return f"{fix.sheet}!{fix.cell} : {quote(fix.old)} → « {new} »"
