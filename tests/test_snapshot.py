"""Behaviour unchanged: the commands print and write what the snapshot holds (tests/snapshots)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.snapshots import make

EXPECTED = json.loads(make.SNAPSHOT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def actual(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return make.snapshot(Path(tmp_path_factory.mktemp("snapshot")))


@pytest.mark.parametrize(
    ("case", "command"),
    [(case, command) for case, commands in EXPECTED.items() for command in commands],
)
def test_output_and_written_parts_unchanged(
    actual: dict[str, dict[str, object]], case: str, command: str
) -> None:
    assert actual[case][command] == EXPECTED[case][command]
