"""The benchmark's generator and table code on tiny inputs (no timing), and the reader's fast paths."""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from openpyxl import load_workbook

from cbpt_sheets.core import dataset, values
from cbpt_sheets.core.models import Appointment, Contact, Organisation
from cbpt_sheets.core.schema import APPOINTMENT_STATUS, ORG_TYPE, OUTCOME
from cbpt_sheets.ooxml.reader import read_raw, read_workbook
from cbpt_sheets.operations import check_file

BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import generate  # noqa: E402
import run  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, seconds = generate.ensure("tiny", seed=1, data_dir=tmp_path_factory.mktemp("bench"))
    assert seconds is not None and generate.generation_seconds(path) == pytest.approx(seconds)
    return path


def test_tiny_workbook_has_the_scale_rows(tiny: Path) -> None:
    raw = read_raw(tiny)
    scale = generate.SCALES["tiny"]
    assert raw.lang == "fr"
    assert len(raw.sheets["organisations"].rows) == scale.organisations
    assert len(raw.sheets["calls"].rows) == scale.contacts
    assert len(raw.sheets["appointments"].rows) == scale.appointments
    assert len(raw.volunteers) == scale.volunteers and len(raw.libraries) == scale.libraries


def test_tiny_workbook_is_a_template_workbook(tiny: Path) -> None:
    wb = load_workbook(tiny)
    calls = wb["Appels"]
    scale = generate.SCALES["tiny"]
    assert calls.tables["Appels"].ref == f"A1:P{scale.contacts + 1}"
    assert wb["Organisations"].tables["Organisations"].ref == f"A1:AA{scale.organisations + 1}"
    assert {str(dv.formula1) for dv in calls.data_validations.dataValidation} >= {
        "Liste_Resultat",
        "Liste_Canal",
    }
    assert calls["A2"].number_format == "dd/mm/yyyy" and isinstance(calls["A2"].value, dt.datetime)
    assert wb["Listes"].sheet_state == "hidden"


def test_tiny_workbook_has_the_example_variety(tiny: Path) -> None:
    book = read_workbook(tiny)
    assert {o.type for o in book.organisations} >= {e.code for e in ORG_TYPE.entries}
    assert {c.outcome for c in book.contacts} == {e.code for e in OUTCOME.entries}
    assert {a.status or "proposed" for a in book.appointments} == {
        e.code for e in APPOINTMENT_STATUS.entries
    }
    callbacks = [c for c in book.contacts if c.outcome == "head-absent-callback"]
    coherent = [c for c in callbacks if c.contact and c.callback_date and c.date and c.callback_date >= c.date]  # fmt: skip
    assert len(coherent) >= 0.9 * len(callbacks)  # the others carry a defect (DEFECT_RATE)


def test_generated_defects_are_found_and_rare(tmp_path: Path) -> None:
    rows, volunteers, libraries = generate.generate_rows(generate.Scale(200, 3000, 100, 4, 2), 3)
    path = generate.write_workbook(tmp_path / "defects.xlsx", rows, volunteers, libraries)
    report = check_file(path, generate.TODAY)
    codes = {f.code for f in report.findings}
    assert {"unknown-organisation", "not-in-list", "date-as-text"} <= codes
    assert report.counts.get("error", 0) < 0.03 * 3300


