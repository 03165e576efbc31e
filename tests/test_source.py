"""Reading in threads (source.py) and the column form of the sheets: same data, no thread left."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cbpt_sheets.core.a1 import column_letter
from cbpt_sheets.core.dataset import build
from cbpt_sheets.core.models import RawWorkbook
from cbpt_sheets.core.values import map_distinct
from cbpt_sheets.errors import UnreadableWorkbook
from cbpt_sheets.ooxml import source
from cbpt_sheets.ooxml.reader import read_raw
from cbpt_sheets.operations import load_and_check
from tests.corpus.build import build_corpus

TODAY = dt.date(2026, 12, 1)


def _snapshot(raw: RawWorkbook) -> dict[str, object]:
    return {
        key: (sheet.columns, sheet.numbers, sheet.data, sheet.cell_errors, sheet.header_row)
        for key, sheet in raw.sheets.items()
    } | {"settings": raw.settings, "volunteers": raw.volunteers, "libraries": raw.libraries}


def test_read_ahead_thread_reads_what_the_plain_reading_reads(
    example_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = threading.active_count()
    monkeypatch.setattr(source, "_READ_AHEAD_MIN_BYTES", 1 << 40)  # no sheet read ahead
    plain = read_raw(example_path)
    monkeypatch.setattr(source, "_READ_AHEAD_MIN_BYTES", 0)  # the largest sheet read ahead
    book = source.open_book(example_path)
    assert len(book._threads) == 2
    ahead = read_raw(book)
    assert _snapshot(ahead) == _snapshot(plain)
    assert threading.active_count() == before


def _threads_end(before: int) -> bool:
    """Whether the reading threads end (they may outlive a refusal by a moment)."""
    deadline = time.monotonic() + 30
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    return threading.active_count() == before


def test_no_thread_is_left_behind_by_a_broken_file(tmp_path: Path) -> None:
    corpus = build_corpus(tmp_path)
    before = threading.active_count()
    for name in ("malformed-sheet-xml", "bomb-sheet", "corrupt-part", "truncated", "zip-bomb"):
        with pytest.raises(UnreadableWorkbook):
            read_raw(corpus[name])
        assert _threads_end(before), name


def test_an_abandoned_book_closes_and_its_threads_end(example_path: Path) -> None:
    before = threading.active_count()
    with source.open_book(example_path) as book:
        assert book.names
    assert book._archive.fp is None  # the zip is closed
    assert _threads_end(before)


def test_the_inspection_speaks_first(tmp_path: Path) -> None:
    """An XML bomb in a sheet is reported as such, whatever calamine made of that sheet."""
    corpus = build_corpus(tmp_path)
    with pytest.raises(UnreadableWorkbook, match="DOCTYPE"):
        read_raw(corpus["bomb-sheet"])


def test_rows_are_the_columns_read_row_by_row(example_path: Path) -> None:
    raw = read_raw(example_path)
    for sheet in raw.sheets.values():
        assert [r.row for r in sheet.rows] == sheet.numbers
        for position, row in enumerate(sheet.rows):
            assert row.values == {k: column[position] for k, column in sheet.data.items()}
            assert row.errors == sheet.cell_errors.get(position, {})


def test_equal_texts_are_one_object_and_blank_text_is_none(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(
        organisations=[{"Nom": "Mairie du 15e", "Bénévole": "Claire Martin"}] * 3
        + [{"Nom": "Mairie du 14e", "Bénévole": "   ", "Ville": "\u00a0"}]
    )
    sheet = read_raw(path).sheets["organisations"]
    volunteers = sheet.data["volunteer"]
    assert volunteers[:3] == ["Claire Martin"] * 3
    assert volunteers[0] is volunteers[1] is volunteers[2]
    assert volunteers[3] is None and sheet.data["city"][3] is None
    assert len(sheet.numbers) == 4


def test_map_distinct_tells_true_from_one() -> None:
    cells = [1, True, None, "1", 0, False, 1.5, "1"]
    assert map_distinct(repr, cells) == [repr(x) for x in cells]
    assert map_distinct(repr, ["a", "b", "a"]) == ["'a'", "'b'", "'a'"]


def test_a_column_holding_true_and_one_is_checked_cell_by_cell(
    make_workbook: Callable[..., Path],
) -> None:
    """TRUE and 1 are one dictionary key in Python: each must still get its own verdict."""
    path = make_workbook(
        organisations=[
            {"Nom": "Mairie du 15e", "Effectifs": 1},
            {"Nom": "Mairie du 14e", "Effectifs": True},
            {"Nom": "Mairie du 13e", "Effectifs": 1},
        ]
    )
    raw, report = load_and_check(path, TODAY)
    letter = column_letter(raw.sheets["organisations"].columns["staff"])
    assert [f.cell for f in report.findings if f.code == "invalid-number"] == [f"{letter}3"]
    assert [o.staff for o in build(raw).organisations] == [1, None, 1]


def test_contacts_named_two_ways_keep_the_workbook_order() -> None:
    from cbpt_sheets.core.models import Contact, Organisation, Workbook
    from cbpt_sheets.core.rules import link

    org = Organisation(row=2, name="Mairie")
    contacts = [
        Contact(row=9, organisation="Mairie"),
        Contact(row=3, organisation="mairie"),
        Contact(row=5, organisation="Mairie"),
    ]
    (history,) = link(Workbook(organisations=[org], contacts=contacts))
    assert [c.row for c in history.contacts] == [9, 3, 5]
