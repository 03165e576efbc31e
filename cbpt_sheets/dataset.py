"""From raw rows to typed models (pure): what a cell means for the step logic.

Invalid cells become None here (the checks report them); nothing raises.
"""

from __future__ import annotations

from typing import Any

from . import values as v
from .models import Appointment, Contact, Organisation, RawRow, RawWorkbook, Settings, Workbook
from .schema import APPOINTMENTS, CALLS, ORGANISATIONS, SETTINGS, ColType, Column, Sheet, list_code


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
        from .schema import LISTS

        if LISTS[column.list].dynamic:
            return raw
        return list_code(column.list, raw)
    return v.text(value)


def _fields(sheet: Sheet, raw: RawRow) -> dict[str, Any]:
    out: dict[str, Any] = {"row": raw.row}
    for column in sheet.columns:
        if column.computed:
            continue
        value = raw.values.get(column.key)
        if value is None:
            continue
        result = typed(column, value)
        if result is not None:
            out[column.key] = result
    return out


def organisation(raw: RawRow) -> Organisation | None:
    """The organisation of a row, or None when the row has no name."""
    data = _fields(ORGANISATIONS, raw)
    if not data.get("name"):
        return None
    return Organisation.model_construct(**_with_defaults(Organisation, data))


def contact(raw: RawRow) -> Contact | None:
    """The contact of an Appels row, or None when it names no organisation."""
    data = _fields(CALLS, raw)
    if not data.get("organisation"):
        return None
    return Contact.model_construct(**_with_defaults(Contact, data))


def appointment(raw: RawRow) -> Appointment | None:
    """The appointment of a Rendez-vous row, or None when it names no organisation."""
    data = _fields(APPOINTMENTS, raw)
    if not data.get("organisation"):
        return None
    return Appointment.model_construct(**_with_defaults(Appointment, data))


_DEFAULTS_CACHE: dict[type, dict[str, Any]] = {}


def _with_defaults(model: type, data: dict[str, Any]) -> dict[str, Any]:
    """Fill the fields a row leaves out with the model's defaults (model_construct skips them)."""
    defaults = _DEFAULTS_CACHE.get(model)
    if defaults is None:
        defaults = {
            name: f.get_default(call_default_factory=True)
            for name, f in model.model_fields.items()  # type: ignore[attr-defined]
            if not f.is_required()
        }
        _DEFAULTS_CACHE[model] = defaults
    return {**defaults, **data}


def settings(raw: RawWorkbook) -> Settings:
    """The settings of Paramètres; a missing or unreadable value keeps its default."""
    data: dict[str, Any] = {}
    for setting in SETTINGS:
        value = v.parse_int(raw.settings.get(setting.key))
        data[setting.key] = value if value is not None else setting.default
    return Settings(**data, volunteers=list(raw.volunteers), libraries=list(raw.libraries))


def build(raw: RawWorkbook) -> Workbook:
    """The typed workbook of a raw one (rows that cannot be typed are left to the checks)."""
    orgs = raw.sheets.get("organisations")
    calls = raw.sheets.get("calls")
    apps = raw.sheets.get("appointments")
    return Workbook.model_construct(
        path=raw.path,
        lang=raw.lang,
        organisations=[o for r in (orgs.rows if orgs else []) if (o := organisation(r))],
        contacts=[c for r in (calls.rows if calls else []) if (c := contact(r))],
        appointments=[a for r in (apps.rows if apps else []) if (a := appointment(r))],
        settings=settings(raw),
    )
