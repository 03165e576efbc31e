"""Issue 13: the workbook read and written whatever program saved it.

The corpus (``tests/corpus/forms.py``) holds the example workbook in the forms other
programs save it in; each form reads to the values and findings of the plain file it
came from, and survives ``next --write``, ``followup --write`` and ``check --fix``
with LibreOffice opening the result and every cell outside the owned ones unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine
from click.testing import CliRunner

from cbpt_sheets.cli import cli
from cbpt_sheets.core.checks import safe_fixes
from cbpt_sheets.core.models import RawWorkbook
from cbpt_sheets.core.schema import COMPUTED_KEYS, FOLLOWUP_SHEET, match_sheet
from cbpt_sheets.core.values import parse_phone
from cbpt_sheets.ooxml import template
from cbpt_sheets.ooxml.reader import read_raw
from cbpt_sheets.ooxml.source import sniff
from tests.conftest import TODAY, require_soffice
from tests.corpus.forms import (
    MERGED_RANGE,
    NO_VALUE_CELL,
    ORG_TOTAL_ROW,
    S_MAIN,
    S_REL,
    SAME_AS_PLAIN,
    T_MAIN,
    TOTAL_ROW,
    build_forms,
)

DAY = TODAY.isoformat()
WRITTEN = ("strict", "prefixed", "no-r", "backslash", "total-row", "merged", "no-value", "nnbsp")
COMMANDS = {"next": ("next", "--write"), "followup": ("followup", "--write"), "fix": ("check", "--fix")}  # fmt: skip


def run(*args: Any) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    require_soffice()
    return build_forms(tmp_path_factory.mktemp("forms"), TODAY, office=True)


def _values(raw: RawWorkbook) -> dict[str, Any]:
    """What the reader gives of a workbook: each data sheet's rows, errors, settings."""
    return {
        "sheets": {
            key: (s.columns, s.header_row, s.numbers, s.data, s.cell_errors)
            for key, s in raw.sheets.items()
        },
        "settings": raw.settings,
        "volunteers": raw.volunteers,
        "libraries": raw.libraries,
    }


def _findings(path: Path) -> list[tuple[str, str, str | None, str]]:
    result = run("check", path, "--today", DAY, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    return [(f["code"], f["sheet"], f["cell"], f["severity"]) for f in report["findings"]]


def all_cells(path: Path) -> dict[str, dict[tuple[int, int], Any]]:
    """Every non-empty cell value of every sheet, by sheet name, (row, column) 1-based."""
    _kind, data = sniff(path)
    book = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if data is not None
        else python_calamine.CalamineWorkbook.from_path(str(path))
    )
    out: dict[str, dict[tuple[int, int], Any]] = {}
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        out[name] = {
            (r, c): v
            for r, row in enumerate(rows, start=1)
            for c, v in enumerate(row, start=1)
            if v not in ("", None)
        }
    book.close()
    return out


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("form", [*SAME_AS_PLAIN, "ods", "xls"])
def test_form_reads_like_its_plain_file(forms: dict[str, Path], form: str) -> None:
    plain = read_raw(forms["plain"])
    other = read_raw(forms[form])
    assert _values(other) == _values(plain)
    assert _findings(forms[form]) == _findings(forms["plain"])
    for command in ("next", "followup"):
        a = run(command, forms["plain"], "--today", DAY, "--format", "json")
        b = run(command, forms[form], "--today", DAY, "--format", "json")
        assert (a.exit_code, a.output) == (
            b.exit_code,
            b.output.replace(forms[form].name, forms["plain"].name),
        )
    org = plain.sheets["organisations"].data["name"][1]
    a = run("brief", forms["plain"], org, "--today", DAY)
    b = run("brief", forms[form], org, "--today", DAY)
    assert (a.exit_code, a.output) == (b.exit_code, b.output)


