"""Benchmark the commands against the bare reading of the same file: wall time and peak memory.

Each measured command runs in its own fresh process (whole-process cost: interpreter
start, imports, reading, computing, writing); wall time by the clock, peak memory by
the ru_maxrss that ``os.wait4`` returns for that one child. Several runs, medians,
ratios to the floor (python-calamine reading every value of every sheet).

Each scale's table also gives the start-up (``cbpt-sheets --version``, a bare ``python
-c pass``) and the import time of ``next`` on that file (``python -X importtime``, the
top-level imports summed), then the targets of issue 22 that apply at that scale.

Usage:
  python benchmarks/run.py --quick            # the volunteer scale, under a minute
  python benchmarks/run.py                    # volunteer, small, large and findings, 3 runs each
  python benchmarks/run.py --scales large --runs 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TODAY = generate.TODAY.isoformat()

CALAMINE = """
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
n = 0
for name in book.sheet_names:
    for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
        for value in row:
            if value != "":
                n += 1
print(n)
"""
OPENPYXL_READ = """
import sys
from openpyxl import load_workbook
book = load_workbook(sys.argv[1], read_only=True, data_only=True)
n = 0
for ws in book.worksheets:
    for row in ws.iter_rows(values_only=True):
        for value in row:
            if value is not None:
                n += 1
book.close()
print(n)
"""
OPENPYXL_SAVE = """
import sys
from openpyxl import load_workbook
book = load_workbook(sys.argv[1])
book.save(sys.argv[2])
"""


def cli_prefix() -> list[str]:
    """How to start ``cbpt-sheets`` without a shell shim (pyenv shims add their own start-up)."""
    script = Path(sys.executable).parent / "cbpt-sheets"
    if script.exists():
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from cbpt_sheets.cli import main; sys.exit(main())"]


@dataclass(frozen=True)
class Bench:
    """One measured command: its argv given the workbook and a scratch folder."""

    name: str
    argv: Callable[[Path, Path], list[str]]
    ok_codes: tuple[int, ...] = (0,)
    fresh_copy: bool = False  # the command writes the file: give each run its own copy
    cli_command: str | None = None  # the cbpt-sheets command it needs, n/a when absent


def benches() -> list[Bench]:
    """The commands of the issue, the floor first."""
    py, cli = sys.executable, cli_prefix()
    return [
        Bench("calamine read (floor)", lambda f, d: [py, "-c", CALAMINE, str(f)]),
        Bench("openpyxl read-only", lambda f, d: [py, "-c", OPENPYXL_READ, str(f)]),
        Bench("check --format json", lambda f, d: [*cli, "check", str(f), "--today", TODAY, "--format", "json"],
              (0, 1), cli_command="check"),
        Bench("next --format json", lambda f, d: [*cli, "next", str(f), "--today", TODAY, "--format", "json"],
              cli_command="next"),
        Bench("next --write", lambda f, d: [*cli, "next", str(f), "--today", TODAY, "--write"],
              fresh_copy=True, cli_command="next"),
        Bench("followup --format json", lambda f, d: [*cli, "followup", str(f), "--today", TODAY, "--format", "json"],
              cli_command="followup"),
        Bench("openpyxl load+save", lambda f, d: [py, "-c", OPENPYXL_SAVE, str(f), str(d / "saved.xlsx")]),
        Bench("python start-up (-c pass)", lambda f, d: [py, "-c", "pass"]),
        Bench("cbpt-sheets --version", lambda f, d: [*cli, "--version"]),
    ]  # fmt: skip


@dataclass
class Result:
    """The measures of one command at one scale; ``status`` is ok, n/a or failed."""

    name: str
    walls: list[float] = field(default_factory=list)
    peaks_mb: list[float] = field(default_factory=list)
    status: str = "ok"
    detail: str = ""

    @property
    def wall(self) -> float | None:
        return statistics.median(self.walls) if self.walls and self.status == "ok" else None

    @property
    def peak(self) -> float | None:
        return statistics.median(self.peaks_mb) if self.peaks_mb and self.status == "ok" else None


GNU_TIME = "/usr/bin/time"
# The children run as an installed copy does: with the bytecode pip writes at install.
# Without it (PYTHONDONTWRITEBYTECODE, set on the project's machine) every command
# compiled the whole package again: about 0.13 s at the volunteer scale (issue 22).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_package() -> None:
    """Write the bytecode of cbpt_sheets (``python -m compileall``), as ``pip install`` does."""
    import cbpt_sheets

    folder = Path(cbpt_sheets.__file__).resolve().parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)], env=CHILD_ENV, check=False)  # fmt: skip


def measure(argv: Sequence[str], cwd: Path) -> tuple[float, float, int, str]:
    """Wall seconds, peak resident MB, exit code and stderr tail of one fresh process.

    The peak comes from GNU time when installed: Linux carries a parent's peak RSS
    over fork and exec into the child's ru_maxrss, so the measuring process must be
    small (this one imports openpyxl). Without it, os.wait4's ru_maxrss is an upper bound.
    """
    use_time = os.access(GNU_TIME, os.X_OK)
    with (
        tempfile.TemporaryDirectory() as tmp,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        peak_file = Path(tmp) / "peak"
        full = [GNU_TIME, "-f", "%M", "-o", str(peak_file), *argv] if use_time else list(argv)
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=err, cwd=cwd, env=CHILD_ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped by wait4: tell Popen
        err.seek(0)
        tail = err.read().decode("utf-8", "replace")[-400:]
        peak_kib = float(usage.ru_maxrss)  # KiB on Linux
        if use_time:
            text = peak_file.read_text().strip().splitlines()
            peak_kib = float(text[-1]) if text and text[-1].isdigit() else peak_kib
    return wall, peak_kib / 1024, code, tail


def available_commands(names: Sequence[str] = ("check", "next", "followup")) -> set[str]:
    """The cbpt-sheets commands that exist right now (others are reported n/a): ``CMD --help`` exits 0."""
    found: set[str] = set()
    for name in names:
        probe = subprocess.run([*cli_prefix(), name, "--help"], capture_output=True, check=False, env=CHILD_ENV)  # fmt: skip
        if probe.returncode == 0:
            found.add(name)
    return found


def run_scale(path: Path, runs: int, progress: Callable[[str], None] = print) -> list[Result]:
    """Measure every bench ``runs`` times on one workbook, runs interleaved across benches."""
    commands = available_commands()
    items = benches()
    results = [Result(b.name) for b in items]
    for bench, result in zip(items, results, strict=True):
        if bench.cli_command is not None and bench.cli_command not in commands:
            result.status, result.detail = "n/a", f"no `{bench.cli_command}` command yet"
    with tempfile.TemporaryDirectory(prefix="cbpt-bench-") as tmp:
        scratch = Path(tmp)
        measure([sys.executable, "-c", CALAMINE, str(path)], scratch)  # warm the file cache
        for run in range(runs):
            for bench, result in zip(items, results, strict=True):
                if result.status != "ok":
                    continue
                target = path
                if bench.fresh_copy:
                    target = scratch / f"copy-{run}.xlsx"
                    shutil.copyfile(path, target)
                wall, peak, code, tail = measure(bench.argv(target, scratch), scratch)
                if code not in bench.ok_codes:
                    result.status = "failed"
                    result.detail = (
                        f"exit {code}: {tail.strip().splitlines()[-1] if tail.strip() else ''}"
                    )
                    continue
                result.walls.append(wall)
                result.peaks_mb.append(peak)
                progress(f"  run {run + 1}/{runs}  {bench.name:<24} {wall:7.2f} s {peak:7.0f} MB")
    return results


CALAMINE_MANY = """
import sys
from python_calamine import CalamineWorkbook
n = 0
for path in sys.argv[1:]:
    book = CalamineWorkbook.from_path(path)
    for name in book.sheet_names:
        for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
            for value in row:
                if value != "":
                    n += 1
