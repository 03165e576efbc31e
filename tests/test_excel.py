"""The ribbon's entry points on real xlwings Books built from payloads (xlwings' remote engine).

The remote engine queues every write as a JSON action (``book.json()``): the tests
replay those actions to check the cells written and count the calls into Excel.
The licence key is set here only; the product uses xlwings' BSD part.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings as xw

from cbpt_sheets.core import rules as steps
from cbpt_sheets.core.followup import followup
from cbpt_sheets.excel import ribbon as excel
from cbpt_sheets.ooxml.reader import read_raw, read_workbook

from .conftest import TODAY


@pytest.fixture(autouse=True)
def _remote_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """xlwings' remote engine, registered for this test only under the noncommercial key."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    if "remote" in xw.engines.engines_by_name:
        return
    from xlwings.pro import _xlremote

    monkeypatch.setattr(xw.engines, "engines", list(xw.engines.engines))
    monkeypatch.setattr(xw.engines, "engines_by_name", dict(xw.engines.engines_by_name))
    xw.engines.add(xw.main.Engine(impl=_xlremote.engine))


def _json_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%dT00:00:00.000Z")
    if isinstance(value, dt.time):
        return f"1899-12-30T{value.strftime('%H:%M:%S')}.000Z"
    return value


def payload(path: Path, selection: str = "A1", active: str | None = None) -> dict[str, Any]:
    """The JSON an Excel client sends for a workbook file (values only, as xlwings' remote engine reads)."""
    wb = openpyxl.load_workbook(path)
    sheets = []
    for ws in wb.worksheets:
        values = [[_json_value(c) for c in row] for row in ws.iter_rows(values_only=True)]
        sheets.append(
            {"name": ws.title, "values": values or [[""]], "pictures": [], "tables": [], "shapes": [],
             "charts": [], "notes": [], "visibility": "Visible", "print_area": None}
        )  # fmt: skip
    names = [s["name"] for s in sheets]
    return {
        "client": "Microsoft Office Scripts",
        "version": xw.__version__,
        "book": {
            "name": path.name,
            "active_sheet_index": names.index(active) if active else 0,
            "selection": selection,
        },
        "names": [],
        "sheets": sheets,
    }


def book_of(data: dict[str, Any]) -> xw.Book:
    return xw.Book(json=copy.deepcopy(data))


def actions(book: xw.Book) -> list[dict[str, Any]]:
    return list(book.json()["actions"])


def written(book: xw.Book) -> dict[tuple[str, str], Any]:
    """(sheet name, A1 cell) -> value, replaying the setValues actions in order.

    As Excel does on entry, a leading apostrophe marks a text and is not part of the value.
    """
    names = [s.name for s in book.sheets]
    cells: dict[tuple[str, str], Any] = {}
    for action in actions(book):
        if action["func"] in ("sheetClearContents", "sheetClear"):
            name = names[action["sheet_position"]]
            for key in [k for k in cells if k[0] == name]:
                del cells[key]
        if action["func"] != "setValues":
            continue
        name = names[action["sheet_position"]]
        for i, row in enumerate(action["values"]):
            for j, value in enumerate(row):
                cells[
                    (
                        name,
                        f"{excel.column_letter(action['start_column'] + j)}{action['start_row'] + i + 1}",
                    )
                ] = value[1:] if isinstance(value, str) and value.startswith("'") else value
    return cells


def colours(book: xw.Book) -> dict[tuple[str, str], str | None]:
    """(sheet name, A1 cell) -> fill set by setRangeColors ('keep' cells left out)."""
    names = [s.name for s in book.sheets]
    out: dict[tuple[str, str], str | None] = {}
    for action in actions(book):
        if action["func"] != "setRangeColors":
            continue
        name = names[action["sheet_position"]]
        for i, row in enumerate(action["args"][0]):
            for j, colour in enumerate(row):
                if colour != "keep":
                    out[
                        (
                            name,
                            f"{excel.column_letter(action['start_column'] + j)}{action['start_row'] + i + 1}",
                        )
                    ] = colour
    return out


def alerts(book: xw.Book) -> list[str]:
    return [a["args"][0] for a in actions(book) if a["func"] == "alert"]


# ---------------------------------------------------------------- reading


def test_raw_from_book_matches_the_file_reader(example_path: Path) -> None:
    from_book = excel.read_book(book_of(payload(example_path)))
    from_file = read_raw(example_path)
    for key, sheet in from_file.sheets.items():
        assert [r.values for r in from_book.sheets[key].rows] == [r.values for r in sheet.rows], key
        assert [r.row for r in from_book.sheets[key].rows] == [r.row for r in sheet.rows]
    assert from_book.settings == from_file.settings
    assert from_book.volunteers == from_file.volunteers


# ---------------------------------------------------------------- Vérifier


