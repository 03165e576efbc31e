"""The network workbook: every library's rows in the template, and the Doublons réseau sheet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from openpyxl.styles import Alignment, Font, PatternFill

from cbpt_sheets.core.codes import STAGES
from cbpt_sheets.core.models import Settings
from cbpt_sheets.core.network import Duplicate, NetworkRows
from cbpt_sheets.core.schema import (
    NETWORK_DUPLICATES_SHEET,
    SETTINGS,
    SETTINGS_COLUMNS,
    SETTINGS_SHEET,
)
from cbpt_sheets.ooxml import template

REASONS_FR = {"name": "nom", "phone": "téléphone", "email": "e-mail", "postcode": "code postal"}
HEADERS = (
    "Doublon", "Score", "Raisons", "À garder par", "Fichier", "Bibliothèque", "Organisation",
    "ID d'origine", "Ligne d'origine", "Nom ici", "ID ici", "Étape", "Dernier contact", "Bénévole",
)  # fmt: skip
WIDTHS = (9, 7, 22, 22, 26, 20, 32, 12, 9, 36, 10, 26, 14, 18)


def save_network_workbook(
    path: Path,
    data: NetworkRows,
    duplicates: Sequence[Duplicate],
    settings: Settings,
    today: dt.date,
) -> None:
    """Write the network workbook (template, rows, Paramètres of ``settings``, duplicates sheet).

    Written through a temporary file and an atomic replace (``template.save_atomic``).
    """
    wb = template.build("fr", data.rows, data.volunteers, data.libraries)
    params = wb[SETTINGS_SHEET.name("fr")]
    for r, setting in enumerate(SETTINGS, start=2):
        params[f"{SETTINGS_COLUMNS['value']}{r}"] = getattr(settings, setting.key)
    ws = wb.create_sheet(NETWORK_DUPLICATES_SHEET.name("fr"))
    ws["A1"] = "Doublons réseau"
    ws["A1"].font = Font(name=template.FONT_NAME, size=14, bold=True)
    ws["A2"] = (
        f"Au {today.strftime('%d/%m/%Y')} : organisations suivies par plusieurs bibliothèques. "
        "« À garder par » : la bibliothèque la plus avancée, qui garde le contact ; "
        "les autres s'accordent avec elle avant de rappeler. Feuille réécrite par "
        "cbpt-sheets network : n'y saisissez rien."
    )
    ws["A2"].font = Font(name=template.FONT_NAME, size=10, italic=True)
    header_fill = PatternFill("solid", fgColor="4472C4")
    for c, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = ws.cell(row=4, column=c, value=title)
        cell.font = Font(name=template.FONT_NAME, size=10, bold=True, color="FFFFFF")
        cell.fill = header_fill
        ws.column_dimensions[cell.column_letter].width = width
    r = 5
    for n, dup in enumerate(duplicates, start=1):
        keeper = dup.keeper_entry
        for entry in dup.entries:
            new_name, new_id = data.placed.get((entry.file, entry.row), ("", ""))
            values = (
                n, dup.score, ", ".join(REASONS_FR[x] for x in dup.reasons), keeper.library,
                Path(entry.file).name, entry.library, entry.organisation, entry.id, entry.row,
                new_name, new_id, STAGES.get(entry.stage, entry.stage), entry.last_contact,
                entry.volunteer,
            )  # fmt: skip
            for c, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                cell.font = Font(name=template.FONT_NAME, size=10, bold=entry is keeper)
                cell.alignment = Alignment(vertical="top", wrap_text=c in (3, 7, 10))
                if isinstance(value, dt.date):
                    cell.number_format = "DD/MM/YYYY"
            r += 1
    if not duplicates:
        ws.cell(row=5, column=1, value="Aucune organisation n'est suivie par deux bibliothèques.")
    ws.freeze_panes = "A5"
    template.save_atomic(wb, path)
