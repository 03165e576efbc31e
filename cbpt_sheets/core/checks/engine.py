"""The machinery every check runs on: the collector, the column view, the verdict replay.

A pass adds findings through ``Run.add`` (a code and its message fields); the
collector turns them into ``Finding`` objects in sheet, row, column and pass order.
The cell checks see each distinct value of a column once: ``replay_verdicts``
records what a check says of a value and replays it on every cell holding it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cbpt_sheets.core import values as v
from cbpt_sheets.core.a1 import column_letter
from cbpt_sheets.core.checks.findings import FINDINGS
from cbpt_sheets.core.french import typo
from cbpt_sheets.core.models import Finding, RawRow, RawWorkbook, Severity, SheetData, construct
from cbpt_sheets.core.schema import DATA_SHEETS, Column, Sheet, list_code

NO_FIX = object()
_SHEET_ORDER = {s.key: i for i, s in enumerate(DATA_SHEETS)}


@dataclass
class Item:
    """A finding with its place in the report and its safe fix (``NO_FIX`` when none)."""

    order: tuple[int, int, int, int, int]
    finding: Finding
    fix: Any = NO_FIX


@dataclass
class Run:
    """One pass of the checks over a raw workbook."""

    raw: RawWorkbook
    today: dt.date
    items: list[Item] = field(default_factory=list)
    seq: int = 0
    phase: int = 0  # the rank of the running pass: same-cell findings sort in pass order
    _columns: dict[str, Columns] = field(default_factory=dict)

    def columns(self, key: str) -> Columns | None:
        """The column view of a data sheet (None when the workbook lacks it)."""
        cols = self._columns.get(key)
        if cols is None:
            sheet = self.raw.sheets.get(key)
            if sheet is None:
                return None
            cols = self._columns[key] = Columns(sheet)
        return cols

    def add(
        self,
        code: str,
        sheet: SheetData | None,
        fields: dict[str, Any] | None = None,
        variant: str | None = None,
        **where: Any,
    ) -> None:
        """A finding of a declared code: its message from the declaration and ``fields``.

        ``where``: the place and data of ``put`` (key, index, row, value, suggestion...).
        """
        kind = FINDINGS[code]
        message = kind.message(variant, **(fields or {}))
        self.put(code, kind.severity_of(variant), sheet, message, **where)

    def put(
        self,
        code: str,
        severity: Severity,
        sheet: SheetData | None,
        message: str,
        *,
        sheet_name: str | None = None,
        key: str | None = None,
        index: int | None = None,
        row: int | None = None,
        value: Any = None,
        suggestion: str | None = None,
        fix: Any = NO_FIX,
        sheet_key: str | None = None,
    ) -> None:
        """A finding with its message written: placed at its cell and queued in order."""
        if index is None and key is not None and sheet is not None:
            index = sheet.columns.get(key)
        column: str | None = None
        if sheet is not None and index is not None and index < len(sheet.headers):
            column = sheet.headers[index]
        elif key is not None:
            spec = sheet_spec(sheet_key or (sheet.key if sheet else ""))
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
        # model_construct: the fields come typed from the declarations above; validating
        # each of 40 000 findings cost a tenth of a second on the findings benchmark (issue 22)
        finding = construct(
            Finding,
            code=code,
            severity=severity,
            sheet=sheet.name if sheet is not None else (sheet_name or ""),
            cell=cell,
            row=row,
            column=column,
            value=value,
            message=typo(message),
            suggestion=suggestion,
        )
        self.items.append(Item(order, finding, fix))

    def sorted(self) -> list[Item]:
        return sorted(self.items, key=lambda item: item.order)


def sheet_spec(key: str) -> Sheet | None:
    """The schema of a data sheet by its key."""
    for spec in DATA_SHEETS:
        if spec.key == key:
            return spec
    return None


def computed_keys(spec: Sheet) -> frozenset[str]:
    return frozenset(c.key for c in spec.columns if c.computed)


def rows_with_data(run: Run, key: str) -> list[RawRow]:
    """The rows of a sheet holding something outside the computed columns, in order."""
    cols = run.columns(key)
    if cols is None:
        return []
    rows = cols.sheet.rows
    return [rows[p] for p in cols.with_data()]


def code_of(spec_list: str, value: Any) -> str | None:
    """The list code of a cell value (case, accents and spaces ignored), None if unknown."""
    raw_text = v.text(value)
    if raw_text is None:
        return None
    return list_code(spec_list, raw_text)  # labels and the volunteers' words


def date_of(row: RawRow, key: str) -> dt.date | None:
    """A row's cell as a date, None when blank, unreadable or an Excel error."""
    if key in row.errors:
        return None
    return v.parse_date(row.values.get(key))


