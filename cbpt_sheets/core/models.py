"""The data of a workbook and of the results computed on it.

Raw rows are slotted dataclasses (a network workbook holds hundreds of thousands
of them); the domain objects and results are pydantic models, so that their JSON
is what the library returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from cbpt_sheets.core.a1 import column_letter
from cbpt_sheets.core.gc_pause import gc_paused
from cbpt_sheets.core.schema import SETTINGS

# ---------------------------------------------------------------- raw workbook


@dataclass(slots=True)
class RawRow:
    """One non-blank row of a data sheet: raw values by column key, keeping the Excel row."""

    row: int
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)  # column key -> "#N/A", "#REF!", ...


@dataclass
class SheetData:
    """A data sheet as read: where each known column is, the unknown ones, the rows.

    The values are held by column (``data``: one list per known column, aligned with
    ``numbers``), which is how the checks and the model builder go through them;
    ``rows`` gives the same values row by row, built on first use. In ``data`` a
    blank cell (empty, or only spaces) is None, and equal texts are one object.
    """

    key: str
    name: str
    columns: dict[str, int]  # column key -> 0-based index of its first occurrence
    headers: list[str]  # header text by column index, as typed
    unknown: list[int] = field(default_factory=list)  # indexes of unknown headers
    duplicates: list[tuple[str, int]] = field(default_factory=list)  # (key, index) seen again
    header_row: int = 1
    numbers: list[int] = field(default_factory=list)  # Excel row of each non-blank row
    data: dict[str, list[Any]] = field(default_factory=dict)  # column key -> values by row
    cell_errors: dict[int, dict[str, str]] = field(default_factory=dict)  # position -> errors
    # dates typed without a year, read for a day (core.readings): column key -> position -> reading
    yearless: dict[str, dict[int, Any]] = field(default_factory=dict)
    merged: list[str] = field(default_factory=list)  # merged ranges over data cells ("C12:C14")
    # columns found by their values, their header being another or blank: key -> index
    inferred: dict[str, int] = field(default_factory=dict)
    _rows: list[RawRow] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def rows(self) -> list[RawRow]:
        """The non-blank rows, in sheet order (built from ``data`` once)."""
        if self._rows is None:
            with gc_paused():
                self._rows = self._build_rows()
        return self._rows

    def _build_rows(self) -> list[RawRow]:
        keys = list(self.data)
        errors = self.cell_errors
        if not keys:
            return [
                RawRow(number, {}, errors.get(i) or {}) for i, number in enumerate(self.numbers)
            ]
        values = zip(*self.data.values(), strict=True)
        return [
            RawRow(number, dict(zip(keys, cells, strict=True)), errors.get(i) or {})
            for i, (number, cells) in enumerate(zip(self.numbers, values, strict=True))
        ]

    def cell(self, key: str, row: int) -> str:
        """The A1 reference of a column's cell on a row (``F12``)."""
        return f"{column_letter(self.columns[key])}{row}"


@dataclass
class RawWorkbook:
    """A workbook as read from a file, before typing: the input of checks and models."""

    path: str
    lang: str
    sheet_names: list[str]
    sheets: dict[str, SheetData]
    settings: dict[str, Any] = field(default_factory=dict)  # setting key -> raw value
    settings_cells: dict[str, str] = field(default_factory=dict)  # setting key -> "B3"
    volunteers: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    volunteer_emails: dict[str, str] = field(default_factory=dict)  # volunteer -> e-mail
    library_addresses: dict[str, str] = field(default_factory=dict)  # library -> postal address
    error_cells: dict[tuple[str, int, int], str] = field(default_factory=dict)
    yearless_today: dt.date | None = None  # the day the yearless dates were read for

    @property
    def row_count(self) -> int:
        return sum(len(s.numbers) for s in self.sheets.values())


# ---------------------------------------------------------------- domain models


class _Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="forbid", defer_build=True)


M = TypeVar("M", bound=BaseModel)
_ALL_FIELDS: dict[type, frozenset[str]] = {}


def construct(model: type[M], **fields: Any) -> M:
    """``model.model_construct(**fields)`` for callers that give every field, at a third of the cost.

    For results computed by the core from typed values (findings, next actions): no
    validation, as model_construct. Issue 22: model_construct took about 30 µs a
    model, 0.3-1 s for the 10 000 actions or 40 000 findings of the large benchmarks.
    Falls back to model_construct when a field is missing or unknown.
    """
    names = _ALL_FIELDS.get(model)
    if names is None:
        names = _ALL_FIELDS[model] = frozenset(model.model_fields)
    if len(fields) != len(names) or model.__private_attributes__ or not names.issuperset(fields):
        return model.model_construct(**fields)
    obj = model.__new__(model)
    object.__setattr__(obj, "__dict__", fields)
    object.__setattr__(obj, "__pydantic_fields_set__", set(names))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


class Organisation(_Model):
    """An organisation or association to contact (a row of Organisations)."""

    row: int
    id: str | None = None
    name: str
    type: str | None = None
    activity: str | None = None
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    staff: int | None = None
    switchboard: str | None = None
    head: str | None = None
    head_role: str | None = None
    contact: str | None = None
    contact_role: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    department: str | None = None
    library: str | None = None
    volunteer: str | None = None
    objective: str | None = None
    offer: str | None = None
    knows_cbpt: str | None = None  # "yes" | "no"
    tracking: str = "actif"
    notes: str | None = None


