"""Any cell values written into the template's sheets give findings or a clean exit 3."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cbpt_sheets.cli import cli
from cbpt_sheets.core.schema import DATA_SHEETS, OUTCOME
from cbpt_sheets.errors import UnreadableWorkbook
from cbpt_sheets.ooxml import template
from cbpt_sheets.operations import load_and_check

TODAY = dt.date(2026, 12, 1)
ERRORS = ["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?"]
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40
) | st.sampled_from(
    [*OUTCOME.labels("fr"), "Hôpital Necker", "03/12/2026", "3 déc. 2026", "01 44 49 40 00",
     "+33144494000", "a@b.fr", "75015", "14h30", "Oui", "Réalisé", "Ne pas contacter", ""]
)  # fmt: skip
cell_values = st.one_of(
    st.none(),
    texts,
    st.sampled_from(ERRORS),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.booleans(),
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.times(),
)
writes = st.lists(
    st.tuples(
        st.sampled_from([s.key for s in DATA_SHEETS]),
        st.integers(min_value=1, max_value=6),  # row 1 is the header row: it may be broken too
        st.integers(min_value=1, max_value=30),
        cell_values,
    ),
    max_size=40,
)


@settings(
    max_examples=int(os.environ.get("CBPT_EXAMPLES", "30")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(writes=writes, lang=st.sampled_from(["fr", "en"]))
def test_arbitrary_cells_give_findings_or_exit_3(
    writes: list[tuple[str, int, int, object]], lang: str
) -> None:
    wb = template.build(lang, volunteers=["Claire"], libraries=["Paris 15"])
    names = {s.key: s.name(lang) for s in DATA_SHEETS}
    for sheet_key, row, column, value in writes:
        ws = wb[names[sheet_key]]
        if row == 1 and (not isinstance(value, str) or value in ERRORS):
            continue  # openpyxl warns on non-text Table headers on save
        ws.cell(row=row, column=column, value=value)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hasard.xlsx"
        try:
            wb.save(path)
        except (ValueError, TypeError):
            event("openpyxl refused")
            return  # openpyxl itself refused to write this workbook: nothing to check
        try:
            _raw, report = load_and_check(path, TODAY)
        except UnreadableWorkbook:
            event("unreadable")
            result = CliRunner().invoke(cli, ["check", str(path)])
            assert result.exit_code == 3 and "Traceback" not in result.output
            return
        event("checked")
        assert report.valid == (report.counts["error"] == 0)
        assert len(report.findings) == report.counts["error"] + report.counts["warning"]
        result = CliRunner().invoke(
            cli, ["check", str(path), "--format", "json", "--today", "2026-12-01"]
        )
        assert result.exit_code == (0 if report.valid else 1), result.output
        assert json.loads(result.stdout) == report.model_dump(mode="json")
