"""The ribbon's buttons and their commands set the same cells to the same values.

Each button runs on a real ``xlwings.Book`` built from the workbook's payload (the
remote engine, as in test_excel.py); the cells it sets are replayed from the queued
actions and compared with the cells the command changed in a copy of the file.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets.cli import cli
from cbpt_sheets.errors import CbptError
from cbpt_sheets.excel import ribbon as excel

from .conftest import TODAY
from .test_excel import _remote_engine as _remote_engine  # the fixture, used here too
from .test_excel import actions, book_of, payload, written

DAY = TODAY.isoformat()


def _norm(value: Any) -> Any:
    """A cell value comparable across openpyxl and the remote engine's JSON."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time.min else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith("'"):  # kept as text in Excel
        return value[1:]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _cells(path: Path, sheet: str) -> dict[str, Any]:
    """The non-empty cells of a sheet of a file, A1 -> value."""
    ws = openpyxl.load_workbook(path)[sheet]
    return {
        c.coordinate: _norm(c.value) for row in ws.iter_rows() for c in row if c.value is not None
    }


def _command(path: Path, *args: str) -> Path:
    """A copy of the workbook after the command."""
    copy = path.with_name("command-" + path.name)
    shutil.copyfile(path, copy)
    result = CliRunner().invoke(cli, [args[0], str(copy), *args[1:]], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return copy


def _button_cells(book: Any, sheet: str) -> dict[str, Any]:
    return {cell: _norm(v) for (name, cell), v in written(book).items() if name == sheet}


def _already_written(path: Path) -> Path:
    """The workbook after ``next --write`` a week earlier: only some cells change today."""
    earlier = (TODAY - dt.timedelta(days=7)).isoformat()
    written_before = _command(path, "next", "--today", earlier, "--write")
    return shutil.move(written_before, path.with_name("earlier-" + path.name))


@pytest.mark.parametrize("state", ["fresh", "written a week earlier", "ids missing"])
def test_prochaines_actions_sets_the_cells_next_write_sets(
    example_path: Path, make_workbook: Any, state: str
) -> None:
    if state == "written a week earlier":
        path = _already_written(example_path)
    elif state == "ids missing":
        path = make_workbook(
            organisations=[{"ID": "ORG-0007", "Nom": "A"}, {"Nom": "B"}, {"Nom": "C"}]
        )
    else:
        path = example_path
    before = _cells(path, "Organisations")
    after = _cells(_command(path, "next", "--today", DAY, "--write"), "Organisations")
    by_command = {
        cell: after.get(cell, "")
        for cell in before.keys() | after.keys()
        if before.get(cell, "") != after.get(cell, "")
    }
    assert by_command

    book = book_of(payload(path))
    excel.next_actions(book, today=TODAY)
    set_by_button = _button_cells(book, "Organisations")
    changed = {c: v for c, v in set_by_button.items() if v != before.get(c, "")}
    assert changed == by_command
    # the other cells a bulk write covers get the value they hold
    assert all(before.get(c, "") == v for c, v in set_by_button.items() if c not in changed)


def test_liste_de_suivi_writes_the_suivi_sheet_of_followup_write(example_path: Path) -> None:
    by_command = _cells(_command(example_path, "followup", "--today", DAY, "--write"), "Suivi")
    book = book_of(payload(example_path))
    excel.followup_list(book, today=TODAY)
    by_button = {c: v for c, v in _button_cells(book, "Suivi").items() if v != ""}
    assert by_button == by_command


def test_fiche_d_appel_writes_the_fiche_sheet_of_brief_write(example_path: Path) -> None:
    name = openpyxl.load_workbook(example_path)["Organisations"]["B4"].value
    by_command = _cells(_command(example_path, "brief", name, "--today", DAY, "--write"), "Fiche")
    book = book_of(payload(example_path, selection="B4", active="Organisations"))
    excel.call_brief(book, today=TODAY)
    by_button = {c: v for c, v in _button_cells(book, "Fiche").items() if v != ""}
    assert by_button == by_command


def test_a_refusal_of_the_plan_writes_nothing(
    example_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cbpt_sheets.core import plan

    def refuse(*_args: Any) -> Any:
        raise CbptError("Structure du classeur à corriger d'abord.")

    monkeypatch.setattr(plan, "inputs", refuse)  # under plan() and plan_brief()
    data = example_path.read_bytes()
    for command in (["next", "--write"], ["followup", "--write"], ["brief", "ORG-0003", "--write"]):
        result = CliRunner().invoke(cli, [command[0], str(example_path), *command[1:]])
        assert result.exit_code == 3 and "Structure du classeur" in result.stderr
        assert example_path.read_bytes() == data
    for entry in (excel.next_actions, excel.followup_list, excel.call_brief):
        book = book_of(payload(example_path, selection="B4", active="Organisations"))
        entry(book, today=TODAY)
        assert [a["func"] for a in actions(book)] == ["alert"], entry


def test_tableau_de_bord_writes_the_sheet_and_charts_of_report_write(example_path: Path) -> None:
    by_command = _cells(
        _command(example_path, "report", "--today", DAY, "--write"), "Tableau de bord"
    )
    book = book_of(payload(example_path))
    excel.dashboard(book, today=TODAY)
    by_button = {c: v for c, v in _button_cells(book, "Tableau de bord").items() if v != ""}
    assert by_button == by_command
    # the same four charts, drawn from the same cells, with the same titles
    charts = openpyxl.load_workbook(example_path.with_name("command-" + example_path.name))[
        "Tableau de bord"
    ]._charts
    added = [a for a in actions(book) if a["func"] == "addChart"]
    titles = [a for a in actions(book) if a["func"] == "setChartTitle"]
    assert len(added) == len(charts) == 4
    assert [t["args"][-1] for t in titles] == [
        "Organisations par étape du guide",
        "Contacts par semaine et par bénévole",
        "Résultats des contacts par semaine",
        "Actions en retard par bénévole",
    ]