def filled(row: RawRow, key: str) -> bool:
    """Whether a row's cell holds something (not blank, not an Excel error)."""
    return not v.is_blank(row.values.get(key)) and key not in row.errors


class Columns:
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
        """True where the cell holds something (``filled``: not blank, not an Excel error)."""
        hit = self._memo.get(("filled", key))
        if hit is None:
            hit = list(map(operator.is_not, self.values(key), itertools.repeat(None)))
            for position in self.errors(key):
                hit[position] = False
            self._memo[("filled", key)] = hit
        return hit

    def dates(self, key: str) -> list[dt.date | None]:
        """The cell as a date, None when blank, unreadable or an Excel error."""
        hit: list[dt.date | None] = self._mapped("date", key, v.parse_date, None)
        for p, reading in self.sheet.yearless.get(key, {}).items():
            hit[p] = reading.date  # a date typed without a year, read for its row (readings)
        return hit

    def codes(self, key: str, list_name: str) -> list[str | None]:
        """The list code of the cell (``code_of``), None when blank, unknown or an Excel error."""
        return self._mapped("code", key, lambda x: code_of(list_name, x), None)

    def with_data(self) -> list[int]:
        """The positions of the rows holding something outside the computed columns."""
        if self._with_data is None:
            spec = sheet_spec(self.sheet.key)
            computed = computed_keys(spec) if spec is not None else frozenset()
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


# ---------------------------------------------------------------- verdict replay

CellCheck = Callable[[Any, SheetData, Column, int, Any], None]
"""A check of one cell: ``check(run, sheet, column, row, value)``, adding findings to ``run``."""

_CELL = object()  # stands for the cell's own value in a recorded verdict
_Verdict = tuple[tuple[tuple[Any, ...], dict[str, Any]], ...]


class _Recorder:
    """Stands in for a ``Run`` while one cell is checked: records the findings it adds.

    A cell's verdict depends only on its column and value (never on its row), so the
    recorded findings are replayed, with the row, for every other cell of the column
    holding the same value: each distinct value is parsed, checked and its message
    written once.
    """

    __slots__ = ("calls", "raw", "today", "value")

    def __init__(self, run: Run, value: Any) -> None:
        self.raw = run.raw
        self.today = run.today
        self.value = value
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def add(
        self,
        code: str,
        sheet: SheetData | None,
        fields: dict[str, Any] | None = None,
        variant: str | None = None,
        **where: Any,
    ) -> None:
        kind = FINDINGS[code]
        message = kind.message(variant, **(fields or {}))
        where.pop("row", None)
        if "value" in where and where["value"] is self.value:
            where["value"] = _CELL  # replayed with the cell's own value
        self.calls.append(((code, kind.severity_of(variant), sheet, message), where))


def _verdict(run: Run, check: CellCheck, sheet: SheetData, column: Column, value: Any) -> _Verdict:
    """The findings ``check`` adds for this value in this column, row left out."""
    recorder = _Recorder(run, value)
    check(recorder, sheet, column, 0, value)
    return tuple(recorder.calls)


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


def replay_verdicts(
    run: Run, check: CellCheck, sheet: SheetData, cols: Columns, column: Column
) -> None:
    """Check each distinct value of a column once; replay its findings on each of its cells."""
    values = cols.values(column.key)
    errors = cols.errors(column.key)  # an Excel error cell has its own finding
    numbers = cols.numbers
    cells: list[tuple[int, _Verdict]]
    if cols.by_value(column.key):
        bad = {
            x: verdict
            for x in cols.distinct(column.key)
            if x is not None and (verdict := _verdict(run, check, sheet, column, x))
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
                seen[memo] = _verdict(run, check, sheet, column, x)
            if seen[memo]:
                cells.append((p, seen[memo]))
    for p, verdict in cells:
        value = values[p]
        for args, kwargs in verdict:
            if kwargs.get("value") is _CELL:
                run.put(*args, row=numbers[p], **{**kwargs, "value": value})
            else:
                run.put(*args, row=numbers[p], **kwargs)
