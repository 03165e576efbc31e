"""Build the workbook of workbook.md from the schema (openpyxl): tables, dropdowns, formats.

``create_workbook`` writes a new empty workbook, or one filled with the example data.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook as XlWorkbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from cbpt_sheets.core import example as example_module
from cbpt_sheets.core.a1 import column_letter
from cbpt_sheets.core.schema import (
    DATA_SHEETS,
    DYNAMIC_LIST_ROWS,
    FOLLOWUP_SHEET,
    LIBRARIES_HEADER,
    LIBRARY_ADDRESS_HEADER,
    LISTS,
    LISTS_SHEET,
    SETTINGS,
    SETTINGS_COLUMNS,
    SETTINGS_HEADERS,
    SETTINGS_SHEET,
    STATIC_LISTS,
    TEXT_SETTINGS,
    VOLUNTEER_EMAIL_HEADER,
    VOLUNTEERS_HEADER,
    ColType,
    Sheet,
)
from cbpt_sheets.errors import CbptError
from cbpt_sheets.ooxml.files import write_output
from cbpt_sheets.render import layout

FONT_NAME = "Arial"  # explicit: Liberation Sans in LibreOffice has the same metrics
FONT = Font(name=FONT_NAME, size=10)
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True, color="FFFFFF")
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)
COMPUTED_FILL = PatternFill("solid", fgColor="EDEDED")
COMPUTED_HEADER_FILL = PatternFill("solid", fgColor="7F7F7F")
HEADER_FILL = PatternFill("solid", fgColor="4472C4")
OVERDUE_FILL = PatternFill("solid", fgColor="F8CBAD")
OVERDUE_FONT = Font(name=FONT_NAME, size=10, bold=True, color="9C0006")
DATE_FORMAT = "dd/mm/yyyy"
TIME_FORMAT = "hh:mm"
TEXT_FORMAT = "@"
VALIDATION_ROWS = 5000  # dropdowns and formats reach this row
COMPUTED_NOTE = "calculé : rempli par cbpt-sheets (bouton « Prochaines actions » ou commande next --write). Ne pas saisir."


def _number_format(kind: ColType) -> str | None:
    if kind is ColType.DATE:
        return DATE_FORMAT
    if kind is ColType.TIME:
        return TIME_FORMAT
    if kind in (ColType.PHONE, ColType.POSTCODE):
        return TEXT_FORMAT
    return None


def _cell_value(
    column_type: ColType, list_name: str | None, value: Any, lang: str, codes: bool
) -> Any:
    """A row value as it is typed in the workbook (list codes become labels when ``codes``)."""
    if value is None:
        return None
    if (
        codes
        and column_type is ColType.LIST
        and list_name is not None
        and not LISTS[list_name].dynamic
    ):
        return LISTS[list_name].by_code(value).label(lang)
    return value


def _fill_data_sheet(
    ws: Worksheet, sheet: Sheet, rows: list[dict[str, Any]], lang: str, codes: bool
) -> None:
    ws.title = sheet.name(lang)
    last = column_letter(len(sheet.columns) - 1)
    thin = Side(style="thin", color="BFBFBF")
    for c, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=1, column=c, value=column.header(lang))
        cell.font = HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = Border(bottom=thin)
        cell.fill = COMPUTED_HEADER_FILL if column.computed else HEADER_FILL
        if column.computed:
            cell.comment = Comment(COMPUTED_NOTE, "cbpt-sheets", width=260, height=90)
        elif column.note:
            cell.comment = Comment(column.note, "cbpt-sheets", width=260, height=70)
        ws.column_dimensions[column_letter(c - 1)].width = column.width
    n_rows = max(len(rows), 1)
    for r in range(2, n_rows + 2):  # the table's rows; Excel extends their format to new rows
        data = rows[r - 2] if r - 2 < len(rows) else None
        for c, column in enumerate(sheet.columns, start=1):
            value = (
                _cell_value(column.type, column.list, data.get(column.key), lang, codes)
                if data
                else None
            )
            cell = ws.cell(row=r, column=c, value=value)
            cell.font = FONT
            fmt = _number_format(column.type)
            if fmt:
                cell.number_format = fmt
            if column.computed:
                cell.fill = COMPUTED_FILL
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30
    table = Table(displayName=sheet.table, ref=f"A1:{last}{n_rows + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    for c, column in enumerate(sheet.columns):
        if column.list is None:
            continue
        spec = LISTS[column.list]
        letter = column_letter(c)
        validation = DataValidation(
            type="list",
            formula1=spec.defined_name,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning" if spec.dynamic else "stop",
            errorTitle="Valeur hors liste" if lang == "fr" else "Value not in list",
            error=(
                "Choisissez une valeur dans la liste déroulante."
                if lang == "fr"
                else "Pick a value from the dropdown list."
            ),
        )
        validation.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
        ws.add_data_validation(validation)
    if sheet.key == "organisations":
        due = column_letter(next(i for i, col in enumerate(sheet.columns) if col.key == "due"))
        ws.conditional_formatting.add(
            f"{due}2:{due}{VALIDATION_ROWS}",
            FormulaRule(
                formula=[f"AND(ISNUMBER(${due}2),${due}2<TODAY())"],
                fill=OVERDUE_FILL,
                font=OVERDUE_FONT,
                stopIfTrue=True,
            ),
        )
    _print_setup(ws)
    ws.print_title_rows = "1:1"
    if sheet.key == "organisations":
        _outline_for_print(ws, sheet)


PRINTED_KEYS = (
    "name",
    "type",
    "switchboard",
    "contact",
    "contact_phone",
    "stage",
    "next_action",
    "due",
)
"""The columns of Organisations that a printed list needs (to phone with the paper in hand)."""


def _outline_for_print(ws: Worksheet, sheet: Sheet) -> None:
    """Group the other columns of Organisations (outline level 1), shown on screen.

    A print area cannot pick columns that are not side by side, a custom view is
    refused by Excel in a workbook with tables and unknown to LibreOffice, and no
    format hides a column on paper only. The outline does it in both: the « 1 »
    button above the column letters folds the sheet to its key columns (name, type,
    phones, contact, stage, next action, due) to print them on one readable page
    width, « 2 » unfolds it. Typing in a folded group is never needed: it opens
    unfolded.
    """
    for c, column in enumerate(sheet.columns):
        if column.key not in PRINTED_KEYS:
            ws.column_dimensions[column_letter(c)].outlineLevel = 1
    ws.sheet_format.outlineLevelCol = 1


def _print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _fill_lists(ws: Worksheet, wb: XlWorkbook, lang: str) -> None:
    ws.title = LISTS_SHEET.name(lang)
    ws.sheet_state = "hidden"
    for c, spec in enumerate(STATIC_LISTS):
        letter = column_letter(c)
        ws.cell(row=1, column=c + 1, value=spec.name).font = Font(
            name=FONT_NAME, size=10, bold=True
        )
        for r, label in enumerate(spec.labels(lang), start=2):
            ws.cell(row=r, column=c + 1, value=label).font = FONT
        ws.column_dimensions[letter].width = 40
        ref = f"'{ws.title}'!${letter}$2:${letter}${len(spec.entries) + 1}"
        wb.defined_names[spec.defined_name] = DefinedName(spec.defined_name, attr_text=ref)


def _fill_settings(
    ws: Worksheet,
    wb: XlWorkbook,
    lang: str,
    volunteers: Iterable[str],
    libraries: Iterable[str],
    details: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    ws.title = SETTINGS_SHEET.name(lang)
    key_col, value_col = SETTINGS_COLUMNS["key"], SETTINGS_COLUMNS["value"]
    bold = Font(name=FONT_NAME, size=10, bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="4472C4")
    for letter, text in zip((key_col, value_col), SETTINGS_HEADERS[lang], strict=True):
        cell = ws[f"{letter}1"]
        cell.value = text
        cell.font = bold
        cell.fill = header_fill
    for r, setting in enumerate(SETTINGS, start=2):
        ws[f"{key_col}{r}"] = setting.fr if lang == "fr" else setting.en
        ws[f"{key_col}{r}"].font = FONT
        ws[f"{value_col}{r}"] = setting.default
        ws[f"{value_col}{r}"].font = FONT
    positive = DataValidation(type="whole", operator="between", formula1="0", formula2="1000", allow_blank=False,
                              showErrorMessage=True, error="Un nombre entier entre 0 et 1000.")  # fmt: skip
    positive.add(f"{value_col}2:{value_col}{len(SETTINGS) + 1}")
    ws.add_data_validation(positive)
    for r, text_setting in enumerate(TEXT_SETTINGS, start=len(SETTINGS) + 2):
        ws[f"{key_col}{r}"] = text_setting.fr if lang == "fr" else text_setting.en
        ws[f"{key_col}{r}"].font = FONT
    ws.column_dimensions[key_col].width = 70
    ws.column_dimensions[value_col].width = 10
    for key, header, items in (
        ("volunteers", VOLUNTEERS_HEADER[lang], volunteers),
        ("libraries", LIBRARIES_HEADER[lang], libraries),
    ):
        letter = SETTINGS_COLUMNS[key]
        cell = ws[f"{letter}1"]
        cell.value = header
        cell.font = bold
        cell.fill = header_fill
        ws.column_dimensions[letter].width = 26
        for r, item in enumerate(items, start=2):
            ws[f"{letter}{r}"] = item
            ws[f"{letter}{r}"].font = FONT
        # beside each list: each volunteer's e-mail, each library's postal address
        detail_key = "volunteer_emails" if key == "volunteers" else "library_addresses"
        detail_header = (VOLUNTEER_EMAIL_HEADER if key == "volunteers" else LIBRARY_ADDRESS_HEADER)[
            lang
        ]
        detail_letter = SETTINGS_COLUMNS[detail_key]
        cell = ws[f"{detail_letter}1"]
        cell.value = detail_header
        cell.font = bold
        cell.fill = header_fill
        ws.column_dimensions[detail_letter].width = 34
        known = (details or {}).get(detail_key, {})
        for r, item in enumerate(items, start=2):
            if item in known:
                ws[f"{detail_letter}{r}"] = known[item]
                ws[f"{detail_letter}{r}"].font = FONT
        spec = LISTS["Benevoles" if key == "volunteers" else "Bibliotheques"]
        ref = f"'{ws.title}'!${letter}$2:${letter}${DYNAMIC_LIST_ROWS + 1}"
        wb.defined_names[spec.defined_name] = DefinedName(spec.defined_name, attr_text=ref)
    note = ws[f"{key_col}{len(SETTINGS) + len(TEXT_SETTINGS) + 3}"]
    note.value = (
        "Ajoutez les bénévoles (et leur e-mail) et les bibliothèques (et leur adresse postale) dans "
        "les colonnes de droite : ils apparaîtront dans les listes déroulantes et signeront les courriers."
        if lang == "fr"
        else "Add volunteers (and their e-mail) and libraries (and their postal address) in the columns "
        "on the right: they appear in the dropdown lists and sign the letters."
    )
    note.font = Font(name=FONT_NAME, size=10, italic=True)
    ws.freeze_panes = "A2"


def _fill_followup(ws: Worksheet, lang: str) -> None:
    ws.title = FOLLOWUP_SHEET.name(lang)
    ws["A1"] = "Liste de suivi" if lang == "fr" else "Follow-up list"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = (
        "Cette feuille est réécrite par cbpt-sheets (bouton « Liste de suivi » ou commande followup --write) : n'y saisissez rien."
        if lang == "fr"
        else "This sheet is rewritten by cbpt-sheets (“Liste de suivi” button or followup --write): do not type here."
    )
    ws["A2"].font = Font(name=FONT_NAME, size=10, italic=True)
    ws.column_dimensions["A"].width = 14
    _print_setup(ws)
    ws.oddFooter.left.text = layout.GENERATED_FOOTER  # the mark of a generated sheet
    ws.oddFooter.left.size = 8


def build(lang: str = "fr", rows: dict[str, list[dict[str, Any]]] | None = None,
          volunteers: Iterable[str] = (), libraries: Iterable[str] = (), codes: bool = True,
          details: Mapping[str, Mapping[str, str]] | None = None) -> XlWorkbook:  # fmt: skip
    """The openpyxl workbook of the template, with optional rows by sheet key.

    List values in ``rows`` are list codes when ``codes``, else written exactly as given.
    ``details``: ``{"volunteer_emails": {name: e-mail}, "library_addresses": {name: address}}``.
    """
    if lang not in ("fr", "en"):
        raise ValueError(lang)
    rows = rows or {}
    wb = XlWorkbook()
    first = wb.active
    assert first is not None
    for i, sheet in enumerate(DATA_SHEETS):
        ws = first if i == 0 else wb.create_sheet()
        _fill_data_sheet(ws, sheet, rows.get(sheet.key, []), lang, codes)
    _fill_followup(wb.create_sheet(), lang)
    _fill_settings(wb.create_sheet(), wb, lang, volunteers, libraries, details)
    _fill_lists(wb.create_sheet(), wb, lang)
    wb.active = 0
    return wb


def save_atomic(wb: XlWorkbook, path: Path) -> None:
    """Save through a temporary file in the same folder, then replace: never a half-written file.

    ``files.write_output``: a symbolic link written through, an existing workbook kept as
    NAME.bak.xlsx, a new file following the umask; CbptError (French, exit 3) on failure.
    """
    write_output(path, wb.save)


def create_workbook(path: str | os.PathLike[str], lang: str = "fr", example: bool = False,
                    today: dt.date | None = None, force: bool = False) -> Path:  # fmt: skip
    """Write a new workbook (empty, or with the example data); refuse to overwrite unless ``force``."""
    target = Path(path)
    if target.suffix.lower() not in (".xlsx", ".xlsm"):
        raise CbptError(f"« {target.name} » : donnez un nom de fichier en .xlsx (ex. suivi.xlsx).")
    if target.exists() and not force:
        raise CbptError(
            f"« {target} » existe déjà : il n'a pas été modifié. Choisissez un autre nom, ou ajoutez --force pour le remplacer."
        )
    if not target.parent.exists():
        raise CbptError(f"Le dossier « {target.parent} » n'existe pas.")
    if example:
        day = today or dt.date.today()
        data = example_module.example_data(day)
        wb = build(
            lang,
            data,
            example_module.VOLUNTEERS,
            example_module.LIBRARIES,
            details={
                "volunteer_emails": example_module.VOLUNTEER_EMAILS,
                "library_addresses": example_module.LIBRARY_ADDRESSES,
            },
        )
    else:
        wb = build(lang)
    save_atomic(wb, target)
    return target
