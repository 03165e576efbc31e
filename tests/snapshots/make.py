"""Snapshot of what the commands print and write, kept as a regression fixture.

Run ``python tests/snapshots/make.py`` to rewrite ``snapshot.json`` (only when a change
of output is intended, and say so in the commit). ``tests/test_snapshot.py`` runs the
same commands and compares: the text and JSON outputs, the exit codes, and a SHA-256 of
every zip part of the workbook after each writing command.

Cases: the example workbook in French and in English, and the benchmark's tiny workbook.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SNAPSHOT = HERE / "snapshot.json"
TODAY = dt.date(2026, 12, 1)
DAY = TODAY.isoformat()

# docProps/core.xml carries the creation time of a new workbook: not the tool's output.
VOLATILE_PARTS = {"docProps/core.xml"}

READ_COMMANDS: list[list[str]] = [
    ["check", "{path}", "--today", DAY],
    ["check", "{path}", "--today", DAY, "--format", "json"],
    ["next", "{path}", "--today", DAY],
    ["next", "{path}", "--today", DAY, "--format", "json"],
    ["followup", "{path}", "--today", DAY],
    ["followup", "{path}", "--today", DAY, "--format", "json"],
    ["followup", "{path}", "--today", DAY, "--format", "csv"],
    ["followup", "{path}", "--today", DAY, "--days", "7", "--volunteer", "Claire"],
    ["brief", "{path}", "{org}", "--today", DAY],
]

WRITE_COMMANDS: list[list[str]] = [
    ["next", "{path}", "--today", DAY, "--write"],
    ["followup", "{path}", "--today", DAY, "--write"],
    ["check", "{path}", "--today", DAY, "--fix"],
    ["brief", "{path}", "{org}", "--today", DAY, "--write"],
]


def workbooks(folder: Path) -> dict[str, tuple[Path, str]]:
    """The cases: name -> (workbook path, an organisation to brief)."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import generate
    from cbpt_sheets.ooxml import template

    fr = template.create_workbook(folder / "exemple.xlsx", example=True, today=TODAY)
    en = template.create_workbook(folder / "example.xlsx", lang="en", example=True, today=TODAY)
    rows, volunteers, libraries = generate.generate_rows(generate.SCALES["tiny"], 1, TODAY)
    tiny = generate.write_workbook(folder / "tiny.xlsx", rows, volunteers, libraries)
    return {
        "example-fr": (fr, "ORG-0003"),
        "example-en": (en, "ORG-0003"),
        "tiny": (tiny, "ORG-00002"),
    }


def parts(path: Path) -> dict[str, str]:
    """SHA-256 of each zip part (volatile parts left out)."""
    with zipfile.ZipFile(path) as archive:
        return {
            name: hashlib.sha256(archive.read(name)).hexdigest()
            for name in sorted(archive.namelist())
            if name not in VOLATILE_PARTS
        }


def run(args: list[str]) -> dict[str, Any]:
    """One command through click's runner: its exit code and outputs."""
    from click.testing import CliRunner

    from cbpt_sheets.cli import cli

    # the snapshot's --today is fixed: no "far from the real date" warning in a later year
    runner = CliRunner(env={"CBPT_SHEETS_TODAY_FAR_OK": "1"})
    result = runner.invoke(cli, args, catch_exceptions=False)
    return {"exit": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}


def snapshot(folder: Path) -> dict[str, Any]:
    """Every case's outputs and written parts, with paths replaced by ``{path}``."""
    out: dict[str, Any] = {}
    for name, (path, org) in workbooks(folder).items():
        case: dict[str, Any] = {}
        for command in READ_COMMANDS:
            args = [a.format(path=path, org=org) for a in command]
            case[" ".join(command)] = _scrub(run(args), path)
        for command in WRITE_COMMANDS:
            copy = folder / f"w-{name}{path.suffix}"
            shutil.copyfile(path, copy)
            args = [a.format(path=copy, org=org) for a in command]
            result = _scrub(run(args), copy)
            result["parts"] = parts(copy)
            case[" ".join(command)] = result
            copy.unlink()
            for backup in folder.glob(f"w-{name}*.bak*"):
                backup.unlink()
        out[name] = case
    return out


def _scrub(result: dict[str, Any], path: Path) -> dict[str, Any]:
    for key in ("stdout", "stderr"):
        result[key] = result[key].replace(str(path), "{path}").replace(path.name, "{name}")
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = snapshot(Path(folder))
    SNAPSHOT.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()
