"""`cbpt-sheets check`: text and JSON outputs, exit codes, and --fix on a real file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner

from cbpt_sheets import check
from cbpt_sheets.cli import cli
from tests.test_checks import CALL, ORG, call, cell, org

TODAY = "2026-12-01"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["check", *args])


def test_json_equals_the_library_report(make_workbook: Callable[..., Path], today: dt.date) -> None:
    path = make_workbook(
        organisations=[org(Standard="01.44.49.40.00")],
        calls=[call(Résultat="Pas de reponce"), call(Date="03/11/2026")],
    )
    result = run(str(path), "--format", "json", "--today", TODAY)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data == check(path, today).model_dump(mode="json")
    assert set(data) == {"file", "valid", "counts", "findings"}
    assert data["valid"] is False
    assert data["counts"] == {"error": 1, "warning": 2}
    finding = next(f for f in data["findings"] if f["code"] == "not-in-list")
    assert finding == {
        "code": "not-in-list",
        "severity": "error",
        "sheet": "Appels",
        "cell": cell("calls", "Résultat", 2),
        "row": 2,
        "column": "Résultat",
        "value": "Pas de reponce",
        "message": finding["message"],
        "suggestion": "Pas de réponse",
    }


def test_text_output_and_exit_codes(make_workbook: Callable[..., Path]) -> None:
    clean = make_workbook("propre.xlsx", organisations=[ORG], calls=[CALL])
    result = run(str(clean), "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "0 erreur, 0 avertissement (3 feuilles, 2 lignes)"

    warned = make_workbook("avert.xlsx", organisations=[org(Standard="0144494000")])
    result = run(str(warned), "--today", TODAY)
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(
        f"Organisations!{cell('organisations', 'Standard', 2)}  avertissement  phone-format  Standard «\u00a00144494000\u00a0»"
    )
    assert lines[-1] == "0 erreur, 1 avertissement (3 feuilles, 1 ligne)"
    assert run(str(warned), "--today", TODAY, "--strict").exit_code == 1

    wrong = make_workbook(
        "faux.xlsx", organisations=[ORG], calls=[call(Date="hier"), call(Heure="midi")]
    )
    result = run(str(wrong), "--today", TODAY)
    assert result.exit_code == 1
    assert (
        result.stdout.strip().splitlines()[-1]
        == "2 erreurs, 0 avertissement (3 feuilles, 3 lignes)"
    )


def test_usage_errors_exit_2(make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(organisations=[ORG])
    assert run(str(path), "--today", "demain").exit_code == 2
    assert run(str(path), "--format", "xml").exit_code == 2
    assert run().exit_code == 2


def test_fix_rewrites_safely_and_rechecks(
    make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    path = make_workbook(
        organisations=[
            org(Standard=144494000, **{"Code postal": 1000, "Bénévole": "claire martin"})
        ],
        calls=[call(Date="3 nov. 2026", Résultat="pas de reponse", Notes="garder")],
    )
    before = openpyxl.load_workbook(path)
    result = run(str(path), "--fix", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "5 corrections appliquées" in result.stdout
    date_cell = cell("calls", "Date", 2)
    assert (
        f"Appels!{date_cell}\u00a0: «\u00a03 nov. 2026\u00a0» (texte) → 03/11/2026 (date)"
        in result.stdout
    )
    assert (
        result.stdout.strip().splitlines()[-1] == "0 erreur, 0 avertissement (3 feuilles, 2 lignes)"
    )
    assert (tmp_path / "classeur.bak.xlsx").exists()
    after = openpyxl.load_workbook(path)
    calls = after["Appels"]
    assert calls[date_cell].value == dt.datetime(2026, 11, 3)
    assert calls[date_cell].number_format.upper() == "DD/MM/YYYY"
    assert calls[cell("calls", "Résultat", 2)].value == "Pas de réponse"
    orgs = after["Organisations"]
    assert orgs[cell("organisations", "Standard", 2)].value == "01 44 49 40 00"
    assert orgs[cell("organisations", "Code postal", 2)].value == "01000"
    assert orgs[cell("organisations", "Bénévole", 2)].value == "Claire Martin"
    changed = {
        ("Appels", date_cell),
        ("Appels", cell("calls", "Résultat", 2)),
        ("Organisations", cell("organisations", "Standard", 2)),
        ("Organisations", cell("organisations", "Code postal", 2)),
        ("Organisations", cell("organisations", "Bénévole", 2)),
    }
    for ws in before.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if (ws.title, c.coordinate) not in changed:
                    assert after[ws.title][c.coordinate].value == c.value, (ws.title, c.coordinate)
    assert run(str(path), "--fix", "--today", TODAY).stdout.startswith("Aucune correction")


def test_fix_refuses_an_open_workbook(make_workbook: Callable[..., Path], tmp_path: Path) -> None:
    path = make_workbook(organisations=[org(Standard="0144494000")])
    (tmp_path / f".~lock.{path.name}#").write_text("x")
    data = path.read_bytes()
    result = run(str(path), "--fix", "--today", TODAY)
    assert result.exit_code == 3
    assert "ouvert" in result.stderr and "Traceback" not in result.output
    assert path.read_bytes() == data


def test_fix_with_json_keeps_stdout_json(make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(organisations=[org(Standard="0144494000")])
    result = run(str(path), "--fix", "--format", "json", "--today", TODAY)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["counts"] == {"error": 0, "warning": 0}
    assert "1 correction appliquée" in result.stderr