def test_merged_cells_read_as_excel_shows_them(forms: dict[str, Path]) -> None:
    """Appels C12:C13 merged: both calls name the organisation, and a warning at the range."""
    assert _values(read_raw(forms["merged"])) == _values(read_raw(forms["plain"]))
    extra = [f for f in _findings(forms["merged"]) if f not in _findings(forms["plain"])]
    assert extra == [("merged-cell", "Appels", MERGED_RANGE, "warning")]
    a = run("next", forms["plain"], "--today", DAY, "--format", "json")
    b = run("next", forms["merged"], "--today", DAY, "--format", "json")
    assert json.loads(a.output)["actions"] == json.loads(b.output)["actions"]


def test_formula_without_value_is_an_error_that_blocks_its_organisation(
    forms: dict[str, Path],
) -> None:
    extra = [f for f in _findings(forms["no-value"]) if f not in _findings(forms["plain"])]
    assert extra == [("formula-no-value", "Appels", NO_VALUE_CELL, "error")]
    raw = read_raw(forms["no-value"])
    calls = raw.sheets["calls"]
    position = calls.numbers.index(int(NO_VALUE_CELL[1:]))
    assert calls.data["callback_date"][position] is None
    report = json.loads(run("check", forms["no-value"], "--today", DAY, "--format", "json").output)
    message = next(f["message"] for f in report["findings"] if f["code"] == "formula-no-value")
    assert "Ouvrez et enregistrez le classeur dans Excel ou LibreOffice" in message
    plan = json.loads(run("next", forms["no-value"], "--today", DAY, "--format", "json").output)
    blocked = [a for a in plan["actions"] if a.get("blocked_by")]
    assert any(
        b["cell"] == NO_VALUE_CELL and b["code"] == "formula-no-value"
        for a in blocked
        for b in a["blocked_by"]
    )


@pytest.mark.parametrize("space", ["\u202f", "\u00a0", "\u2009", "\u2007", "\u3000", "\t"])
def test_every_unicode_space_in_a_phone_is_a_space(space: str) -> None:
    assert parse_phone(f"01{space}45{space}30{space}10{space}10") == parse_phone("01 45 30 10 10")


def test_narrow_no_break_spaces_read_like_no_break_spaces(forms: dict[str, Path]) -> None:
    """U+202F (French typography) gives what U+00A0 gives: a fixable phone-format warning."""
    nbsp, nnbsp = _findings(forms["nbsp"]), _findings(forms["nnbsp"])
    assert nnbsp == nbsp
    assert nnbsp and {code for code, *_ in nnbsp} == {"phone-format"}
    fixes = {(f.sheet, f.cell, f.new) for f in safe_fixes(read_raw(forms["nnbsp"]), TODAY)}
    assert fixes == {(f.sheet, f.cell, f.new) for f in safe_fixes(read_raw(forms["nbsp"]), TODAY)}


def test_total_row_is_left_out_of_reading_and_checks(forms: dict[str, Path]) -> None:
    raw = read_raw(forms["total-row"])
    assert TOTAL_ROW not in raw.sheets["calls"].numbers
    assert ORG_TOTAL_ROW not in raw.sheets["organisations"].numbers
    assert "Total" not in raw.sheets["organisations"].data["name"]
    assert not [f for f in _findings(forms["total-row"]) if f[2] and f[2].endswith(str(TOTAL_ROW))]


@pytest.mark.parametrize(
    "command", [("check",), ("next",), ("followup",), ("brief", "X"), ("next", "--write"),
                ("followup", "--write"), ("check", "--fix"), ("brief", "X", "--write")],
)  # fmt: skip
def test_duplicate_zip_entries_are_refused_by_every_command(
    forms: dict[str, Path], tmp_path: Path, command: tuple[str, ...]
) -> None:
    path = tmp_path / "double.xlsx"
    shutil.copy(forms["duplicate"], path)
    before = path.read_bytes()
    result = run(command[0], path, *command[1:], "--today", DAY)
    assert result.exit_code == 3, result.output
    assert "deux fois la partie xl/worksheets/sheet2.xml" in result.output
    assert "Traceback" not in result.output and "inattendue" not in result.output
    assert path.read_bytes() == before


