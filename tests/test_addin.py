"""The built add-in: its parts, relationships, ribbon, VBA callbacks (read back by olevba) and install."""

from __future__ import annotations

import importlib
import inspect
import re
import shutil
import subprocess
import uuid
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from defusedxml import ElementTree

from cbpt_sheets.cli import cli
from cbpt_sheets.errors import MissingDependency
from cbpt_sheets.excel import addin

from .conftest import soffice

with warnings.catch_warnings():  # oletools uses pyparsing names deprecated since 3.3
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
UI = "{" + addin.CUSTOMUI_NS + "}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return addin.build_addin(
        tmp_path_factory.mktemp("addin") / "CBPT.xlam", interpreter=r"C:\Python\python.exe"
    )


def _xml(path: Path, part: str) -> ElementTree.Element:
    with zipfile.ZipFile(path) as z:
        return ElementTree.fromstring(z.read(part))


def _vba(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_package_relationship_points_to_the_2006_ribbon(built: Path) -> None:
    rels = _xml(built, "_rels/.rels")
    ui = [r for r in rels.iter(REL) if r.get("Type") == addin.UI_REL_TYPE]
    assert [r.get("Target") for r in ui] == ["customUI/customUI.xml"]
    assert not [r for r in rels.iter(REL) if r.get("Type") == addin.UI_REL_TYPE_2007]
    assert _xml(built, "customUI/customUI.xml").tag == UI + "customUI"


def test_content_types_are_those_of_a_macro_enabled_addin(built: Path) -> None:
    types = _xml(built, "[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(CT + "Override")}
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(CT + "Default")}
    assert overrides["/xl/workbook.xml"] == addin.ADDIN_CONTENT_TYPE
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    assert defaults["png"] == "image/png" and defaults["xml"] == "application/xml"
    with zipfile.ZipFile(built) as z:
        names = set(z.namelist())
    for part in overrides:
        assert part.lstrip("/") in names, part


def test_every_button_has_its_label_and_icon(built: Path) -> None:
    buttons = addin.ribbon_buttons()
    assert [b.label for b in buttons] == [
        "Vérifier",
        "Prochaines actions",
        "Liste de suivi",
        "Fiche d'appel",
        "Tableau de bord",
    ]
    rels = {r.get("Id"): r for r in _xml(built, addin.CUSTOMUI_RELS_PART).iter(REL)}
    with zipfile.ZipFile(built) as z:
        for button in buttons:
            rel = rels[button.image]
            assert rel.get("Type") == addin.IMAGE_REL_TYPE
            png = z.read("customUI/" + rel.get("Target"))
            assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    ribbon = _xml(built, "customUI/customUI.xml")
    assert [t.get("label") for t in ribbon.iter(UI + "tab")] == ["CBPT"]
    assert all(b.get("screentip") for b in ribbon.iter(UI + "button"))


def test_every_onaction_has_its_sub_in_the_vba_project(built: Path) -> None:
    modules = _vba(built)
    for button in addin.ribbon_buttons():
        module, _, sub = button.on_action.rpartition(".")
        code = modules[f"{module}.bas"]
        assert re.search(rf"^Sub {sub}\(control As IRibbonControl\)", code, re.M), button
    assert "RibbonMyAddin.bas" not in modules  # the template's sample callback is gone


def test_every_runpython_imports_a_function_taking_the_book(built: Path) -> None:
    code = _vba(built)[f"{addin.VBA_MODULE}.bas"]
    commands = re.findall(r'RunPython "([^"]*)"', code)
    assert len(commands) == len(addin.ribbon_buttons())
    for command in commands:
        match = re.fullmatch(r"import ([\w.]+) as (\w+); \2\.(\w+)\(\)", command)
        assert match, command
        module = importlib.import_module(match[1])
        assert module.__name__.startswith("cbpt_sheets.")
        func = getattr(module, match[3])
        param = inspect.signature(func).parameters["book"]
        assert param.default is None


def test_settings_find_the_python_that_built_it_and_ignore_the_workbook(built: Path) -> None:
    with zipfile.ZipFile(built) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        workbook = z.read("xl/workbook.xml").decode()
    assert f'<sheet name="{addin.CONF_SHEET}"' in workbook
    assert r"<t>Interpreter_Win</t></is></c><c r=\"B1\"".replace("\\", "") in sheet
    assert r"C:\Python\python.exe" in sheet
    xlwings_module = _vba(built)["xlwings.bas"]
    assert f'PROJECT_NAME As String = "{addin.PROJECT_NAME}"' in xlwings_module
    get_config = xlwings_module[xlwings_module.index("Function GetConfig(") :]
    get_config = get_config[: get_config.index("End Function")]
    assert "ActiveWorkbook" not in get_config  # an e-mailed workbook cannot pick the interpreter
    assert "BSD 3-clause" in xlwings_module  # licence header kept


def test_default_interpreter_is_the_running_python(tmp_path: Path) -> None:
    import sys

    path = addin.build_addin(tmp_path)
    assert path == tmp_path / addin.ADDIN_NAME
    with zipfile.ZipFile(path) as z:
        assert sys.executable in z.read("xl/worksheets/sheet1.xml").decode()


def test_pyopenvba_reads_back_a_valid_project(built: Path) -> None:
    from pyopenvba import ExcelFile

    with ExcelFile(built) as book:
        assert book.validate() == []
        assert addin.VBA_MODULE in book.module_names()


def test_startup_folders() -> None:
    win = addin.startup_folder("win32", {"APPDATA": r"C:\Users\c\AppData\Roaming"}, Path("/h"))
    assert win is not None and win.parts[-3:] == ("Microsoft", "Excel", "XLSTART")
    mac = addin.startup_folder("darwin", {}, Path("/Users/c"))
    assert mac == Path(
        "/Users/c/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
    )
    assert addin.startup_folder("linux", {}, Path("/h")) is None


def test_install_copies_into_the_startup_folder(tmp_path: Path) -> None:
    target = addin.install_addin(folder=tmp_path / "XLSTART", platform="win32")
    assert target == tmp_path / "XLSTART" / addin.ADDIN_NAME
    assert zipfile.ZipFile(target).testzip() is None


def test_install_on_linux_says_excel_is_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MissingDependency, match="Excel est nécessaire"):
        addin.install_addin(platform="linux")
    result = (
        CliRunner().invoke(cli, ["addin", "install"]) if addin.startup_folder() is None else None
    )
    if result is not None:
        assert result.exit_code == 3
        assert str(tmp_path / addin.ADDIN_NAME) in result.output


def test_cli_build(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["addin", "build", str(tmp_path / "x" / "CBPT.xlam")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x" / "CBPT.xlam").is_file()
    bad = CliRunner().invoke(cli, ["addin", "build", str(tmp_path / "CBPT.xlsx")])
    assert bad.exit_code == 2 and ".xlam" in bad.output


@pytest.mark.libreoffice
def test_libreoffice_opens_the_addin(built: Path, tmp_path: Path) -> None:
    binary = soffice()
    if binary is None:
        pytest.skip("LibreOffice not installed")
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless",
             "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "csv",
             "--outdir", str(tmp_path), str(built)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert "Interpreter_Win" in (tmp_path / "CBPT.csv").read_text(
        encoding="utf-8", errors="replace"
    )
