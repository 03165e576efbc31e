"""The safe write-back: owned cells and generated sheets change, nothing else does."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import subprocess
import uuid
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbpt_sheets.core.models import SheetGrid
from cbpt_sheets.errors import WorkbookChanged, WorkbookLocked
from cbpt_sheets.ooxml import sheetxml, writer
from cbpt_sheets.ooxml.package import sheet_parts
from cbpt_sheets.ooxml.reader import read_raw
from tests.build_rich_workbook import ADDED_PARTS, SHEET_FRAGMENTS, build_rich_workbook

TODAY = dt.date(2026, 12, 1)
ROW_RE = re.compile(rb"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
CELL_RE = re.compile(rb"<c\b[^>]*?(?:/>|>.*?</c>)", re.S)
REF_RE = re.compile(rb'\sr="([A-Z]+\d+)"')


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def cells_of(xml: bytes) -> dict[str, bytes]:
    """Every <c> element of a sheet XML by its reference."""
    out: dict[str, bytes] = {}
    for row in ROW_RE.finditer(xml):
        for cell in CELL_RE.finditer(row[0]):
            ref = REF_RE.search(cell[0])
            assert ref is not None
            out[ref[1].decode()] = cell[0]
    return out


def outside_sheet_data(xml: bytes) -> bytes:
    """The sheet XML without its sheetData and dimension (what a cell patch must not touch)."""
    xml = re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", b"", xml, flags=re.S)
    return re.sub(rb'<dimension ref="[^"]*"\s*/>', b"", xml)


def load(path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about the x14 extensions it drops
        return openpyxl.load_workbook(path)


def style_of(cell: Any) -> tuple[Any, ...]:
    return (
        cell.number_format,
        cell.font.b,
        cell.font.sz,
        cell.font.name,
        cell.fill.fgColor.rgb,
        cell.alignment.wrap_text,
        cell.border.bottom.style,
    )


@pytest.fixture
def example(tmp_path: Path) -> Path:
    from cbpt_sheets.ooxml import template

    return template.create_workbook(tmp_path / "suivi.xlsx", example=True, today=TODAY)


# ---------------------------------------------------------------- cell values and styles


def test_cells_are_written_with_the_column_style(example: Path) -> None:
    before = load(example)["Organisations"]
    last = max(r.row for r in read_raw(example).sheets["organisations"].rows)
    new_row = 250  # beyond the pre-formatted rows of the template
    result = writer.write_changes(
        example,
        cells={
            "Organisations": {
                "Z2": dt.date(2026, 12, 3),
                "Y2": "Rappeler <Mme Durand> & co",
                "X3": None,
                f"B{new_row}": "Nouvelle association",
                f"H{new_row}": 12,
                f"Z{new_row}": dt.datetime(2026, 12, 4, 14, 30),
                "AC5": 2.5,
                "AD5": True,
            }
        },
    )
    assert result.written and result.cells_changed == 8
    assert result.backup == example.with_name("suivi.bak.xlsx")
    ws = load(example)["Organisations"]
    assert ws["Z2"].value == dt.datetime(2026, 12, 3)
    assert ws["Z2"].number_format == "dd/mm/yyyy"
    assert style_of(ws["Z2"])[1:] == style_of(before["Z2"])[1:]  # font, fill: the column's
    assert ws["Y2"].value == "Rappeler <Mme Durand> & co"
    assert style_of(ws["Y2"]) == style_of(before["Y2"])
    assert ws["X3"].value is None and style_of(ws["X3"]) == style_of(before["X3"])
    assert ws[f"B{new_row}"].value == "Nouvelle association"
    assert style_of(ws[f"B{new_row}"]) == style_of(before[f"B{last}"])
    assert ws[f"H{new_row}"].value == 12
    assert ws[f"Z{new_row}"].value == dt.datetime(2026, 12, 4, 14, 30)
    assert ws[f"Z{new_row}"].number_format == "dd/mm/yyyy hh:mm"
    assert ws[f"Z{new_row}"].fill.fgColor.rgb == before["Z2"].fill.fgColor.rgb
    assert ws["AC5"].value == 2.5 and ws["AD5"].value is True
    assert ws.dimensions == f"A1:AD{new_row}"
    xml = parts_of(example)[sheet_parts(zipfile.ZipFile(example))["Organisations"]]
    rows = [int(n) for n in re.findall(rb'<row r="(\d+)"', xml)]
    assert rows == sorted(rows) and len(rows) == len(set(rows))
    raw = read_raw(example)
    assert raw.sheets["organisations"].rows[-1].values["name"] == "Nouvelle association"


def test_date_style_is_added_once_when_the_workbook_has_none(tmp_path: Path) -> None:
    path = tmp_path / "simple.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Appels"
    ws.append(["Date", "Organisation"])
    wb.save(path)
    writer.write_changes(path, cells={"Appels": {"A2": dt.date(2026, 11, 30), "A3": TODAY}})
    styles = parts_of(path)["xl/styles.xml"]
    assert styles.count(b'formatCode="dd/mm/yyyy"') == 1
    ws = load(path)["Appels"]
    assert ws["A2"].number_format == ws["A3"].number_format == "dd/mm/yyyy"
    assert ws["A3"].value == dt.datetime(2026, 12, 1)


def test_same_write_twice_leaves_the_file_alone(example: Path) -> None:
    grid = SheetGrid(name="Suivi", rows=[["Liste"], ["Échéance", "Organisation"]], header_rows=[1])
    cells = {"Organisations": {"Z2": TODAY, "Y2": "Appeler"}}
    first = writer.write_changes(example, cells=cells, sheets=[grid])
    data = example.read_bytes()
    second = writer.write_changes(example, cells=cells, sheets=[grid])
    assert first.written and not second.written
    assert second.cells_changed == 0 and second.backup is None
    assert example.read_bytes() == data


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(min_size=1, max_size=60).filter(lambda s: s.strip() != ""))
def test_any_text_reads_back(tmp_path: Path, value: str) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Appels"
    ws.append(["Notes"])
    wb.save(path)
    writer.write_changes(path, cells={"Appels": {"A2": value}})
    expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]", "", value)
    got = load(path)["Appels"]["A2"].value
    assert got == expected


def test_prefixed_xml_and_cells_without_references_are_patched() -> None:
    xml = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:dimension ref="A1:B2"/><x:sheetData><x:row><x:c t="inlineStr"><x:is><x:t>a</x:t>'
        b'</x:is></x:c><x:c s="3"><x:v>1</x:v></x:c></x:row><x:row r="3" spans="1:2"><x:c r="A3" s="2">'
        b"<x:v>5</x:v></x:c></x:row></x:sheetData></x:worksheet>"
    )
    patch = sheetxml.SheetPatch(xml)
    new, count = patch.apply({(1, 2): "b", (2, 1): 7, (3, 3): "c"}, None, False)
    assert count == 3
    assert b'<x:c r="B1" s="3" t="inlineStr"><x:is><x:t>b</x:t></x:is></x:c>' in new
    # A2: no styled cell above (row 1 is the header), so the nearest one below gives its style
    assert (
        b'<x:row r="2"><x:c r="A2" s="2"><x:v>7</x:v></x:c></x:row><x:row r="3" spans="1:3">' in new
    )
    assert b'<x:c r="C3" t="inlineStr">' in new
    assert b'<x:dimension ref="A1:C3"/>' in new
    assert b'<x:c t="inlineStr"><x:is><x:t>a</x:t>' in new  # untouched cell, same bytes


def test_shared_formula_master_is_not_overwritten(tmp_path: Path) -> None:
    xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1"><f t="shared" ref="A1:A3" si="0">B1*2</f><v>2</v></c></row>'
        b"</sheetData></worksheet>"
    )
    with pytest.raises(sheetxml.SheetXmlError) as info:
        sheetxml.SheetPatch(xml).apply({(1, 1): 3}, None, False)
    assert info.value.exit_code == 3 and "formule" in str(info.value)


# ---------------------------------------------------------------- generated sheets


def test_generated_sheets_are_added_and_replaced_in_place(example: Path) -> None:
    names_before = load(example).sheetnames
    checks = SheetGrid(
        name="Contrôles",
        rows=[
            ["Contrôles du 01/12/2026"],
            [],
            ["Code", "Cellule", "Message"],
            ["E101", "Appels!F12", "x"],
        ],
        widths=[10, 14, 60],
        title_rows=[0],
        header_rows=[2],
        links={"B4": "'Appels'!F12"},
    )
    suivi = SheetGrid(
        name="Suivi",
        rows=[["Liste de suivi"], ["Échéance", "Organisation"], [TODAY, "Hôpital Necker"]],
        widths=[12, 40],
        title_rows=[0],
        header_rows=[1],
    )
    result = writer.write_changes(example, sheets=[checks, suivi])
    assert result.sheets_written == ("Contrôles", "Suivi")
    wb = load(example)
    assert wb.sheetnames == [*names_before, "Contrôles"]
    ws = wb["Contrôles"]
    assert [c.value for c in ws[3]] == ["Code", "Cellule", "Message"]
    assert all(c.font.b for c in ws[3])
    assert ws["A1"].font.b and ws["A1"].font.sz == 14
    assert ws["B4"].hyperlink.location == "'Appels'!F12"
    assert ws.column_dimensions["C"].width == 60
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$3:$3"
    assert ws.freeze_panes == "A4"
    s = wb["Suivi"]
    assert s["A3"].value == dt.datetime(2026, 12, 1) and s["A3"].number_format == "dd/mm/yyyy"
    assert s.print_title_rows == "$2:$2"
    assert s["B2"].font.b
    # the sheets of the template before the write are untouched
    assert (
        wb["Organisations"]["B2"].value
        == load(example.with_name("suivi.bak.xlsx"))["Organisations"]["B2"].value
    )
    # replaced again: same position, the print titles are not duplicated
    writer.write_changes(example, sheets=[suivi.model_copy(update={"rows": suivi.rows[:2]})])
    wb2 = load(example)
    assert wb2.sheetnames == wb.sheetnames and wb2["Suivi"]["A3"].value is None
    assert parts_of(example)["xl/workbook.xml"].count(b"_xlnm.Print_Titles") == 5


def test_only_generated_sheets_can_be_replaced(example: Path) -> None:
    data = example.read_bytes()
    with pytest.raises(ValueError, match="not a generated sheet"):
        writer.write_changes(example, sheets=[SheetGrid(name="Organisations", rows=[["x"]])])
    with pytest.raises(ValueError, match="not a generated sheet"):
        writer.write_changes(example, sheets=[SheetGrid(name="Divers", rows=[["x"]])])
    assert example.read_bytes() == data


# ---------------------------------------------------------------- the rich workbook survives


def owned_cells(path: Path) -> dict[str, Any]:
    """What a ``next --write`` owns on Organisations: the computed columns, a missing ID."""
    sheet = read_raw(path).sheets["organisations"]
    cells: dict[str, Any] = {}
    for i, row in enumerate(sheet.rows):
        cells[sheet.cell("stage", row.row)] = "Préparation"
        cells[sheet.cell("next_action", row.row)] = f"Appeler le standard ({i})"
        cells[sheet.cell("due", row.row)] = TODAY + dt.timedelta(days=i % 9)
        cells[sheet.cell("reason", row.row)] = "Aucun appel enregistré"
    first = sheet.rows[0].row
    cells[sheet.cell("id", first)] = "ORG-0999"
    cells[sheet.cell("notes", first + 1)] = None
    return cells


@pytest.fixture
def rich(tmp_path: Path) -> Path:
    return build_rich_workbook(tmp_path / "riche.xlsm")


def test_rich_workbook_keeps_every_part_it_does_not_own(rich: Path) -> None:
    before = parts_of(rich)
    with zipfile.ZipFile(rich) as z:
        sheets = sheet_parts(z)
    org = sheets["Organisations"]
    for name in ADDED_PARTS:
        assert name in before
    for fragment in SHEET_FRAGMENTS:
        assert fragment in before[org]
    fp = writer.fingerprint(rich)
    cells = owned_cells(rich)
    grids = [
        SheetGrid(
            name="Suivi", rows=[["Liste"], ["Échéance", "Action"], [TODAY, "x"]], header_rows=[1]
        ),
        SheetGrid(
            name="Contrôles",
            rows=[["Code"], ["W301"]],
            header_rows=[0],
            links={"A2": "'Appels'!A2"},
        ),
    ]
    result = writer.write_changes(rich, cells={"Organisations": cells}, sheets=grids, expected=fp)
    after = parts_of(rich)
    owned = {
        org,
        sheets["Suivi"],
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/styles.xml",
    }
    new_parts = set(after) - set(before)
    assert len(new_parts) == 1 and new_parts.pop().startswith("xl/worksheets/sheet")
    assert set(result.parts_changed) <= owned | set(after)
    for name, data in before.items():
        if name not in owned:
            assert after[name] == data, name
    # the owned parts only gained: rels, content types, defined names, formats
    for name, tag in (
        ("xl/_rels/workbook.xml.rels", rb"<Relationship\b[^>]*/>"),
        ("[Content_Types].xml", rb"<(?:Override|Default)\b[^>]*/>"),
        ("xl/workbook.xml", rb"<definedName\b[^>]*>[^<]*</definedName>|<sheet\b[^>]*/>"),
    ):
        old = set(re.findall(tag, before[name]))
        assert old <= set(re.findall(tag, after[name])), name
    old_xfs = re.search(rb"<cellXfs[^>]*>(.*)</cellXfs>", before["xl/styles.xml"], re.S)
    assert old_xfs is not None and old_xfs[1] in after["xl/styles.xml"]
    # the patched sheet: everything outside the owned cells keeps its bytes
    assert outside_sheet_data(after[org]) == outside_sheet_data(before[org])
    old_cells, new_cells = cells_of(before[org]), cells_of(after[org])
    for ref, xml in old_cells.items():
        if ref not in cells:
            assert new_cells[ref] == xml, ref
    assert set(new_cells) - set(old_cells) <= set(cells)
    # values and styles, as a spreadsheet program reads them
    old_wb, new_wb = load(rich.with_name("riche.bak.xlsm")), load(rich)
    for ws in old_wb.worksheets:
        if ws.title == "Suivi":
            continue
        for row in ws.iter_rows():
            for cell in row:
                if ws.title == "Organisations" and cell.coordinate in cells:
                    continue
                new = new_wb[ws.title][cell.coordinate]
                assert (new.value, style_of(new)) == (cell.value, style_of(cell)), cell.coordinate
    got = new_wb["Organisations"]
    for ref, value in cells.items():
        want = dt.datetime.combine(value, dt.time()) if isinstance(value, dt.date) else value
        assert got[ref].value == want, ref
    assert read_raw(rich).sheets["organisations"].rows[0].values["id"] == "ORG-0999"


def test_xlsm_keeps_its_macros_and_ribbon(rich: Path) -> None:
    before = parts_of(rich)
    writer.write_changes(rich, cells={"Organisations": {"Z2": TODAY}})
    after = parts_of(rich)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert after["customUI/customUI14.xml"] == before["customUI/customUI14.xml"]
    assert b"macroEnabled.main+xml" in after["[Content_Types].xml"]
    assert b"ui/extensibility" in after["_rels/.rels"]


def test_libreoffice_opens_the_result(rich: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required on CI")
        pytest.skip("LibreOffice (soffice) is not installed")
    writer.write_changes(
        rich,
        cells={"Organisations": owned_cells(rich)},
        sheets=[SheetGrid(name="Contrôles", rows=[["Code"], ["W301"]], header_rows=[0])],
    )
    out = tmp_path / "pdf"
    profile = f"file:///tmp/lo-{uuid.uuid4().hex}"
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(rich),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    shutil.rmtree(profile.removeprefix("file://"), ignore_errors=True)
    pdf = out / "riche.pdf"
    assert proc.returncode == 0, proc.stderr
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")


# ---------------------------------------------------------------- refusals leave the file alone


def excel_lock(path: Path, owner: str) -> Path:
    lock = path.with_name("~$" + path.name)
    name = owner.encode("cp1252")
    wide = owner.encode("utf-16-le")
    data = bytes([len(name)]) + name.ljust(53, b" ") + bytes([len(owner), 0]) + wide
    lock.write_bytes(data.ljust(165, b"\x20"))
    return lock


def office_lock(path: Path) -> Path:
    lock = path.with_name(f".~lock.{path.name}#")
    lock.write_text(
        "Claire Martin,PC-BIBLIO,claire,24.11.2026 09:15,file:///home/claire/.config/libreoffice/4;"
    )
    return lock


@pytest.mark.parametrize("kind", ["excel", "libreoffice"])
def test_lock_file_refuses_then_force_overrides(example: Path, kind: str) -> None:
    data = example.read_bytes()
    if kind == "excel":
        excel_lock(example, "Jacques Lefèvre")
        expected = ["Excel", "Jacques Lefèvre", "--force"]
    else:
        office_lock(example)
        expected = ["LibreOffice", "Claire Martin", "PC-BIBLIO", "24/11/2026 à 09:15"]
    with pytest.raises(WorkbookLocked) as info:
        writer.write_changes(example, cells={"Organisations": {"Y2": "x"}})
    assert info.value.exit_code == 3
    for word in expected:
        assert word in str(info.value)
    assert example.read_bytes() == data
    assert not writer.backup_path(example).exists()
    result = writer.write_changes(example, cells={"Organisations": {"Y2": "x"}}, force=True)
    assert result.written and writer.backup_path(example).read_bytes() == data


def test_read_only_file_is_refused(example: Path) -> None:
    data = example.read_bytes()
    example.chmod(0o444)
    with pytest.raises(WorkbookLocked, match="lecture seule") as info:
        writer.write_changes(example, cells={"Organisations": {"Y2": "x"}}, force=True)
    assert info.value.exit_code == 3
    assert example.read_bytes() == data and stat.S_IMODE(example.stat().st_mode) == 0o444


def test_changed_file_is_refused_even_with_force(example: Path) -> None:
    fp = writer.fingerprint(example)
    wb = openpyxl.load_workbook(example)
    wb["Organisations"]["W2"] = "Note ajoutée dans Excel"
    wb.save(example)
    data = example.read_bytes()
    with pytest.raises(WorkbookChanged) as info:
        writer.write_changes(example, cells={"Organisations": {"Y2": "x"}}, expected=fp, force=True)
    assert info.value.exit_code == 3 and "modifié" in str(info.value)
    assert example.read_bytes() == data


def test_permissions_and_backup_are_kept(example: Path) -> None:
    example.chmod(0o640)
    data = example.read_bytes()
    fp = writer.fingerprint(example)
    assert fp.size == len(data)
    result = writer.write_changes(example, cells={"Organisations": {"Y2": "x"}}, expected=fp)
    assert stat.S_IMODE(example.stat().st_mode) == 0o640
    assert result.backup is not None and result.backup.read_bytes() == data
    assert writer.fingerprint(example).sha256 != fp.sha256
    leftovers = [p.name for p in example.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_backup_path_keeps_the_extension() -> None:
    assert writer.backup_path("dossier/suivi.xlsx") == Path("dossier/suivi.bak.xlsx")
    assert writer.backup_path("riche.xlsm") == Path("riche.bak.xlsm")


# ---------------------------------------------------------------- through the commands


def assert_survives(
    before: dict[str, bytes],
    after: dict[str, bytes],
    owned_parts: set[str],
    owned: dict[str, set[str]],
) -> None:
    """Every part outside ``owned_parts`` is byte-identical; in ``owned`` sheets (part -> owned
    refs) everything outside sheetData and every cell outside the owned refs keeps its bytes."""
    for name, data in before.items():
        if name in owned_parts or name in owned:
            continue
        assert after.get(name) == data, name
    for part, refs in owned.items():
        assert outside_sheet_data(after[part]) == outside_sheet_data(before[part]), part
        old_cells, new_cells = cells_of(before[part]), cells_of(after[part])
        for ref, xml in old_cells.items():
            if ref not in refs:
                assert new_cells.get(ref) == xml, (part, ref)
        assert set(new_cells) - set(old_cells) <= refs


WORKBOOK_PARTS = {
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "[Content_Types].xml",
    "xl/styles.xml",
}


def run_cli(*args: str) -> Any:
    from click.testing import CliRunner

    from cbpt_sheets.cli import cli

    return CliRunner().invoke(cli, list(args))


def test_next_write_keeps_the_rich_workbook(rich: Path) -> None:
    before = parts_of(rich)
    with zipfile.ZipFile(rich) as z:
        org = sheet_parts(z)["Organisations"]
    sheet = read_raw(rich).sheets["organisations"]
    letters = {sheet.cell(k, 1)[:-1] for k in ("id", "stage", "next_action", "due", "reason")}
    refs = {f"{col}{r.row}" for col in letters for r in sheet.rows}
    result = run_cli("next", str(rich), "--today", TODAY.isoformat(), "--write")
    assert result.exit_code == 0, result.output
    after = parts_of(rich)
    assert after[org] != before[org]
    assert_survives(before, after, WORKBOOK_PARTS, {org: refs})
    assert set(after) == set(before)
    again = parts_of(rich)
    assert run_cli("next", str(rich), "--today", TODAY.isoformat(), "--write").exit_code == 0
    assert parts_of(rich) == again  # a second run changes nothing


def test_followup_write_keeps_the_rich_workbook(rich: Path) -> None:
    before = parts_of(rich)
    with zipfile.ZipFile(rich) as z:
        suivi = sheet_parts(z)["Suivi"]
    result = run_cli("followup", str(rich), "--today", TODAY.isoformat(), "--write")
    assert result.exit_code == 0, result.output
    after = parts_of(rich)
    assert after[suivi] != before[suivi]
    assert_survives(before, after, WORKBOOK_PARTS | {suivi}, {})
    assert load(rich).sheetnames == load(writer.backup_path(rich)).sheetnames


def test_check_fix_keeps_the_rich_workbook(rich: Path) -> None:
    from cbpt_sheets.core import checks

    calls = read_raw(rich).sheets["calls"]
    first = calls.rows[0].row
    writer.write_changes(rich, cells={"Appels": {calls.cell("outcome", first): "PAS DE REPONSE"}})
    fixes = checks.safe_fixes(read_raw(rich), TODAY)
    assert fixes
    parts = sheet_parts(zipfile.ZipFile(rich))
    owned: dict[str, set[str]] = {}
    for fix in fixes:
        owned.setdefault(parts[fix.sheet], set()).add(fix.cell)
    before = parts_of(rich)
    result = run_cli("check", str(rich), "--today", TODAY.isoformat(), "--fix")
    assert result.exit_code in (0, 1), result.output
    after = parts_of(rich)
    assert_survives(before, after, WORKBOOK_PARTS, owned)
    assert load(rich)["Appels"][calls.cell("outcome", first)].value == "Pas de réponse"


@pytest.mark.parametrize("blocker", ["excel", "libreoffice", "read-only", "changed"])
def test_commands_refuse_with_exit_code_3(example: Path, blocker: str) -> None:
    if blocker == "excel":
        excel_lock(example, "Claire")
    elif blocker == "libreoffice":
        office_lock(example)
    elif blocker == "read-only":
        example.chmod(0o444)
    data = example.read_bytes()
    if blocker == "changed":
        # the file changes on disk between the read and the write of the command
        real = writer.fingerprint

        def stale(path: Any) -> writer.Fingerprint:
            fp = real(path)
            return writer.Fingerprint(fp.size, fp.mtime_ns, "0" * 64)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(writer, "fingerprint", stale)
            result = run_cli("next", str(example), "--today", TODAY.isoformat(), "--write")
    else:
        result = run_cli("next", str(example), "--today", TODAY.isoformat(), "--write")
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert example.read_bytes() == data


def _compressed_parts(path: Path) -> dict[str, tuple[int, int, bytes]]:
    """Each part's CRC, compression and stored (compressed) bytes."""
    out: dict[str, tuple[int, int, bytes]] = {}
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            n, m = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little"), int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")  # fmt: skip
            start = info.header_offset + 30 + n + m
            out[info.filename] = (info.CRC, info.compress_type, data[start : start + info.compress_size])  # fmt: skip
    return out


def test_unchanged_parts_are_copied_without_recompressing(rich: Path) -> None:
    """Issue 22: the parts a write leaves alone keep their compressed bytes exactly."""
    before = _compressed_parts(rich)
    fp = writer.fingerprint(rich)
    result = writer.write_changes(rich, cells={"Organisations": owned_cells(rich)}, expected=fp)
    after = _compressed_parts(rich)
    changed = set(result.parts_changed)
    assert changed and set(before) - changed
    for name in set(before) - changed:
        assert after[name] == before[name], name
    with zipfile.ZipFile(rich) as z:
        assert z.testzip() is None
        assert all(not i.flag_bits & 0x08 for i in z.infolist())


def test_copy_compressed_refuses_what_it_cannot_copy() -> None:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xml", b"<a/>" * 100)
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        info = src.infolist()[0]
    out_buffer = io.BytesIO()
    with zipfile.ZipFile(out_buffer, "w") as out:
        assert not writer.copy_compressed(out, b"", info)
        assert not writer.copy_compressed(out, b"XX" + data[2:], info)  # no local header
        assert writer.copy_compressed(out, data, info)
    with zipfile.ZipFile(io.BytesIO(out_buffer.getvalue())) as check:
        assert check.read("a.xml") == b"<a/>" * 100
