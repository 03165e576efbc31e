"""The example network: clean whatever the day, and rich enough to show every situation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cbpt_sheets import read_raw
from cbpt_sheets.core.checks import check_raw
from cbpt_sheets.core.dataset import build
from cbpt_sheets.core.rules import next_actions
from cbpt_sheets.ooxml.template import create_workbook

DAYS = [dt.date(2026, 11, 25) + dt.timedelta(days=k) for k in (0, 2, 3, 4, 5, 29, 33, 160)]


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_example_is_clean_and_covers_the_rules(tmp_path: Path, today: dt.date) -> None:
    path = create_workbook(tmp_path / "exemple.xlsx", example=True, today=today)
    raw = read_raw(path)
    report = check_raw(raw, today)
    assert report.findings == [], [f"{f.code} {f.cell}" for f in report.findings]
    actions = next_actions(build(raw), today)
    assert len(actions) == len(raw.sheets["organisations"].rows)
    rules = {int(a.rule) for a in actions}
    # every rule but 26 (a meeting set with no appointment, which the checks warn about)
    assert set(range(1, 30)) - rules <= {26}, sorted(set(range(1, 30)) - rules)
    due_soon = [a for a in actions if a.due is not None and a.due <= today + dt.timedelta(days=7)]
    assert len(due_soon) >= 10  # the demo always has work due
