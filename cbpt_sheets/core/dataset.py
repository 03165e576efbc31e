"""From raw rows to typed models (pure): what a cell means for the step logic.

Invalid cells become None here (the checks report them); nothing raises.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from cbpt_sheets.core import values as v
from cbpt_sheets.core.gc_pause import gc_paused
from cbpt_sheets.core.models import (
    Appointment,
    Contact,
    Organisation,
    RawWorkbook,
    Settings,
    SheetData,
    Workbook,
)
from cbpt_sheets.core.readings import read_yearless
from cbpt_sheets.core.schema import (
    APPOINTMENTS,
    CALLS,
    EXACT_LIST_INDEX,
    LISTS,
    ORGANISATIONS,
    SETTINGS,
    TEXT_SETTINGS,
    ColType,
    Column,
    Setting,
    Sheet,
    list_code,
)


def typed(column: Column, value: Any) -> Any:
    """A raw cell value typed as its column says (None when blank or unreadable)."""
    if v.is_blank(value):
        return None
    kind = column.type
    if kind is ColType.DATE:
        return v.parse_date(value)
    if kind is ColType.TIME:
        return v.parse_time(value)
    if kind is ColType.INT:
        return v.parse_int(value)
    if kind is ColType.PHONE:
        return v.phone(value) or None
    if kind is ColType.POSTCODE:
        return v.postcode(value)
    if kind is ColType.LIST and column.list is not None:
        raw = v.text(value)
        if raw is None:
            return None
        from cbpt_sheets.core.schema import LISTS

        if LISTS[column.list].dynamic:
            return raw
        return list_code(column.list, raw)
    return v.text(value)


def _text_cell(value: Any) -> Any:
    """``typed`` for a text column, with the common case (a string) first."""
    if value.__class__ is str:
        return value.strip() or None
    return v.text(value)


def _list_cell(list_name: str) -> Callable[[Any], Any]:
    """``typed`` for a static list column: exact labels by dict look-up, the rest as typed() does."""
    exact = EXACT_LIST_INDEX[list_name]
    column_cache: dict[str, str | None] = {}

    def convert(value: Any) -> Any:
        if value.__class__ is str:
            code = exact.get(value)
            if code is not None:
                return code
            if value not in column_cache:
                raw = v.text(value)
                column_cache[value] = list_code(list_name, raw) if raw is not None else None
            return column_cache[value]
        raw = v.text(value)
        return list_code(list_name, raw) if raw is not None else None

    return convert


def _converter(column: Column) -> Callable[[Any], Any]:
    """The function that types one column's raw values exactly as ``typed`` does, only faster."""
    if column.type is ColType.TEXT or (column.type is ColType.LIST and column.list is not None and LISTS[column.list].dynamic):  # fmt: skip
        return _text_cell
    if column.type is ColType.LIST and column.list is not None:
        return _list_cell(column.list)
    direct = _DIRECT.get(column.type)  # typed() after its blank test, which typed_column does
    if direct is not None:
        return direct
    return lambda value: typed(column, value)


def _phone_cell(value: Any) -> str | None:
    return v.phone(value) or None


_DIRECT: dict[ColType, Callable[[Any], Any]] = {
    ColType.DATE: v.parse_date,
    ColType.TIME: v.parse_time,
    ColType.INT: v.parse_int,
    ColType.PHONE: _phone_cell,
    ColType.POSTCODE: v.postcode,
}


_CONVERTERS: dict[str, dict[str, Callable[[Any], Any]]] = {}


def _converters(spec: Sheet) -> dict[str, Callable[[Any], Any]]:
    """The converter of each non-computed column of a sheet (built once)."""
    converters = _CONVERTERS.get(spec.key)
    if converters is None:
        converters = _CONVERTERS[spec.key] = {
            c.key: _converter(c) for c in spec.columns if not c.computed
        }
    return converters


M = TypeVar("M", bound=BaseModel)
_DEFAULTS_CACHE: dict[type, dict[str, Any]] = {}


def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    """The defaults of a model's optional fields (model_construct-style building skips them)."""
    defaults = _DEFAULTS_CACHE.get(model)
    if defaults is None:
        defaults = _DEFAULTS_CACHE[model] = {
            name: f.get_default(call_default_factory=True)
            for name, f in model.model_fields.items()
            if not f.is_required()
        }
    return defaults


def setting_value(setting: Setting, value: Any) -> int | None:
    """A Paramètres value as a whole number in the setting's range, else None (default used)."""
    number = v.parse_int(value)
    return number if number is not None and setting.allows(number) else None


