"""The reader: reads back what the template wrote, value for value, in any column order."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets import read_raw, read_workbook
from cbpt_sheets.cli import cli
from cbpt_sheets.core import example
from cbpt_sheets.core.dataset import typed
from cbpt_sheets.core.schema import DATA_SHEETS, LISTS, ColType, list_label

from .conftest import TODAY


def _expected(sheet_key: str) -> list[dict[str, Any]]:
    """The example rows as the reader should type them."""
    return example.example_data(TODAY)[sheet_key]


def _as_read(model: Any, keys: list[str]) -> dict[str, Any]:
    return {k: getattr(model, k) for k in keys}


@pytest.mark.parametrize("fixture", ["example_path", "example_path_en"])
def test_reader_reads_back_the_example_value_for_value(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    path: Path = request.getfixturevalue(fixture)
    wb = read_workbook(path)
    assert wb.lang == ("fr" if fixture == "example_path" else "en")
    for sheet, models in zip(
        DATA_SHEETS, (wb.organisations, wb.contacts, wb.appointments), strict=True
    ):
        rows = _expected(sheet.key)
        assert len(models) == len(rows)
        for model, row, excel_row in zip(models, rows, range(2, len(rows) + 2), strict=True):
            assert model.row == excel_row
            for column in sheet.columns:
                if column.computed:
                    continue
                want = row.get(column.key)
                got = getattr(model, column.key)
                if want is None:
                    if column.key == "tracking":
                        assert got == "actif"
                    elif column.key == "channel":
                        assert got == "phone"
                    elif column.key == "status":
                        assert got == "proposed"
                    else:
                        assert got is None, (sheet.key, column.key, got)
                else:
                    assert got == want, (sheet.key, excel_row, column.key)
    assert wb.settings.volunteers == list(example.VOLUNTEERS)
    assert wb.settings.libraries == list(example.LIBRARIES)
    assert wb.settings.retry_days == 2


def _shuffle_and_rename(path: Path, out: Path, seed: int) -> dict[str, dict[str, str]]:
    """Reorder the columns of each data sheet, rename headers (case, accents, spaces), add extras."""
    rng = random.Random(seed)
    wb = openpyxl.load_workbook(path)
    renamed: dict[str, dict[str, str]] = {}
    for sheet in DATA_SHEETS:
        ws = wb[sheet.fr]
        for table in list(ws.tables):
            del ws.tables[table]
        ws.data_validations.dataValidation = []
        ws.conditional_formatting = type(ws.conditional_formatting)()
        grid = [[c.value for c in row] for row in ws.iter_rows()]
        headers = grid[0]
        order = list(range(len(headers)))
        rng.shuffle(order)
        new_headers = []
        for i in order:
            h = str(headers[i])
            variant = rng.choice([h.upper(), h.lower(), f"  {h}  ", h.replace(" ", "   ")])
            variant = variant.replace("é", "e").replace("É", "E") if rng.random() < 0.5 else variant
            new_headers.append(variant)
        renamed[sheet.key] = dict(zip([str(headers[i]) for i in order], new_headers, strict=True))
        ws.delete_rows(1, ws.max_row)
        ws.append([*new_headers, "Colonne perso"])
        for r, row in enumerate(grid[1:]):
            ws.append([row[i] for i in order] + [f"perso {r}"])
            if r % 7 == 3:
                ws.append([None] * (len(order) + 1))  # a blank row, skipped
    wb.save(out)
    return renamed


def test_reader_matches_reordered_renamed_columns(example_path: Path, tmp_path: Path) -> None:
    before = read_workbook(example_path)
    out = tmp_path / "bouscule.xlsx"
    _shuffle_and_rename(example_path, out, seed=4)
    after = read_workbook(out)
    raw = read_raw(out)
    for key in ("organisations", "calls", "appointments"):
        assert len(raw.sheets[key].unknown) == 1  # "Colonne perso", kept and ignored
    for a, b in ((before.organisations, after.organisations), (before.contacts, after.contacts),
                 (before.appointments, after.appointments)):  # fmt: skip
        assert [m.model_dump(exclude={"row"}) for m in a] == [
            m.model_dump(exclude={"row"}) for m in b
        ]


def test_reader_keeps_cells_and_types(make_workbook: Any) -> None:
    path = make_workbook(
        organisations=[{"Nom": "Mairie", "Code postal": "01000", "Standard": "01 45 30 10 10", "Effectifs": 12.0}],
        calls=[{"Date": dt.date(2026, 11, 3), "Heure": dt.time(14, 30), "Organisation": "Mairie",
                "Résultat": "Pas de réponse", "Téléphone obtenu": 145301010}],
    )  # fmt: skip
    raw = read_raw(path)
    orgs = raw.sheets["organisations"]
    (row,) = orgs.rows
    assert row.row == 2
    assert orgs.cell("postcode", 2) == "F2"
    assert row.values["postcode"] == "01000"
    assert row.values["switchboard"] == "01 45 30 10 10"
    assert row.values["staff"] == 12 and isinstance(row.values["staff"], int)
    (call,) = raw.sheets["calls"].rows
    assert call.values["date"] in (dt.date(2026, 11, 3), dt.datetime(2026, 11, 3))
    assert call.values["time"] == dt.time(14, 30)
    wb = read_workbook(path)
    assert wb.contacts[0].outcome == "no-answer"
    assert wb.contacts[0].phone == "01 45 30 10 10"  # a number that lost its leading zero


def test_reader_sees_excel_error_cells(make_workbook: Any, tmp_path: Path) -> None:
    path = make_workbook(organisations=[{"Nom": "Mairie", "Ville": "Paris"}])
    wb = openpyxl.load_workbook(path)
    wb["Organisations"]["G2"] = "=NA()"
    wb.save(path)
    # openpyxl writes no cached value: give the cell an error value as Excel would.
    import zipfile

    tmp = tmp_path / "err.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="G2" s="', b'<c r="G2" t="e" s="', 1)
                data = data.replace(b"<f>NA()</f><v></v>", b"<f>NA()</f><v>#N/A</v>")
                data = data.replace(b"<f>NA()</f><v />", b"<f>NA()</f><v>#N/A</v>")
                data = data.replace(b"<f>NA()</f></c>", b"<f>NA()</f><v>#N/A</v></c>")
            dst.writestr(info, data)
    raw = read_raw(tmp)
    (row,) = raw.sheets["organisations"].rows
    assert row.errors == {"city": "#N/A"}


def test_list_labels_are_typed_to_codes_in_both_languages() -> None:
    outcome = DATA_SHEETS[1].column("outcome")
    assert typed(outcome, "Pas de réponse") == "no-answer"
    assert typed(outcome, "No answer") == "no-answer"
    assert typed(outcome, "Entretien - RDV fixé") == "meeting-set"  # "-" for "–"
    assert typed(outcome, "pas de reponse") == "no-answer"  # accepted; check warns
    assert typed(outcome, "Peut-être") is None
    assert list_label("Resultat", "no-answer", "en") == "No answer"
    assert all(isinstance(e.code, str) for spec in LISTS.values() for e in spec.entries)
    assert typed(DATA_SHEETS[0].column("staff"), "12") == 12
    assert DATA_SHEETS[0].column("staff").type is ColType.INT


def test_demo_in_an_empty_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo"), "--today", "2026-12-01"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "demo" / "exemple-suivi.xlsx"
    assert path.exists()
    wb = read_workbook(path)
    assert len(wb.organisations) == len(example.organisations())
    assert len(wb.contacts) == len(example.contacts(TODAY)) >= 60
    assert "33 organisations" in result.output.replace("\u202f", " ")
    # a second run keeps what is there
    again = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo"), "--today", "2026-12-01"])
    assert again.exit_code == 0
    assert "existe déjà" in again.output


def test_reader_finds_the_header_row_below_a_title(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "organisations"
    ws.append(["Mon suivi 2026"])
    ws.append(["ID", "nom", "TELEPHONE INTERLOCUTEUR", "Colonne à moi"])
    ws.append([None, "Mairie", "0145301010", "x"])
    wb.save(tmp_path / "titre.xlsx")
    sheet = read_raw(tmp_path / "titre.xlsx").sheets["organisations"]
    assert sheet.header_row == 2
    assert sheet.cell("contact_phone", 3) == "C3"
    assert [r.values["name"] for r in sheet.rows] == ["Mairie"]


@pytest.mark.parametrize("command", [["next"], ["followup"], ["brief", "{path}", "Mairie"]])
def test_commands_refuse_a_workbook_without_organisations(
    tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "autre.xlsx"
    wb = openpyxl.Workbook()
    wb.save(path)
    args = [a.replace("{path}", str(path)) for a in command]
    if "{path}" not in command:
        args.append(str(path))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3
    assert "la feuille «\u00a0Organisations\u00a0» est absente" in result.output