def test_table_ratios_and_targets() -> None:
    floor = run.Result("calamine read (floor)", [1.0, 1.2, 0.9], [100, 100, 100])
    results = [
        floor,
        run.Result("openpyxl read-only", [8.0], [110]),
        run.Result("check --format json", [1.8, 2.2, 1.9], [250, 260, 240]),
        run.Result("next --format json", [3.0], [310]),
        run.Result("next --write", status="n/a", detail="no `next` command yet"),
        run.Result("followup --format json", status="failed", detail="exit 3"),
        run.Result("openpyxl load+save", [20.0], [300]),
    ]
    table = run.format_table(results)
    assert "| check --format json | 1.90 | 1.9 | 250 | 2.5 |" in table
    assert "| next --write (n/a: no `next` command yet) | n/a | n/a | n/a | n/a |" in table
    assert "followup --format json (failed: exit 3)" in table
    assert run.targets(results) == {
        "check <= 2x floor": True,
        "next <= 2x floor": False,
        "next --write <= 3x floor": None,
        "next --write < openpyxl load+save": None,
        "peak memory <= 3x floor": False,
    }
    assert (
        run.targets(results, "volunteer")
        == {
            "every read-only command <= 3x floor": None,  # next --write is not read-only; followup failed
            "peak memory <= 3x floor": False,
        }
    )
    results[5] = run.Result("followup --format json", [2.5], [200])
    assert run.targets(results, "volunteer")["every read-only command <= 3x floor"] is True
    lines = run.format_targets(results, "volunteer")
    assert "- every read-only command <= 3x floor: met (3.0x)" in lines  # the worst: next
    assert "- peak memory <= 3x floor: MISSED (3.1x)" in lines
    assert "- next <= 2x floor: MISSED" in run.format_targets(results)


def test_missing_commands_are_na_and_failures_reported(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    py = sys.executable
    fake = [
        run.Bench("calamine read (floor)", lambda f, d: [py, "-c", run.CALAMINE, str(f)]),
        run.Bench("absent", lambda f, d: [py, "-c", "pass"], cli_command="nope"),
        run.Bench("broken", lambda f, d: [py, "-c", "import sys; sys.exit(3)"]),
        run.Bench("writer", lambda f, d: [py, "-c", "import sys; open(sys.argv[1], 'ab')", str(f)],
                  fresh_copy=True),
    ]  # fmt: skip
    monkeypatch.setattr(run, "benches", lambda: fake)
    before = tiny.read_bytes()
    results = run.run_scale(tiny, 2, progress=lambda s: None)
    by_name = {r.name: r for r in results}
    assert by_name["calamine read (floor)"].status == "ok"
    assert len(by_name["calamine read (floor)"].walls) == 2
    assert by_name["calamine read (floor)"].peak is not None
    assert by_name["absent"].status == "n/a"
    assert by_name["broken"].status == "failed" and "exit 3" in by_name["broken"].detail
    assert by_name["writer"].status == "ok"
    assert tiny.read_bytes() == before  # writers get a copy


@pytest.mark.parametrize("sep", [" ", ".", "-", ""])
def test_phone_fast_path_matches_phonenumbers(sep: str) -> None:
    rng = random.Random(7)
    for _ in range(400):
        nsn = f"{rng.randint(1, 9)}{rng.randint(0, 99_999_999):08d}"
        raw = "0" + nsn[0] + sep + sep.join([nsn[1:3], nsn[3:5], nsn[5:7], nsn[7:9]])
        expected = phonenumbers.parse(raw, "FR")
        if not phonenumbers.is_valid_number(expected):
            assert values.parse_phone(raw) is None
            continue
        assert values.parse_phone(raw) == expected
        assert values.format_phone(expected) == phonenumbers.format_number(
            expected, phonenumbers.PhoneNumberFormat.NATIONAL
        )


def test_fast_construct_equals_model_construct(tiny: Path) -> None:
    book = read_workbook(tiny)
    for objects, model in (
        (book.organisations, Organisation),
        (book.contacts, Contact),
        (book.appointments, Appointment),
    ):
        for obj in objects:
            fields: dict[str, Any] = dict(obj.__dict__)
            reference = model.model_construct(**fields)
            assert obj == reference
            assert obj.__pydantic_fields_set__ == reference.__pydantic_fields_set__
            assert obj.model_dump() == reference.model_dump()


def test_typed_columns_agree_with_typed(tiny: Path) -> None:
    """The per-column converters of dataset give what dataset.typed gives, cell by cell."""
    raw = read_raw(tiny)
    from cbpt_sheets.core.schema import DATA_SHEETS

    for sheet in DATA_SHEETS:
        data = raw.sheets[sheet.key]
        for column in sheet.columns:
            if column.computed or column.key not in data.data:
                continue
            fields = dataset.typed_column(sheet, column.key, data.data[column.key])
            for row, value in zip(data.rows, fields, strict=True):
                expected = dataset.typed(column, row.values.get(column.key))
                assert value == expected, (sheet.key, row.row, column.key)
