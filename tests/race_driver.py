"""Race driver for tests/test_safe_writing.py: writing commands started together on one workbook.

Run as ``python tests/race_driver.py FOLDER ROUNDS``. Every round the workbook is reset
to the example, then ``next --write``, ``followup --write`` and ``brief ORG --write``
(each with the round's own ``--today``) are started at the same moment as separate
processes (forked from this one, which never reads a workbook itself: no thread is
running when it forks). Once they are done, a fresh process checks the file: it opens,
and every change a command reported as written is in it. One JSON line per round on
stdout: ``{"round", "codes": [..], "written": [..], "problems": [..]}``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

# imported once here (importing starts no thread): the forked commands start at once
import openpyxl  # noqa: F401

import cbpt_sheets.core.brief
import cbpt_sheets.core.checks
import cbpt_sheets.core.plan
import cbpt_sheets.ooxml.reader
import cbpt_sheets.ooxml.writer
import cbpt_sheets.operations
import cbpt_sheets.render  # noqa: F401
from cbpt_sheets.cli import cli

TODAY = dt.date(2026, 12, 1)
ORG = "ORG-0003"


def _fork(argv: list[str], out: Path) -> int:
    assert threading.active_count() == 1, "no thread may run when forking"
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        try:
            cli.main(argv, prog_name="cbpt-sheets", standalone_mode=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _check(path: Path, day: dt.date, written: list[str], out: Path) -> list[str]:
    """In a child process: the problems of the file after a round (empty when all is well)."""
    pid = os.fork()
    if pid == 0:
        problems: list[str] = []
        try:
            import openpyxl

            book = openpyxl.load_workbook(path)
            shown = day.strftime("%d/%m/%Y")
            if "next" in written:
                orgs = book["Organisations"]
                headers = [c.value for c in orgs[1]]
                col = headers.index("Prochaine action") + 1
                if not orgs.cell(row=2, column=col).value:
                    problems.append("next: computed cells missing")
            if "followup" in written:
                title = str(book["Suivi"]["A1"].value or "")
                if shown not in title:
                    problems.append(f"followup: Suivi title is {title!r}")
            if "brief" in written:
                if "Fiche" not in book.sheetnames:
                    problems.append("brief: no Fiche sheet")
                elif shown not in str(book["Fiche"]["A2"].value or ""):
                    problems.append(f"brief: Fiche says {book['Fiche']['A2'].value!r}")
            from cbpt_sheets.ooxml.reader import read_raw

            read_raw(path)
        except Exception as exc:  # the file does not open: that is the finding
            problems.append(f"unreadable: {type(exc).__name__}: {exc}")
        out.write_text(json.dumps(problems), encoding="utf-8")
        os._exit(0)
    os.waitpid(pid, 0)
    return list(json.loads(out.read_text(encoding="utf-8")))


def main() -> None:
    folder = Path(sys.argv[1])
    rounds = int(sys.argv[2])
    base = folder / "base.xlsx"
    path = folder / "w.xlsx"
    warm = folder / "warm.xlsx"  # every lazy import done once, here, before forking
    shutil.copyfile(base, warm)
    for argv in (["next", str(warm), "--write"], ["followup", str(warm), "--write"],
                 ["brief", str(warm), ORG, "--write"]):  # fmt: skip
        devnull = os.open(os.devnull, os.O_WRONLY)
        saved = os.dup(1), os.dup(2)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            cli.main(argv, prog_name="cbpt-sheets", standalone_mode=True)
        except SystemExit:
            pass
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(devnull)
    for r in range(rounds):
        shutil.copyfile(base, path)
        day = TODAY + dt.timedelta(days=r % 300)
        iso = day.isoformat()
        commands = {
            "next": ["next", str(path), "--write", "--today", iso],
            "followup": ["followup", str(path), "--write", "--today", iso],
            "brief": ["brief", str(path), ORG, "--write", "--today", iso],
        }
        outs = {name: folder / f"{name}.out" for name in commands}
        started = time.monotonic()
        pids = {name: _fork(argv, outs[name]) for name, argv in commands.items()}
        codes: dict[str, int] = {}
        for name, pid in pids.items():
            _, status = os.waitpid(pid, 0)
            codes[name] = os.waitstatus_to_exitcode(status)
        written = []
        for name, out in outs.items():
            text = out.read_text(encoding="utf-8", errors="replace")
            said = (
                "mise à jour" in text
                or "mises à jour" in text
                or "Suivi réécrite" in text
                or "Fiche écrite" in text
            )
            if codes[name] == 0 and said:
                written.append(name)
        ran = time.monotonic() - started
        problems = _check(path, day, written, folder / "check.json")
        for name, code in codes.items():
            if code not in (0, 1, 3):
                problems.append(f"{name}: exit {code}: {outs[name].read_text()[-300:]}")
        line = {
            "round": r,
            "codes": codes,
            "written": written,
            "problems": problems,
            "seconds": round(ran, 2),
            "check_seconds": round(time.monotonic() - started - ran, 2),
        }
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
