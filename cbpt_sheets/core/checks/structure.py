"""The structure checks of checks.md: sheets and columns present, once, and known."""

from __future__ import annotations

from cbpt_sheets.core.a1 import column_letter, parse_ref
from cbpt_sheets.core.checks.engine import Run
from cbpt_sheets.core.checks.findings import quote
from cbpt_sheets.core.dataset import invalid_settings
from cbpt_sheets.core.names import closest
from cbpt_sheets.core.schema import (
    CONTENT_COLUMNS,
    DATA_SHEETS,
    REQUIRED_COLUMN_KEYS,
    SETTINGS_SHEET,
)


def check_structure(run: Run) -> None:
    """missing-sheet, missing-column, duplicate-column, unknown-column."""
    lang = run.raw.lang
    for spec in DATA_SHEETS:
        sheet = run.raw.sheets.get(spec.key)
        if sheet is None:
            name = spec.name(lang)
            run.add("missing-sheet", None, {"name": name}, sheet_name=name, sheet_key=spec.key)
            continue
        for key, index in sheet.inferred.items():
            header = sheet.headers[index] if index < len(sheet.headers) else ""
            wanted = spec.column(key).header(lang)
            run.add(
                "unknown-column",
                sheet,
                {
                    "header": f"« {header} »" if header.strip() else "sans intitulé",
                    "hint": wanted,
                    "letter": column_letter(index),
                },
                "read-as",
                index=index,
                row=sheet.header_row,
                value=header or None,
                suggestion=wanted,
            )
        for key, _list in CONTENT_COLUMNS.get(spec.key, ()):
            if key not in sheet.columns:
                run.add(
                    "missing-column",
                    sheet,
                    {"header": spec.column(key).header(lang), "sheet": sheet.name},
                    "tracking",
                    row=sheet.header_row,
                )
        for key in REQUIRED_COLUMN_KEYS.get(spec.key, ()):
            if key not in sheet.columns:
                header = spec.column(key).header(lang)
                run.add(
                    "missing-column",
                    sheet,
                    {"header": header, "sheet": sheet.name},
                    key=key,
                    row=sheet.header_row,
                )
        for key, index in sheet.duplicates:
            first = sheet.columns[key]
            run.add(
                "duplicate-column",
                sheet,
                {
                    "header": sheet.headers[first],
                    "first": column_letter(first),
                    "second": column_letter(index),
                },
                index=index,
                row=sheet.header_row,
                value=sheet.headers[index],
            )
        known = [c.header(lang) for c in spec.columns]
        for index in sheet.unknown:
            header = sheet.headers[index]
            hint = closest(header, known)
            run.add(
                "unknown-column",
                sheet,
                {"header": header, "hint": hint},
                "hint" if hint else None,
                index=index,
                row=sheet.header_row,
                value=header,
                suggestion=hint,
            )


def check_settings(run: Run) -> None:
    """invalid-setting: a Paramètres value that is not a whole number in its allowed range."""
    name = SETTINGS_SHEET.name(run.raw.lang)
    for setting, cell, value in invalid_settings(run.raw):
        ref = parse_ref(cell) if cell else None
        run.add(
            "invalid-setting",
            None,
            {
                "seen": quote(value),
                "setting": setting.fr if run.raw.lang == "fr" else setting.en,
                "low": setting.minimum,
                "high": setting.maximum,
                "default": setting.default,
            },
            sheet_name=name,
            sheet_key="settings",
            index=ref[1] - 1 if ref else None,
            row=ref[0] if ref else None,
            value=value,
        )
