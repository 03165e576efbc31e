"""The core is pure: importing every core module loads no reader, writer, front end or thread."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "cbpt_sheets" / "core"
FORBIDDEN = ("openpyxl", "xlwings", "click", "zipfile", "threading", "python_calamine")


def core_modules() -> list[str]:
    """Every module of cbpt_sheets.core, subpackages included (read from the files)."""
    names = []
    for path in sorted(CORE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def test_core_modules_are_found() -> None:
    modules = core_modules()
    for wanted in ("cbpt_sheets.core.schema", "cbpt_sheets.core.checks.engine"):
        assert wanted in modules
    assert "cbpt_sheets.core.checks" in modules


PROBE = """
import builtins, importlib, sys

first_importer = {}
real_import = builtins.__import__


def spy(name, globals=None, locals=None, fromlist=(), level=0):
    top = name.partition(".")[0] if level == 0 else ""
    if top in FORBIDDEN and top not in sys.modules and top not in first_importer:
        first_importer[top] = (globals or {}).get("__name__", "?")
    return real_import(name, globals, locals, fromlist, level)


builtins.__import__ = spy
before = [m for m in FORBIDDEN if m in sys.modules]
for name in MODULES:
    importlib.import_module(name)
sys.stdout.write(repr((before, first_importer)))
"""


def test_importing_the_core_loads_nothing_it_must_not() -> None:
    """In a fresh interpreter, importing every core module loads none of FORBIDDEN.

    ``-S``: the start-up files of site-packages (.pth) import zipfile and threading
    on their own; the probe gets the same search path instead. pydantic's plugin
    loader reads ``importlib.metadata`` when the first model is defined, which
    imports zipfile and threading: those two are allowed only from outside the
    package; openpyxl, xlwings, click and python_calamine not at all.
    """
    path = [str(ROOT), *(p for p in sys.path if p and Path(p).is_dir())]
    script = (
        f"import sys\nsys.path[:] = {path!r}\n"
        f"FORBIDDEN = {FORBIDDEN!r}\nMODULES = {core_modules()!r}\n" + PROBE
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    before, first_importer = ast.literal_eval(done.stdout)
    assert before == [], f"the fresh interpreter already holds {before}"
    ours = {m: by for m, by in first_importer.items() if by.startswith("cbpt_sheets")}
    assert ours == {}, f"the core imports {ours}"
    heavy = {m: by for m, by in first_importer.items() if m not in ("zipfile", "threading")}
    assert heavy == {}, f"a library of the core imports {heavy}"
    assert set(first_importer) <= {"zipfile", "threading"}