def _bad_workbook(make_workbook: Any) -> Path:
    return make_workbook(
        organisations=[
            {"Nom": "Mairie du 15e", "Standard": "01 55 76 75 15"},
            {"Nom": "EHPAD Les Lilas"},
        ],
        calls=[
            {"Date": "pas une date", "Organisation": "Mairie du 15e", "Résultat": "Pas de réponse"}
        ],
    )


def test_verify_lists_findings_with_links_and_marks_cells(make_workbook: Any) -> None:
    book = book_of(payload(_bad_workbook(make_workbook)))
    report = excel.verify(book, today=TODAY)
    bad = next(f for f in report.findings if f.code == "invalid-date")
    cells = written(book)
    rows = {k[1]: v for k, v in cells.items() if k[0] == "Contrôles"}
    link_cells = [c for c, v in rows.items() if isinstance(v, str) and f"#'Appels'!{bad.cell}" in v]
    assert link_cells, rows
    row = re.sub(r"[A-Z]+", "", link_cells[0])
    assert (
        rows[f"A{row}"] == "Erreur"
        and rows[f"B{row}"] == "Appels"
        and rows[f"F{row}"] == "invalid-date"
    )
    assert colours(book)[("Appels", bad.cell)] == excel.MARK_ERROR
    assert "1 erreur" in alerts(book)[0]


def test_verify_clears_the_marks_of_the_previous_run(make_workbook: Any) -> None:
    first = book_of(payload(_bad_workbook(make_workbook)))
    excel.verify(first, today=TODAY)
    marked = {k for k, v in colours(first).items() if v}
    # the workbook after the first run, with the date fixed: the old marks must go
    data = payload(_bad_workbook(make_workbook))
    calls = next(s for s in data["sheets"] if s["name"] == "Appels")
    calls["values"][1][0] = "2026-11-30T00:00:00.000Z"
    controls = {k[1]: v for k, v in written(first).items() if k[0] == "Contrôles"}
    height = max(int(re.sub(r"[A-Z]+", "", c)) for c in controls)
    grid = [
        [controls.get((f"{excel.column_letter(j)}{i}"), "") for j in range(8)]
        for i in range(1, height + 1)
    ]
    grid = [
        [re.sub(r'^=HYPERLINK\(".*","(.*)"\)$', r"\1", v) if isinstance(v, str) else v for v in r]
        for r in grid
    ]
    data["sheets"].append({"name": "Contrôles", "values": grid, "pictures": [], "tables": []})
    second = book_of(data)
    excel.verify(second, today=TODAY)
    after = colours(second)
    assert marked
    for key in marked:
        if key[0] == "Appels" and key[1].startswith("A"):
            assert after[key] is None


# ---------------------------------------------------------------- Prochaines actions


def test_next_actions_fill_the_computed_columns(example_path: Path) -> None:
    book = book_of(payload(example_path))
    excel.next_actions(book, today=TODAY)
    cells = written(book)
    expected = steps.next_actions(read_workbook(example_path), TODAY)
    raw = read_raw(example_path).sheets["organisations"]
    stage_col = excel.column_letter(raw.columns["stage"])
    due_col = excel.column_letter(raw.columns["due"])
    label_col = excel.column_letter(raw.columns["next_action"])
    for action in expected:
        assert cells[("Organisations", f"{stage_col}{action.row}")] == steps.STAGES[action.stage]
        assert cells[("Organisations", f"{label_col}{action.row}")] == action.label
        assert cells[("Organisations", f"{due_col}{action.row}")] == (
            action.due.isoformat() if action.due else ""
        )


def test_next_actions_give_ids_to_organisations_without_one(make_workbook: Any) -> None:
    path = make_workbook(organisations=[{"ID": "ORG-0007", "Nom": "A"}, {"Nom": "B"}, {"Nom": "C"}])
    book = book_of(payload(path))
    excel.next_actions(book, today=TODAY)
    cells = written(book)
    assert ("Organisations", "A2") not in cells  # an ID in place is left alone
    assert [cells[("Organisations", f"A{r}")] for r in (3, 4)] == ["ORG-0008", "ORG-0009"]


# ---------------------------------------------------------------- Liste de suivi, Fiche d'appel


def test_followup_list_rewrites_suivi(example_path: Path) -> None:
    book = book_of(payload(example_path))
    excel.followup_list(book, today=TODAY)
    cells = written(book)
    items = followup(steps.next_actions(read_workbook(example_path), TODAY), TODAY)
    assert items
    suivi = [v for (s, c), v in cells.items() if s == "Suivi" and c.startswith("C")]
    assert [i.organisation for i in items] == [
        v for v in suivi if v not in ("", None, "Organisation")
    ]
    assert any(a["func"] == "sheetClear" for a in actions(book))  # values and old formats