def invalid_settings(raw: RawWorkbook) -> list[tuple[Setting, str | None, Any]]:
    """The settings whose value is filled but not a whole number in range: (setting, cell, value)."""
    return [
        (setting, raw.settings_cells.get(setting.key), value)
        for setting in SETTINGS
        if not v.is_blank(value := raw.settings.get(setting.key))
        and setting_value(setting, value) is None
    ]


def settings(raw: RawWorkbook) -> Settings:
    """The settings of Paramètres; a blank, unreadable or out-of-range value keeps its default."""
    data: dict[str, Any] = {}
    for setting in SETTINGS:
        value = setting_value(setting, raw.settings.get(setting.key))
        data[setting.key] = value if value is not None else setting.default
    for text_setting in TEXT_SETTINGS:
        value = raw.settings.get(text_setting.key)
        data[text_setting.key] = None if v.is_blank(value) else str(value).strip()
    return Settings(
        **data,
        volunteers=list(raw.volunteers),
        libraries=list(raw.libraries),
        volunteer_emails=dict(raw.volunteer_emails),
        library_addresses=dict(raw.library_addresses),
    )


def build(raw: RawWorkbook, today: dt.date | None = None) -> Workbook:
    """The typed workbook of a raw one (rows that cannot be typed are left to the checks).

    ``today``: the day dates typed without a year are read for (``readings``); without
    it, the readings already made are used (none: such dates are left unread).

    The models are built as ``model_construct`` builds them, every field set; the
    models of one sheet share one ``model_fields_set`` (pydantic only ever adds a
    field name to it, always one already there): treat it as read-only.
    """
    if today is not None:
        read_yearless(raw, today)
    with gc_paused():
        return _build(raw)


def _build(raw: RawWorkbook) -> Workbook:
    return Workbook.model_construct(
        path=raw.path,
        lang=raw.lang,
        organisations=_models(Organisation, ORGANISATIONS, raw.sheets.get("organisations"), "name"),
        contacts=_models(Contact, CALLS, raw.sheets.get("calls"), "organisation"),
        appointments=_models(
            Appointment, APPOINTMENTS, raw.sheets.get("appointments"), "organisation"
        ),
        settings=settings(raw),
    )


def typed_column(spec: Sheet, key: str, values: list[Any]) -> list[Any]:
    """A column's raw values typed as ``typed`` types them (None when blank or unreadable).

    Each distinct text or date is typed once: a network workbook repeats the same
    few hundred dates, list labels and names over 100k rows.
    """
    convert = _converters(spec)[key]
    typed = v.map_distinct(
        lambda x: None if x is None else _typed_cell(convert, x), values, same=True
    )
    return values if typed is None else typed


def _typed_cell(convert: Callable[[Any], Any], value: Any) -> Any:
    if value.__class__ is str and (not value or value.isspace()):
        return None
    return convert(value)


def _models(model: type[M], spec: Sheet, sheet: SheetData | None, required: str) -> list[M]:
    """The models of a sheet's rows that fill ``required``, typed column by column."""
    if sheet is None or required not in sheet.data:
        return []
    defaults = _defaults(model)
    computed = {c.key for c in spec.columns if c.computed}
    names: list[str] = []
    columns: list[Any] = []
    for name in model.model_fields:
        if name == "row":
            column: Any = sheet.numbers
        elif name in sheet.data and name not in computed:
            column = typed_column(spec, name, sheet.data[name])
            yearless = sheet.yearless.get(name)
            if yearless:  # dates typed without a year, read for their row (core.readings)
                column = list(column)
                for p, reading in yearless.items():
                    column[p] = reading.date
            default = defaults.get(name)
            if default is not None:
                column = [default if x is None else x for x in column]
        else:
            column = itertools.repeat(defaults.get(name), len(sheet.numbers))
        names.append(name)
        columns.append(column)
    needed = names.index(required)
    if model.__private_attributes__:
        return [
            model.model_construct(**dict(zip(names, cells, strict=True)))
            for cells in zip(*columns, strict=True)
            if cells[needed]
        ]
    # model_construct's work, done directly: every field is set, so every instance
    # shares one "fields set" (pydantic only ever adds field names to it, a no-op here)
    fields_set = set(names)
    new = model.__new__
    setattr_ = object.__setattr__
    out: list[M] = []
    append = out.append
    for cells in zip(*columns, strict=True):
        if not cells[needed]:
            continue
        obj = new(model)
        setattr_(obj, "__dict__", dict(zip(names, cells, strict=True)))
        setattr_(obj, "__pydantic_fields_set__", fields_set)
        setattr_(obj, "__pydantic_extra__", None)
        setattr_(obj, "__pydantic_private__", None)
        append(obj)
    return out