print(n)
"""
NETWORK_FILES = 20
NETWORK_LIMIT = 4.0  # "within a few times the bare reading of the files" (issue 21)


def run_network(runs: int, seed: int, progress: Callable[[str], None] = print) -> list[Result]:
    """``network`` over 20 library workbooks (10 000 organisations in all) against reading them."""
    paths = [generate.ensure("library", seed + i)[0] for i in range(NETWORK_FILES)]
    files = [str(p) for p in paths]
    py, cli = sys.executable, cli_prefix()
    items = [
        ("calamine read (floor)", [py, "-c", CALAMINE_MANY, *files]),
        ("network --format json", [*cli, "network", *files, "--today", TODAY, "--format", "json"]),
        ("network --output", [*cli, "network", *files, "--today", TODAY, "--output", "net.xlsx"]),
    ]
    results = [Result(name) for name, _ in items]
    with tempfile.TemporaryDirectory(prefix="cbpt-bench-") as tmp:
        scratch = Path(tmp)
        measure(items[0][1], scratch)  # warm the file cache
        for run in range(runs):
            for (name, argv), result in zip(items, results, strict=True):
                if result.status != "ok":
                    continue
                (scratch / "net.xlsx").unlink(missing_ok=True)
                wall, peak, code, tail = measure(argv, scratch)
                if code != 0:
                    result.status, result.detail = "failed", f"exit {code}: {tail.strip()[-200:]}"
                    continue
                result.walls.append(wall)
                result.peaks_mb.append(peak)
                progress(f"  run {run + 1}/{runs}  {name:<40} {wall:7.2f} s {peak:7.0f} MB")
    return results


def network_targets(results: list[Result]) -> str:
    """The network target: ``network --format json`` within NETWORK_LIMIT times the floor."""
    floor, net = results[0].wall, results[1].wall
    if floor is None or net is None:
        return f"- network <= {NETWORK_LIMIT:g}x floor: n/a"
    met = "met" if net <= NETWORK_LIMIT * floor else "MISSED"
    return f"- network <= {NETWORK_LIMIT:g}x floor: {met} ({net / floor:.1f}x)"


def _by_name(results: list[Result]) -> dict[str, Result]:
    return {r.name: r for r in results}


READ_ONLY = ("check --format json", "next --format json", "followup --format json")
VOLUNTEER_SCALES = ("volunteer", "library")  # 500 organisations: "every read-only command <= 3x"


def targets(results: list[Result], scale: str = "large") -> dict[str, bool | None]:
    """The targets that apply at ``scale``: True met, False missed, None when a measure is missing.

    Issues 7 and 22: at 500 organisations every read-only command within 3 times the
    floor; at 100k contacts (``large``, and ``findings``, the many-findings file)
    ``check`` and ``next`` within 2 times, ``next --write`` within 3 times and faster
    than an openpyxl load and save; peak memory within 3 times the floor's everywhere.
    """
    r = _by_name(results)
    floor, saver = r["calamine read (floor)"], r["openpyxl load+save"]

    def ratio_ok(name: str, limit: float) -> bool | None:
        wall = r[name].wall if name in r else None
        return None if wall is None or floor.wall is None else wall <= limit * floor.wall

    write = r["next --write"].wall if "next --write" in r else None
    peaks = [x.peak for x in results if x.name.split()[0] in ("check", "next", "followup")]
    known = [p for p in peaks if p is not None]
    peak_ok = None if not known or floor.peak is None else max(known) <= 3 * floor.peak
    if scale in VOLUNTEER_SCALES:
        oks = [ratio_ok(name, 3) for name in READ_ONLY]
        every = None if None in oks else all(oks)
        return {"every read-only command <= 3x floor": every, "peak memory <= 3x floor": peak_ok}
    return {
        "check <= 2x floor": ratio_ok("check --format json", 2),
        "next <= 2x floor": ratio_ok("next --format json", 2),
        "next --write <= 3x floor": ratio_ok("next --write", 3),
        "next --write < openpyxl load+save": None if write is None or saver.wall is None else write < saver.wall,
        "peak memory <= 3x floor": peak_ok,
    }  # fmt: skip


def import_seconds(path: Path) -> float | None:
    """The import time of ``next --format json`` on ``path``: ``python -X importtime``, top level summed."""
    code = "import sys; from cbpt_sheets.cli import main; sys.argv[0] = 'cbpt-sheets'; main()"
    argv = [sys.executable, "-X", "importtime", "-c", code, "next", str(path), "--today", TODAY, "--format", "json"]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, env=CHILD_ENV)
    total = 0
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")  # "import time: self | cumulative | name"
            if not name.startswith("  ") and cumulative.strip().isdigit():  # a top-level import
                total += int(cumulative)
    return total / 1e6 if proc.returncode == 0 and total else None


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def format_table(results: list[Result]) -> str:
    """A Markdown table: median wall time and peak memory, with their ratios to the floor."""
    floor = _by_name(results).get("calamine read (floor)")
    floor_wall = floor.wall if floor else None
    floor_peak = floor.peak if floor else None
    lines = [
        "| command | wall (s) | × floor | peak memory (MB) | × floor |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r.wall / floor_wall if r.wall is not None and floor_wall else None
        mem_ratio = r.peak / floor_peak if r.peak is not None and floor_peak else None
        name = r.name if r.status == "ok" else f"{r.name} ({r.status}: {r.detail})"
        lines.append(f"| {name} | {_fmt(r.wall, '.2f')} | {_fmt(ratio, '.1f')} | "
                     f"{_fmt(r.peak, '.0f')} | {_fmt(mem_ratio, '.1f')} |")  # fmt: skip
    return "\n".join(lines)


def format_targets(results: list[Result], scale: str = "large") -> str:
    """One line per target: met, missed or n/a, with the ratio it was judged on."""
    words = {True: "met", False: "MISSED", None: "n/a"}
    r = _by_name(results)
    floor = r["calamine read (floor)"].wall
    lines = []
    for name, ok in targets(results, scale).items():
        if name.startswith("every read-only"):
            commands = list(READ_ONLY)
        else:
            commands = [c for c in (*READ_ONLY, "next --write") if name.startswith(c.split(" --format")[0] + " <")]  # fmt: skip
        walls = [w for c in commands if c in r and (w := r[c].wall) is not None]
        ratio = f" ({max(walls) / floor:.1f}x)" if walls and floor else ""
        if "openpyxl" in name:
            write, saver = r["next --write"].wall, r["openpyxl load+save"].wall
            ratio = f" ({write:.1f} s against {saver:.1f} s)" if write and saver else ""
        if name.startswith("peak") and floor is not None:
            peaks = [
                x.peak
                for x in results
                if x.name.split()[0] in ("check", "next", "followup") and x.peak
            ]
            base = r["calamine read (floor)"].peak
            ratio = f" ({max(peaks) / base:.1f}x)" if peaks and base else ""
        lines.append(f"- {name}: {words[ok]}{ratio}")
    return "\n".join(lines)


def format_startup(results: list[Result], imports: float | None) -> str:
    """The fixed cost: Python's start-up, ``cbpt-sheets --version`` and the imports of ``next``."""
    r = _by_name(results)
    py, version = r.get("python start-up (-c pass)"), r.get("cbpt-sheets --version")
    parts = [f"python start-up {_fmt(py.wall if py else None, '.3f')} s",
             f"`cbpt-sheets --version` {_fmt(version.wall if version else None, '.3f')} s",
             f"imports of `next` (python -X importtime) {_fmt(imports, '.3f')} s"]  # fmt: skip
    return "Fixed cost: " + "; ".join(parts) + "."


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the workbooks, measure, print the tables, save the raw figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="the small scale only (under a minute)"
    )
    parser.add_argument(
        "--scales",
        default="volunteer,small,large,findings",
        help="comma-separated: " + ",".join(generate.SCALES),
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--network",
        action="store_true",
        help="also the city network: 20 workbooks of 500 organisations",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    scales = ["volunteer"] if args.quick else args.scales.split(",")
    for scale in scales:
        if scale not in generate.SCALES:
            parser.error(f"unknown scale {scale!r}")
    report: dict[str, object] = {"date": dt.datetime.now().isoformat(timespec="seconds"),
                                 "python": sys.version.split()[0], "cpus": os.cpu_count(), "scales": {}}  # fmt: skip
    tables: list[str] = []
    compile_package()
    for scale in scales:
        path, _ = generate.ensure(scale, args.seed)
        size = generate.SCALES[scale]
        gen = generate.generation_seconds(path)
        n = [
            f"{x:,}".replace(",", "\u202f")
            for x in (size.organisations, size.contacts, size.appointments)
        ]
        title = (f"### {scale}: {n[0]} organisations, {n[1]} contacts, {n[2]} appointments, "
                 f"{size.defect_rate:.0%} of rows with a defect ({path.stat().st_size / 1e6:.1f} MB, "
                 f"generated in {_fmt(gen, '.1f')} s), median of {args.runs} runs")  # fmt: skip
        print(title, file=sys.stderr, flush=True)
        results = run_scale(path, args.runs, lambda s: print(s, file=sys.stderr, flush=True))
        imports = import_seconds(path)
        heading = ("Targets" if scale in (*VOLUNTEER_SCALES, "large", "findings") else
                   "The targets, as they would read at this scale (they are set at 500 organisations "
                   "and at 100k contacts)")  # fmt: skip
        block = (f"{title}\n\n{format_table(results)}\n\n{format_startup(results, imports)}\n\n"
                 f"{heading}:\n{format_targets(results, scale)}\n")  # fmt: skip
        print(block, flush=True)
        tables.append(block)
        report["scales"][scale] = {"imports": imports, "targets": targets(results, scale),  # type: ignore[index]
                                   "results": [r.__dict__ | {"wall": r.wall, "peak": r.peak} for r in results]}  # fmt: skip
    if args.network:
        title = (f"### network: {NETWORK_FILES} library workbooks, "
                 f"{NETWORK_FILES * generate.SCALES['library'].organisations} organisations in all, "
                 f"median of {args.runs} runs")  # fmt: skip
        print(title, file=sys.stderr, flush=True)
        results = run_network(args.runs, args.seed, lambda s: print(s, file=sys.stderr, flush=True))
        block = f"{title}\n\n{format_table(results)}\n\nTarget:\n{network_targets(results)}\n"
        print(block, flush=True)
        tables.append(block)
        report["network"] = [r.__dict__ | {"wall": r.wall, "peak": r.peak} for r in results]
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"{stamp}.json").write_text(json.dumps(report, indent=1))
    (RESULTS_DIR / f"{stamp}.md").write_text("\n".join(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