@pytest.mark.parametrize("form", ["ods", "xls"])
@pytest.mark.parametrize("command", [("next", "--write"), ("followup", "--write"), ("check", "--fix"), ("brief", "X", "--write")])  # fmt: skip
def test_ods_and_xls_are_not_written(
    forms: dict[str, Path], tmp_path: Path, form: str, command: tuple[str, ...]
) -> None:
    path = tmp_path / forms[form].name
    shutil.copy(forms[form], path)
    before = path.read_bytes()
    result = run(command[0], path, *command[1:], "--today", DAY)
    assert result.exit_code == 3, result.output
    assert "Classeur Excel (.xlsx)" in result.output or "Excel 2007-365 (.xlsx)" in result.output
    assert f".{form})" in result.output and "Enregistrer sous" in result.output
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.bak*"))


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("name", "make", "named"),
    [
        ("budget.numbers", lambda p: _zip(p, {"Index/Document.iwa": b"\0", "Metadata/x.plist": b""}), "Apple Numbers"),
        ("budget.xlsx", lambda p: _zip(p, {"Index/Document.iwa": b"\0"}), "Apple Numbers"),
        ("lettre.docx", lambda p: _zip(p, {"word/document.xml": b"<w/>", "[Content_Types].xml": b"<T/>"}), "Word"),
        ("notes.odt", lambda p: _zip(p, {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<o/>"}), "OpenDocument (.odt)"),
        ("scan.xlsx", lambda p: p.write_bytes(b"%PDF-1.7\n%...\n") and p, "PDF"),
        ("page.xls", lambda p: p.write_bytes(b"<!DOCTYPE html><html><table></table></html>") and p, "HTML"),
    ],
)  # fmt: skip
def test_other_formats_are_named(tmp_path: Path, name: str, make: Any, named: str) -> None:
    path = tmp_path / name
    make(path)
    for command in (("check",), ("next",), ("followup", "--write")):
        result = run(command[0], path, *command[1:], "--today", DAY)
        assert result.exit_code == 3, result.output
        assert named in result.output, result.output
        assert "xl/workbook.xml" not in result.output and "inattendue" not in result.output


def test_numbers_bundle_folder_is_named(tmp_path: Path) -> None:
    bundle = tmp_path / "budget.numbers"
    (bundle / "Index").mkdir(parents=True)
    result = run("check", bundle, "--today", DAY)
    assert result.exit_code == 3 and "Apple Numbers" in result.output


# ---------------------------------------------------------------- writing


def _owned(command: str, plain: Path) -> tuple[set[tuple[str, int, int]], set[str]]:
    """The cells (sheet, row, column) and whole sheets a command owns on the plain file."""
    raw = read_raw(plain)
    cells: set[tuple[str, int, int]] = set()
    sheets: set[str] = set()
    if command == "next":
        orgs = raw.sheets["organisations"]
        columns = [orgs.columns[k] + 1 for k in ("id", *COMPUTED_KEYS) if k in orgs.columns]
        cells = {(orgs.name, r, c) for r in orgs.numbers for c in columns}
    elif command == "followup":
        sheets = {n for n in raw.sheet_names if match_sheet(n) == FOLLOWUP_SHEET.key}
    else:
        for fix in safe_fixes(raw, TODAY):
            m = re.fullmatch(r"([A-Z]+)(\d+)", fix.cell or "")
            assert m is not None
            col = 0
            for ch in m[1]:
                col = col * 26 + ord(ch) - 64
            cells.add((fix.sheet, int(m[2]), col))
    return cells, sheets


@pytest.fixture(scope="module")
def written(forms: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:  # fmt: skip
    """Each form after each writing command (a copy each), and LibreOffice's reading of it."""
    folder = tmp_path_factory.mktemp("written")
    out: dict[tuple[str, str], Path] = {}
    for form in WRITTEN:
        for command, args in COMMANDS.items():
            path = folder / f"{form}-{command}.xlsx"
            shutil.copy(forms[form], path)
            result = run(args[0], path, *args[1:], "--today", DAY)
            assert result.exit_code in (0, 1), (form, command, result.output)
            out[(form, command)] = path
    return out


@pytest.fixture(scope="module")
def reopened(
    written: dict[tuple[str, str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Every written file opened and saved again by LibreOffice (one run for all of them)."""
    binary = require_soffice()
    outdir = tmp_path_factory.mktemp("reopened")
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
             "ods", "--outdir", str(outdir), *map(str, written.values())],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return outdir


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("form", WRITTEN)
def test_form_survives_writing(
    forms: dict[str, Path],
    written: dict[tuple[str, str], Path],
    reopened: Path,
    form: str,
    command: str,
) -> None:
    path = written[(form, command)]
    before, after = all_cells(forms[form]), all_cells(path)
    cells, sheets = _owned(command, forms[form])
    changed = set()
    for sheet in set(before) | set(after):
        if sheet in sheets:
            continue
        old, new = before.get(sheet, {}), after.get(sheet, {})
        for key in set(old) | set(new):
            if old.get(key) != new.get(key):
                changed.add((sheet, *key))
    assert changed <= cells, sorted(changed - cells)[:5]
    assert changed or sheets, "the command wrote nothing"
    # LibreOffice opened the result: its copy reads to the same organisations
    lo = reopened / (path.stem + ".ods")
    assert lo.exists(), f"LibreOffice could not open {path.name}"
    ours, theirs = read_raw(path), read_raw(lo)
    lo_rows = [n for n in theirs.sheets["calls"].numbers if form != "total-row" or n != TOTAL_ROW]
    assert lo_rows == ours.sheets["calls"].numbers  # (.ods keeps no table total row)
    lo_names = theirs.sheets["organisations"].data["name"]
    if form == "total-row":
        lo_names = [n for n in lo_names if n != "Total"]
    assert lo_names == ours.sheets["organisations"].data["name"]
    # the total row and its formula are the table's, never the tool's
    if form == "total-row":
        with zipfile.ZipFile(path) as z, zipfile.ZipFile(forms[form]) as o:
            assert z.read("xl/tables/table2.xml") == o.read("xl/tables/table2.xml")
            assert b"SUBTOTAL(103" in z.read("xl/worksheets/sheet2.xml")
            org_sheet = z.read("xl/worksheets/sheet1.xml")
            assert b"<f>SUBTOTAL(103,Organisations[Nom])</f><v>33</v>" in org_sheet
            assert (ORG_TOTAL_ROW, 26) in after["Organisations"]  # still the formula's value


def test_backslash_names_are_written_with_slashes(written: dict[tuple[str, str], Path]) -> None:
    with zipfile.ZipFile(written[("backslash", "followup")]) as z:
        names = z.namelist()
    assert "xl/workbook.xml" in names and not [n for n in names if "\\" in n]


def test_strict_workbook_is_written_in_its_own_namespace(
    forms: dict[str, Path], tmp_path: Path
) -> None:
    """A sheet added to a Strict workbook (Fiche) is in Strict's namespaces, like the rest."""
    path = tmp_path / "strict.xlsx"
    shutil.copy(forms["strict"], path)
    org = read_raw(path).sheets["organisations"].data["name"][0]
    result = run("brief", path, org, "--today", DAY, "--write")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as z:
        rels = z.read("xl/_rels/workbook.xml.rels")
        target = re.search(rb'Target="([^"]*)"[^>]*?/?>(?![\s\S]*Target=)', rels)
        assert target is not None
        part = "xl/" + target[1].decode().lstrip("/").removeprefix("xl/")
        body = z.read(part)
        workbook = z.read("xl/workbook.xml")
        for name in z.namelist():
            if name.endswith((".xml", ".rels")) and not name.startswith("docProps"):
                assert T_MAIN not in z.read(name), name
    assert S_MAIN in body and b"Fiche d'appel" in body
    assert S_REL + b"/worksheet" in rels
    assert b'name="Fiche"' in workbook
    assert read_raw(path).sheet_names[-1] == "Fiche"
    assert all_cells(path)["Fiche"]


# ---------------------------------------------------------------- generated sheets


def _rename_sheet(path: Path, old: str, new: str, strip_mark: bool = False) -> None:
    """Rename a sheet in workbook.xml (as another program would), and make it the
    volunteers' own with ``strip_mark``."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        f'name="{old}"'.encode(), f'name="{new}"'.encode(), 1
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    if not strip_mark:
        return
    wb = openpyxl.load_workbook(path)
    ws = wb[new]
    if strip_mark:  # a volunteer's own sheet: their own content, no mark
        ws.oddFooter.left.text = None
        for row in ws.iter_rows():
            for cell in row:
                cell.value = None
        ws["A1"] = "Mes notes de suivi"
        ws["B3"] = "à garder"
    wb.save(path)


@pytest.mark.parametrize("renamed", ["SUIVI", "suivi ", " Suivi"])
def test_generated_sheet_renamed_by_another_program_is_rewritten(
    example_path: Path, renamed: str
) -> None:
    _rename_sheet(example_path, "Suivi", renamed)
    result = run("followup", example_path, "--today", DAY, "--write")
    assert result.exit_code == 0, result.output
    names = read_raw(example_path).sheet_names
    assert renamed in names and "Suivi" not in names
    assert str(all_cells(example_path)[renamed][(1, 1)]).startswith("Liste de suivi au")
    again = run("followup", example_path, "--today", DAY, "--write")  # its mark: rewritten
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize(
    ("sheet", "command"),
    [("suivi ", ("followup", "--write")), ("FICHE", ("brief", "ORG-0002", "--write")),
     ("Controles", ("verify",))],
)  # fmt: skip
def test_volunteers_own_sheet_of_a_generated_name_is_never_overwritten(
    example_path: Path, sheet: str, command: tuple[str, ...]
) -> None:
    wb = openpyxl.load_workbook(example_path)
    if sheet.strip().lower() == "suivi":
        wb.close()
        _rename_sheet(example_path, "Suivi", sheet, strip_mark=True)
    else:
        ws = wb.create_sheet(sheet)
        ws["A1"] = "Mes notes"
        ws["B3"] = "à garder"
        wb.save(example_path)
    before = example_path.read_bytes()
    if command[0] == "verify":  # the Contrôles sheet: written by operations.verify
        from cbpt_sheets import operations
        from cbpt_sheets.errors import StructureError

        source = operations.open_file(example_path, write=True)
        with pytest.raises(StructureError) as refused:
            operations.verify(source, TODAY, source.sink())
        output = str(refused.value)
    else:
        result = run(command[0], example_path, *command[1:], "--today", DAY)
        assert result.exit_code == 3, result.output
        output = result.output
    assert "n'a pas été créée par cbpt-sheets" in output and "Renommez-la" in output
    assert example_path.read_bytes() == before


def test_generated_sheets_carry_the_mark(example_path: Path, tmp_path: Path) -> None:
    """The template's Suivi and every sheet the tool writes carry the footer mark."""
    with zipfile.ZipFile(example_path) as z:
        assert b"cbpt-sheets" in re.search(rb"<headerFooter>.*?</headerFooter>", z.read("xl/worksheets/sheet4.xml"), re.S)[0]  # type: ignore[index]  # fmt: skip
    assert run("brief", example_path, "ORG-0002", "--today", DAY, "--write").exit_code == 0
    cells = all_cells(example_path)
    assert "Fiche" in cells
    wb = openpyxl.load_workbook(example_path)
    assert "cbpt-sheets" in (wb["Fiche"].oddFooter.left.text or "")
    assert "cbpt-sheets" in (wb["Suivi"].oddFooter.left.text or "")


# ---------------------------------------------------------------- check --fix and the quote prefix


def test_fix_clears_the_quote_prefix_of_the_dates_it_writes(tmp_path: Path) -> None:
    path = template.create_workbook(tmp_path / "apostrophe.xlsx", example=True, today=TODAY)
    wb = openpyxl.load_workbook(path)
    ws = wb["Appels"]
    ws["A2"].value = "15/01/2026"
    ws["A2"].number_format = "@"
    ws["A2"].quotePrefix = True
    wb.save(path)
    result = run("check", path, "--fix", "--today", DAY)
    assert result.exit_code in (0, 1), result.output
    wb = openpyxl.load_workbook(path)
    cell = wb["Appels"]["A2"]
    assert cell.value == dt.datetime(2026, 1, 15)
    assert not cell.quotePrefix
    assert cell.is_date


# ---------------------------------------------------------------- memory


_MEASURE = """
import resource, subprocess, sys
code = "from cbpt_sheets.cli import main; main()"
result = subprocess.run([sys.executable, "-c", code, *sys.argv[1:]], capture_output=True, text=True)
print(result.returncode)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(result.stdout + result.stderr[-2000:])
"""


@pytest.mark.parametrize(
    ("command", "ref", "declared"),
    [
        ("check", "C1048576", True),
        ("next", "C1048576", True),
        # written past the sheet's declared extent (a script, a crafted file)
        ("check", "C1048576", False),
        # the last cell of a sheet: calamine would lay out 16 384 columns x 1 048 576 rows
        # (549 GB: the process aborted with no message, attack report of issue 13)
        ("check", "XFD1048576", False),
        ("next", "XFD1048576", True),
        ("check", "XFD5", False),
        ("check", "IW5", False),  # the first column past IV
    ],
)
def test_stray_cell_on_the_last_row_keeps_memory_low(
    forms: dict[str, Path], tmp_path: Path, command: str, ref: str, declared: bool
) -> None:
    """One stray cell far down or far right of Appels: the peak stays under 200 MB (was
    767 MB for C1048576; XFD1048576 aborted the process)."""
    path = tmp_path / "stray.xlsx"
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    with zipfile.ZipFile(forms["plain"]) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:  # fmt: skip
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                stray = f'<c r="{ref}" t="inlineStr"><is><t>x</t></is></c>'.encode()
                if int(row) > 67:
                    stray = f'<row r="{row}">'.encode() + stray + b"</row>"
                    data = data.replace(b"</sheetData>", stray + b"</sheetData>")
                else:
                    data = re.sub(
                        rb'(<row r="' + row.encode() + rb'"[^>]*>.*?)</row>',
                        lambda m, s=stray: m[1] + s + b"</row>",
                        data,
                        count=1,
                        flags=re.S,
                    )
                if declared:
                    last = ref[: len(ref) - len(row)] if ref.startswith("XFD") else "P"
                    data = data.replace(
                        b'<dimension ref="A1:P67"/>',
                        f'<dimension ref="A1:{last}{max(int(row), 67)}"/>'.encode(),
                    )
            dst.writestr(info, data)
    # a fresh interpreter measures its child alone (this one has run LibreOffice)
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, command, str(path), "--today", DAY, "--format", "json"],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    code, peak_kb, output = out.stdout.split("\n", 2)
    assert int(code) in (0, 1), output
    assert int(peak_kb) < 200 * 1024, f"peak {int(peak_kb) // 1024} MB"
    data = json.loads(output[: output.rindex("}") + 1])
    if ref.startswith(("XFD", "IW")):  # past column IV: left out of the reading (README)
        assert ref not in [f["cell"] for f in data.get("findings", [])]
        return
    if command == "check":  # found at its real row
        assert ["Appels", "C1048576"] in [[f["sheet"], f["cell"]] for f in data["findings"]]
    else:  # listed as unmatched, or blocking the organisation its name is close to
        places = [u["cell"] for u in data["unmatched"]] + [
            b["cell"] for a in data["actions"] for b in a.get("blocked_by") or []
        ]
        assert "C1048576" in places


@pytest.mark.parametrize("form", ["strict", "prefixed", "no-r", "backslash"])
def test_excel_errors_and_formulas_without_value_are_seen_in_every_form(
    forms: dict[str, Path], tmp_path: Path, form: str
) -> None:
    """A #REF! (Appels F5) and a formula without value (L3) reported in each form as in plain."""
    from tests.corpus import forms as corpus

    def errors(parts: dict[str, bytes]) -> None:
        corpus._no_value(parts)
        name = "xl/worksheets/sheet2.xml"
        parts[name] = re.sub(
            rb'<c r="F5"([^>]*?) t="inlineStr"><is>.*?</is></c>',
            rb'<c r="F5"\1 t="e"><f>#REF!+1</f><v>#REF!</v></c>',
            parts[name],
            count=1,
            flags=re.S,
        )

    plain = corpus._edit(forms["plain"], tmp_path / "erreurs.xlsx", errors)
    if form == "backslash":
        _infos, parts = corpus._read(plain)
        path = corpus._write(tmp_path / "b.xlsx", parts, lambda n: n.replace("/", "\\"))
    else:
        path = corpus._edit(plain, tmp_path / f"{form}.xlsx", corpus.ZIP_FORMS[form])
    expected = _findings(plain)
    assert ("formula-error", "Appels", "F5", "error") in expected
    assert ("formula-no-value", "Appels", NO_VALUE_CELL, "error") in expected
    assert _findings(path) == expected


def test_trim_leaves_out_long_empty_runs_and_keeps_real_rows() -> None:
    from cbpt_sheets.ooxml.source import Trim

    rows = [1, 2, 4, 2000, 2001, 1048576]
    xml = (
        b'<worksheet><dimension ref="A1:B1048576"/><sheetData>'
        + b"".join(b'<row r="%d"><c r="B%d"><v>%d</v></c></row>' % (r, r, r) for r in rows)
        + b"</sheetData></worksheet>"
    )
    trim = Trim.of(xml)
    assert trim is not None
    assert b"<dimension" not in trim.xml
    assert trim.rows == [1, 2, 3, 4, 2000, 2001, 1048576]
    kept = re.findall(rb'<row r="(\d+)"><c r="B(\d+)"><v>(\d+)</v>', trim.xml)
    assert [(int(r), int(c), int(v)) for r, c, v in kept] == [
        (1, 1, 1), (2, 2, 2), (4, 4, 4), (5, 5, 2000), (6, 6, 2001), (7, 7, 1048576)
    ]  # fmt: skip
    for position, value in [(r, v) for r, _c, v in kept]:
        assert trim.rows[int(position) - 1] == int(value)
    assert (
        Trim.of(xml.replace(b'r="1048576"', b'r="2002"').replace(b"B1048576", b"B2002")) is not None
    )
    dense = b"<sheetData>" + b"".join(b'<row r="%d"/>' % r for r in range(1, 50)) + b"</sheetData>"
    assert Trim.of(dense) is None


def test_mark_survives_libreoffice_and_the_sheet_is_rewritten_again(
    forms: dict[str, Path], tmp_path: Path
) -> None:
    """Fiche written, the workbook saved by LibreOffice as .xlsx: still recognised, rewritten."""
    binary = require_soffice()
    path = tmp_path / "fiche.xlsx"
    shutil.copy(forms["plain"], path)
    assert run("brief", path, "ORG-0002", "--today", DAY, "--write").exit_code == 0
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    outdir = tmp_path / "lo"
    try:
        subprocess.run(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
             "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(path)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    saved = outdir / path.name
    wb = openpyxl.load_workbook(saved)
    assert "cbpt-sheets" in (wb["Fiche"].oddFooter.left.text or "")
    result = run("brief", saved, "ORG-0003", "--today", DAY, "--write")
    assert result.exit_code == 0, result.output
    assert "ORG-0003" in str(all_cells(saved)["Fiche"][(1, 1)])


@pytest.mark.parametrize("form", ["ods", "xls"])
def test_an_ods_or_xls_saved_under_an_xlsx_name_is_read_as_what_it_is(
    forms: dict[str, Path], tmp_path: Path, form: str
) -> None:
    """Calamine picks its reader by the name's suffix: a .ods renamed .xlsx was called
    « endommagé » (attack review); it is read by its content, like under its own name."""
    renamed = tmp_path / f"{form}-renomme.xlsx"
    shutil.copyfile(forms[form], renamed)
    assert _findings(renamed) == _findings(forms[form])
    refused = run("next", renamed, "--write", "--today", DAY)
    assert refused.exit_code == 3 and "endommagé" not in refused.output
