"""A write killed at any moment leaves the old or the new workbook, whole and readable."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from cbpt_sheets.ooxml import template
from cbpt_sheets.ooxml.reader import read_raw
from cbpt_sheets.ooxml.writer import backup_path

KILLS = 25
CHILD = r"""
import sys
from cbpt_sheets.ooxml.writer import write_changes
path, rows = sys.argv[1], int(sys.argv[2])
print("ready", flush=True)
for i in range(10_000):
    label = f"version {i}"
    cells = {f"Y{r}": f"{label} ligne {r}" for r in range(2, rows + 2)}
    cells["A2"] = label
    write_changes(path, cells={"Organisations": cells}, force=True)
"""


@pytest.mark.slow
def test_killed_writes_leave_a_whole_workbook(tmp_path: Path) -> None:
    path = template.create_workbook(tmp_path / "suivi.xlsx", example=True)
    rows = len(read_raw(path).sheets["organisations"].rows)
    original_id = read_raw(path).sheets["organisations"].rows[0].values["id"]
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    kills_mid_write = 0
    for attempt in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(rows)],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None, f"seed {seed}, attempt {attempt}"
        first = read_raw(path).sheets["organisations"].rows[0].values
        value = first["id"]
        assert value == original_id or str(value).startswith("version "), f"seed {seed}"
        if value != original_id:
            # a new version is whole: every row of this version carries the same label
            org = read_raw(path).sheets["organisations"]
            labels = {str(r.values["next_action"]).split(" ligne ")[0] for r in org.rows}
            assert labels == {value}, f"seed {seed}, attempt {attempt}"
        if backup_path(path).exists():
            read_raw(backup_path(path))
        kills_mid_write += any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    # the kills did land inside writes (a temporary file was left at least once)
    assert kills_mid_write > 0, f"seed {seed}"
