"""The template: sheets, headers, dropdowns, formats exactly as workbook.md says; LibreOffice opens it."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets.cli import cli
from cbpt_sheets.core.schema import DATA_SHEETS, LISTS, SETTINGS, SHEETS, STATIC_LISTS
from cbpt_sheets.ooxml.template import create_workbook

from .conftest import convert_to_pdf, pdf_pages

DESIGN = Path(__file__).resolve().parents[1] / "docs" / "design" / "workbook.md"


def _design_tables() -> dict[str, list[tuple[str, str]]]:
    """(fr, en) header pairs of each data sheet's table in workbook.md."""
    text = DESIGN.read_text(encoding="utf-8")
    out: dict[str, list[tuple[str, str]]] = {}
    for title in ("Organisations", "Appels (Calls)", "Rendez-vous (Appointments)"):
        section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
        rows = [
            line for line in section.splitlines() if line.startswith("| ") and "---" not in line
        ]
        out[title.split(" ")[0]] = [
            (cells[0], cells[1])
            for cells in ([c.strip() for c in r.strip("|").split("|")] for r in rows[1:])
        ]
    return out


def test_schema_headers_are_those_of_the_design() -> None:
    tables = _design_tables()
    for sheet in DATA_SHEETS:
        assert [(c.fr, c.en) for c in sheet.columns] == tables[sheet.fr]


def test_schema_lists_and_settings_are_those_of_the_design() -> None:
    text = re.sub(r"\s+", " ", DESIGN.read_text(encoding="utf-8"))
    for spec in STATIC_LISTS:
        for entry in spec.entries:
            assert f'"{entry.fr}" "{entry.en}"' in text or f"| {entry.fr} | {entry.en} |" in text, (
                entry
            )
    for setting in SETTINGS:
        assert f"| {setting.key} | {setting.fr} | {setting.default} |" in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_new_workbook_has_the_sheets_headers_and_dropdowns(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "x.xlsx"
    args = ["new", str(path)] + (["--lang", "en"] if lang == "en" else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [s.name(lang) for s in SHEETS]
    assert wb[SHEETS[-1].name(lang)].sheet_state == "hidden"
    for sheet in DATA_SHEETS:
        ws = wb[sheet.name(lang)]
        assert [c.value for c in ws[1]] == [c.header(lang) for c in sheet.columns]
        assert ws.freeze_panes == "A2"
        assert list(ws.tables) == [sheet.table]
        assert ws.tables[sheet.table].ref.startswith("A1:")
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows == "$1:$1"
        validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
        for index, column in enumerate(sheet.columns):
            letter = openpyxl.utils.get_column_letter(index + 1)
            if column.list is None:
                assert f"{letter}2" not in validations
                continue
            dv = validations[f"{letter}2"]
            spec = LISTS[column.list]
            assert dv.type == "list"
            assert dv.formula1 == spec.defined_name  # no leading "="
            defined = wb.defined_names[spec.defined_name]
            assert not defined.attr_text.startswith("=")
            ((title, ref),) = defined.destinations
            cells = [c.value for row in wb[title][ref] for c in row]
            if spec.dynamic:
                assert all(v is None for v in cells)  # Paramètres lists start empty
            else:
                assert cells == spec.labels(lang)
            if column.computed:
                assert ws.cell(1, index + 1).comment is not None
        for index, column in enumerate(sheet.columns):
            if column.computed:
                assert "calculé" in ws.cell(1, index + 1).comment.text
                assert ws.cell(2, index + 1).fill.fgColor.rgb.endswith("EDEDED")
            if column.type.value == "date":
                assert ws.cell(2, index + 1).number_format == "dd/mm/yyyy"
    orgs = wb[DATA_SHEETS[0].name(lang)]
    rules = [r for cf in orgs.conditional_formatting for r in cf.rules]
    assert any("TODAY()" in r.formula[0] for r in rules)
    assert orgs.cell(2, 1).font.name == "Arial"


def test_new_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"mon travail")
    result = CliRunner().invoke(cli, ["new", str(path)])
    assert result.exit_code == 3
    assert "existe déjà" in result.output
    assert path.read_bytes() == b"mon travail"
    assert CliRunner().invoke(cli, ["new", str(path), "--force"]).exit_code == 0
    assert openpyxl.load_workbook(path).sheetnames[0] == "Organisations"


def test_new_refuses_a_name_that_is_not_xlsx(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "x.csv")])
    assert result.exit_code == 3
    assert ".xlsx" in result.output


@pytest.mark.libreoffice
@pytest.mark.parametrize(("lang", "example"), [("fr", False), ("en", False), ("fr", True)])
def test_libreoffice_opens_the_template(tmp_path: Path, lang: str, example: bool) -> None:
    path = create_workbook(tmp_path / f"t-{lang}.xlsx", lang=lang, example=example)
    pdf = convert_to_pdf(path, tmp_path)
    assert pdf_pages(pdf) >= 3  # the data sheets print, each on its own page at least