def test_call_brief_of_the_selected_row(example_path: Path) -> None:
    book = book_of(payload(example_path, selection="B4", active="Organisations"))
    excel.call_brief(book, today=TODAY)
    name = openpyxl.load_workbook(example_path)["Organisations"]["B4"].value
    assert written(book)[("Fiche", "A1")].startswith(f"Fiche d'appel\u00a0: {name}")


def test_call_brief_without_a_selected_organisation_says_so(example_path: Path) -> None:
    book = book_of(payload(example_path, selection="B1", active="Organisations"))
    assert excel.call_brief(book, today=TODAY) is None
    assert "Cliquez d'abord sur une ligne" in alerts(book)[0]
    assert not [a for a in actions(book) if a["func"] == "setValues"]


def test_a_workbook_that_is_not_cbpt_gets_a_french_message(tmp_path: Path) -> None:
    path = tmp_path / "autre.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Budget"  # type: ignore[index]
    wb.save(path)
    for entry in (
        excel.verify,
        excel.next_actions,
        excel.followup_list,
        excel.call_brief,
        excel.dashboard,
    ):
        book = book_of(payload(path))
        entry(book, today=TODAY)
        assert any(
            "la feuille «\u00a0Organisations\u00a0»" in m or "Cliquez" in m for m in alerts(book)
        ), entry


# ---------------------------------------------------------------- calls do not grow with rows


def _grown(data: dict[str, Any], organisations: int) -> dict[str, Any]:
    """The payload with generated organisations appended up to the given count."""
    data = copy.deepcopy(data)
    sheet = next(s for s in data["sheets"] if s["name"] == "Organisations")
    header = sheet["values"][0]
    rows = [r for r in sheet["values"][1:] if any(v not in ("", None) for v in r)]
    name_col = header.index("Nom")
    phone_col = header.index("Standard")
    while len(rows) < organisations:
        new = [""] * len(header)
        new[name_col] = f"Organisation générée {len(rows)}"
        new[phone_col] = (
            f"01 45 {len(rows) // 10000 % 100:02d} {len(rows) // 100 % 100:02d} {len(rows) % 100:02d}"
        )
        rows.append(new)
    sheet["values"] = [header, *rows]
    return data


@pytest.mark.parametrize(
    "entry", ["verify", "next_actions", "followup_list", "call_brief", "dashboard"]
)
def test_write_calls_do_not_grow_with_rows(make_workbook: Any, entry: str) -> None:
    path = make_workbook(
        organisations=[{"Nom": "Mairie du 15e", "Standard": "01 55 76 75 15"}],
        calls=[
            {"Date": "pas une date", "Organisation": "Mairie du 15e", "Résultat": "Pas de réponse"}
        ],
    )
    base = payload(path, selection="B2", active="Organisations")
    counts = []
    for size in (10, 5000):
        book = book_of(_grown(base, size))
        getattr(excel, entry)(book, today=TODAY)
        counts.append(len(actions(book)))
        assert written(book), entry  # it did write
    # a few calls per title row and column of a generated sheet, none per data row
    assert counts[0] == counts[1] <= 40, counts


def test_every_ribbon_message_has_french_typography(example_path: Path) -> None:
    """Issue 15: the message boxes too (no-break spaces before : ; ? ! and inside « »)."""
    from cbpt_sheets.core.french import has_loose_space

    messages: list[str] = []
    for entry, selection in (
        (excel.verify, "A1"),
        (excel.next_actions, "A1"),
        (excel.followup_list, "A1"),
        (excel.call_brief, "B1"),
        (excel.call_brief, "B4"),
    ):
        book = book_of(payload(example_path, selection=selection, active="Organisations"))
        entry(book, today=TODAY)
        messages += alerts(book)
    assert len(messages) >= 4
    assert not [m for m in messages if has_loose_space(m)]


def test_followup_list_never_overwrites_a_volunteers_own_suivi(example_path: Path) -> None:
    """A sheet named Suivi that cbpt-sheets did not write is refused, nothing written (issue 13)."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Suivi"]
    ws["A1"], ws["A2"], ws["B3"] = "Mes appels à passer", None, "à garder"
    wb.save(example_path)
    book = book_of(payload(example_path))
    assert excel.followup_list(book, today=TODAY) is None
    assert "n'a pas été créée par cbpt-sheets" in alerts(book)[0]
    assert not [a for a in actions(book) if a["func"] in ("setValues", "sheetClear")]


def test_the_buttons_say_when_the_suivi_column_is_missing(
    example_path: Path, tmp_path: Path
) -> None:
    """Without Suivi, a « Ne pas contacter » cannot be read: both buttons say so."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Organisations"]
    ws.delete_cols([c.value for c in ws[1]].index("Suivi") + 1)
    path = tmp_path / "sans-suivi.xlsx"
    wb.save(path)
    for button in (excel.next_actions, excel.followup_list):
        book = book_of(payload(path))
        button(book, today=TODAY)
        (message,) = alerts(book)
        assert "données incomplètes" in message and "Suivi" in message, message