class Contact(_Model):
    """A call, e-mail or letter of the Appels sheet."""

    row: int
    date: dt.date | None = None
    time: dt.time | None = None
    organisation: str
    volunteer: str | None = None
    channel: str = "phone"
    outcome: str | None = None
    contact: str | None = None
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    department: str | None = None
    callback_date: dt.date | None = None
    callback_slot: str | None = None
    knows_cbpt: str | None = None
    expectations: str | None = None
    notes: str | None = None


class Appointment(_Model):
    """An appointment of the Rendez-vous sheet."""

    row: int
    organisation: str
    date: dt.date | None = None
    time: dt.time | None = None
    place: str | None = None  # "theirs" | "library"
    library_visit: str | None = None
    contact: str | None = None
    volunteer: str | None = None
    status: str = "proposed"
    result: str | None = None
    welcome_event: str | None = None
    notes: str | None = None


_DEFAULTS: dict[str, int] = {s.key: s.default for s in SETTINGS}


class Settings(_Model):
    """The delays of Paramètres and its lists of volunteers and libraries."""

    # the defaults are the schema's (Paramètres), declared there once
    retry_days: int = _DEFAULTS["retry_days"]
    max_no_answer: int = _DEFAULTS["max_no_answer"]
    follow_up_days: int = _DEFAULTS["follow_up_days"]
    call_back_days: int = _DEFAULTS["call_back_days"]
    prepare_days: int = _DEFAULTS["prepare_days"]
    recontact_months: int = _DEFAULTS["recontact_months"]
    retention_months: int = _DEFAULTS["retention_months"]
    volunteers: list[str] = Field(default_factory=list)
    libraries: list[str] = Field(default_factory=list)
    # second generation, each optional: Paramètres columns E and G, and a text setting
    volunteer_emails: dict[str, str] = Field(default_factory=dict)  # volunteer -> e-mail
    library_addresses: dict[str, str] = Field(default_factory=dict)  # library -> address
    templates_dir: str | None = None  # folder of the coordinator's draft templates


assert {s.key for s in SETTINGS} <= set(Settings.model_fields)  # every setting has its field


class Workbook(_Model):
    """The typed content of a workbook: what the step logic works on."""

    path: str = ""
    lang: str = "fr"
    organisations: list[Organisation] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    appointments: list[Appointment] = Field(default_factory=list)
    settings: Settings = Field(default_factory=Settings)


# ---------------------------------------------------------------- results

Severity = Literal["error", "warning"]


class Finding(_Model):
    """One problem found in a workbook, at one cell (or one sheet)."""

    code: str
    severity: Severity
    sheet: str
    cell: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    message: str
    suggestion: str | None = None


class Fix(_Model):
    """A safe rewrite of one cell that ``check --fix`` applies."""

    sheet: str
    cell: str
    old: Any = None
    new: Any = None


class Report(_Model):
    """The result of the checks: the JSON of ``check --format json``."""

    file: str
    valid: bool
    counts: dict[str, int]
    findings: list[Finding]


class BlockedCell(_Model):
    """A cell the plan could not use, that blocks an organisation's next action (rule 1b)."""

    sheet: str
    cell: str
    code: str


class NextAction(_Model):
    """The one next action of an organisation (next-actions.md)."""

    organisation: str
    id: str | None = None
    row: int
    stage: str
    action: str
    label: str
    due: dt.date | None = None
    reason: str
    volunteer: str | None = None
    library: str | None = None
    contact: str | None = None
    phone: str | None = None
    email: str | None = None
    talking_points: list[str] = Field(default_factory=list)
    gdpr: bool = False
    blocked_by: list[BlockedCell] = Field(default_factory=list)
    rule: str = Field(default="", exclude=True)  # the rule of next-actions.md: "1", "1b" ... "29"


class FollowUpItem(_Model):
    """One line of a follow-up list."""

    bucket: str
    category: str
    due: dt.date | None = None
    organisation: str
    action: str
    label: str
    volunteer: str | None = None
    library: str | None = None
    contact: str | None = None
    phone: str | None = None
    email: str | None = None


class GridChart(_Model):
    """A native chart of a generated sheet, drawn from a block of the sheet's own cells.

    The block: ``header_row`` holds the series names, rows ``first_row`` to ``last_row``
    the data; ``category_column`` the categories, ``value_columns`` one series each
    (0-based). ``anchor``: the A1 cell of its top-left corner; size in centimetres.
    """

    kind: Literal["bar", "column", "line"]
    title: str
    header_row: int
    first_row: int
    last_row: int
    category_column: int
    value_columns: list[int]
    anchor: str
    width_cm: float = 16.0
    height_cm: float = 7.5
    stacked: bool = False
    axis_title: str | None = None  # of the values


class SheetGrid(_Model):
    """A generated sheet (Suivi, Contrôles, Fiche) as rows of values; writers lay it out.

    Row and column indexes are 0-based; ``links`` maps an A1 cell of this sheet to a
    location in the workbook (``'Appels'!F12``) it should link to.
    """

    name: str
    rows: list[list[Any]] = Field(default_factory=list)
    widths: list[float] = Field(default_factory=list)
    title_rows: list[int] = Field(default_factory=list)
    header_rows: list[int] = Field(default_factory=list)
    links: dict[str, str] = Field(default_factory=dict)
    wrap_columns: list[int] = Field(default_factory=list)  # long text wraps (printed lists)
    page_header: str = ""  # printed at the top of every page (the volunteer of a filtered list)
    page_footer: str = ""  # printed at the bottom left of every page (title and date)
    charts: list[GridChart] = Field(default_factory=list)  # native charts (Tableau de bord)
