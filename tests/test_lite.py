"""xlwings Lite: the main.py of ``cbpt-sheets lite`` run as xlwings Lite runs it, in a Pyodide-like process.

Each script runs in a subprocess where importing rapidfuzz or python_calamine raises
and no thread can start (as under Pyodide), on a real ``xlwings.Book`` built from the
workbook's JSON payload (xlwings' remote engine, the Book xlwings Lite builds), called
through xlwings' own ``custom_scripts_call`` (what xlwings Lite calls on a click, form
values coerced by the script's type hints). The cells it sets are replayed from the
queued actions and compared with what ``check``, ``next --write``, ``followup --write``
and ``brief --write`` do to a copy of the same workbook.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets import operations, version
from cbpt_sheets.cli import cli
from cbpt_sheets.excel import lite

from .conftest import TODAY
from .test_excel import _remote_engine as _remote_engine  # autouse: the remote engine here too
from .test_excel import book_of, colours, payload, written
from .test_ribbon_parity import _cells, _command, _norm

ROOT = Path(__file__).resolve().parents[1]
DAY = TODAY.isoformat()

DRIVER = r'''
"""Run xlwings Lite scripts of a main.py as xlwings Lite does, Pyodide's limits imposed."""
import _thread
import asyncio
import contextlib
import importlib.abc
import io
import json
import sys
import threading

job = json.load(open(sys.argv[1], encoding="utf-8"))
BLOCKED = set(job["blocked"])


class Blocker(importlib.abc.MetaPathFinder):
    """Importing a blocked package raises, as it would where no wheel of it exists."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {fullname!r} (Pyodide)", name=fullname)
        return None


sys.meta_path.insert(0, Blocker())


def no_thread(*args, **kwargs):
    raise RuntimeError("can't start new thread")


if job["no_threads"]:
    threading.Thread.start = no_thread
    _thread.start_new_thread = no_thread

sys.path.insert(0, job.get("lite_dir", "."))
out = {"runs": []}
if job.get("file"):
    import datetime as dt
    from cbpt_sheets import operations
    from cbpt_sheets.errors import CbptError
    try:
        result = operations.check_workbook(operations.open_file(job["file"]), dt.date.fromisoformat(job["today"]))
        out["file"] = [[f.sheet, f.cell, f.code] for f in result.report.findings]
    except CbptError as exc:
        out["file_error"] = str(exc)
else:
    import xlwings as xw
    from xlwings.pro.udfs_officejs import custom_scripts_call, custom_scripts_meta

    xlwings_own = set(sys.modules)  # what xlwings Lite itself brings
    import main

    out["scripts"] = {
        m["function_name"]: m.get("name") for m in custom_scripts_meta(main)
    }
    for run in job["runs"]:
        book = xw.Book(json=run["payload"])
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            asyncio.run(
                custom_scripts_call(
                    main, run["script"], typehint_to_value={xw.Book: book}, args=run["args"]
                )
            )
        out["runs"].append(
            {
                "names": [s.name for s in book.sheets],
                "actions": book.json()["actions"],
                "output": printed.getvalue(),
            }
        )
out["loaded"] = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
out["modules"] = sorted(
    {m.partition(".")[0] for m in set(sys.modules) - xlwings_own if not m.startswith("_")}
    - set(sys.stdlib_module_names) - {"main"}
) if not job.get("file") else []
out["threads"] = threading.active_count()
json.dump(out, open(sys.argv[2], "w", encoding="utf-8"), default=str)
'''


@dataclass
class Run:
    """One script run in the subprocess: the sheets after it, its queued actions, what it printed."""

    names: list[str]
    actions: list[dict[str, Any]]
    output: str

    @property
    def sheets(self) -> list[SimpleNamespace]:  # what test_excel's replay helpers read
        return [SimpleNamespace(name=n) for n in self.names]

    def json(self) -> dict[str, Any]:
        return {"actions": self.actions}


@pytest.fixture(scope="module")
def lite_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lite")
    result = CliRunner().invoke(cli, ["lite", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder


def _subprocess(
    tmp: Path, job: dict[str, Any], blocked: tuple[str, ...] = ("rapidfuzz", "python_calamine")
) -> dict[str, Any]:
    job = {"blocked": list(blocked), "no_threads": True, **job}
    (tmp / "job.json").write_text(json.dumps(job), encoding="utf-8")
    (tmp / "driver.py").write_text(DRIVER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE")}
    env.update(
        PYTHONPATH=str(ROOT),
        XLWINGS_LICENSE_KEY="noncommercial",  # xlwings' remote engine (noncommercial use)
        XLWINGS_ON_SERVER="true",  # `from xlwings import script`: the decorator of xlwings Lite
    )
    done = subprocess.run(
        [sys.executable, str(tmp / "driver.py"), str(tmp / "job.json"), str(tmp / "out.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads((tmp / "out.json").read_text(encoding="utf-8"))
    assert out["loaded"] == [], out["loaded"]  # neither rapidfuzz nor calamine got in
    assert out["threads"] == 1
    return out


PYODIDE = {"platform_system": "Emscripten", "sys_platform": "emscripten", "extra": ""}


def pyodide_closure() -> set[str]:
    """The distributions installing cbpt-sheets under Pyodide pulls (markers evaluated there)."""
    from importlib.metadata import PackageNotFoundError, requires

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    todo = [Requirement(r) for r in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate(PYODIDE):
            continue
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        with contextlib.suppress(PackageNotFoundError):
            todo.extend(Requirement(r) for r in requires(req.name) or [])
    return seen


def test_pyodide_pulls_what_the_scripts_import_and_nothing_compiled_it_lacks(
    tmp_path: Path, lite_dir: Path, example_path: Path
) -> None:
    from importlib.metadata import packages_distributions

    from packaging.utils import canonicalize_name

    closure = pyodide_closure()
    assert not {"rapidfuzz", "python-calamine", "pyopenvba"} & closure
    assert {"pydantic", "xlwings", "holidays", "phonenumbers", "email-validator"} <= closure
    out = _subprocess(
        tmp_path,
        {
            "lite_dir": str(lite_dir),
            "runs": [{"script": "verify", "payload": payload(example_path), "args": [DAY]}],
        },
    )
    owners = packages_distributions()
    used = {
        canonicalize_name(d)
        for m in out["modules"]
        if m != "cbpt_sheets"
        for d in owners.get(m, [m])
    }
    assert {"pydantic", "phonenumbers"} <= used <= closure, used - closure
    assert "holidays" not in used  # computed in core.calendar; the package only before 1982


def run_scripts(tmp: Path, lite_dir: Path, runs: list[dict[str, Any]]) -> list[Run]:
    out = _subprocess(tmp, {"lite_dir": str(lite_dir), "runs": runs})
    assert out["scripts"] == {
        "verify": "Vérifier",
        "next_actions": "Prochaines actions",
        "followup_list": "Liste de suivi",
        "call_brief": "Fiche d'appel",
    }
    runs = [Run(**r) for r in out["runs"]]
    for run in runs:  # French typography (no-break spaces), compared here as plain spaces
        assert " :" not in run.output and "« " not in run.output, run.output
        run.output = run.output.replace("\u00a0", " ")
    return runs


def _set(run: Run, sheet: str) -> dict[str, Any]:
    return {cell: _norm(v) for (name, cell), v in written(run).items() if name == sheet}


def _typos(make_workbook: Any) -> Path:
    """Typos the checks suggest a fix for, through the fuzzy matching (no rapidfuzz in Lite)."""
    return make_workbook(
        organisations=[
            {"Nom": "Mairie du 15e arrondissement", "Standard": "01 55 76 75 15"},
            {"Nom": "EHPAD Les Lilas", "Standard": "01 45 00 00 00"},
            {"Nom": "Hôpital Necker Enfants malades"},
        ],
        calls=[
            {
                "Date": TODAY.replace(day=1),
                "Organisation": "Mairie du 15eme arrondissment",
                "Résultat": "Pas de reponce",
            },
            {"Date": "pas une date", "Organisation": "EHPAD Lilas", "Résultat": "Rapel convenu"},
            {"Date": TODAY, "Organisation": "Hopital Neker", "Résultat": "Refus definitif"},
        ],
    )


# ---------------------------------------------------------------- the four scripts


def test_the_four_scripts_set_the_cells_of_their_commands(
    tmp_path: Path, lite_dir: Path, example_path: Path, make_workbook: Any
) -> None:
    typos = _typos(make_workbook)
    example = payload(example_path)
    name = openpyxl.load_workbook(example_path)["Organisations"]["B4"].value
    volunteer = next(
        a.volunteer
        for a in operations.next_actions(operations.open_file(example_path), TODAY).actions
        if a.volunteer
    )
    runs = run_scripts(
        tmp_path,
        lite_dir,
        [
            {"script": "verify", "payload": payload(typos), "args": [DAY]},
            {"script": "next_actions", "payload": example, "args": [DAY]},
            {"script": "followup_list", "payload": example, "args": ["", DAY]},
            {"script": "followup_list", "payload": example, "args": [volunteer, DAY]},
            {
                "script": "call_brief",
                "payload": payload(example_path, selection="B4", active="Organisations"),
                "args": ["", DAY],
            },
            {"script": "call_brief", "payload": example, "args": ["ORG-0006", DAY]},
        ],
    )
    verify, next_run, followup_all, followup_one, brief_selected, brief_typed = runs

    # Vérifier = check: the same findings, messages and suggestions, each cell marked
    result = CliRunner().invoke(cli, ["check", str(typos), "--today", DAY, "--format", "json"])
    findings = json.loads(result.stdout)["findings"]
    suggested = [f for f in findings if f.get("suggestion")]
    assert len(suggested) >= 3, findings  # the fuzzy matching ran, without rapidfuzz
    controls = _set(verify, "Contrôles")
    rows = {}
    for cell, value in controls.items():
        row = int(re.sub(r"[A-Z]+", "", cell))
        rows.setdefault(row, {})[re.sub(r"\d+", "", cell)] = value
    listed = sorted(
        (
            r["B"],
            re.sub(r'^=HYPERLINK\(".*","(.*)"\)$', r"\1", str(r.get("C", ""))),
            r["F"],
            r["G"],
            r.get("H", ""),
        )
        for n, r in rows.items()
        if n > 2 and r.get("F")
    )
    expected = sorted(
        (f["sheet"], f["cell"] or "", f["code"], f["message"], f.get("suggestion") or "")
        for f in findings
    )
    assert listed == expected
    marked = colours(verify)
    for f in findings:
        if f["cell"] and f["severity"] == "error" and f["sheet"] == "Appels":
            assert marked[(f["sheet"], f["cell"])] == operations.MARK_ERROR, f
    assert "erreur" in verify.output and verify.output.startswith(lite.PREFIX)

    # Prochaines actions = next --write
    before = _cells(example_path, "Organisations")
    after = _cells(_command(example_path, "next", "--today", DAY, "--write"), "Organisations")
    by_command = {
        c: after.get(c, "") for c in before.keys() | after.keys() if before.get(c) != after.get(c)
    }
    set_by_script = _set(next_run, "Organisations")
    assert by_command
    assert {c: v for c, v in set_by_script.items() if v != before.get(c, "")} == by_command
    assert "Prochaines actions calculées" in next_run.output

    # Liste de suivi = followup --write (everyone, then one volunteer)
    for run, extra in ((followup_all, []), (followup_one, ["--volunteer", volunteer])):
        expected_suivi = _cells(
            _command(example_path, "followup", "--today", DAY, *extra, "--write"), "Suivi"
        )
        assert {c: v for c, v in _set(run, "Suivi").items() if v != ""} == expected_suivi
    assert _set(followup_all, "Suivi") != _set(followup_one, "Suivi")
    assert volunteer in str(_set(followup_one, "Suivi")["A1"])

    # Fiche d'appel = brief --write, for the selected row or the organisation typed
    for run, wanted in ((brief_selected, name), (brief_typed, "ORG-0006")):
        expected_fiche = _cells(
            _command(example_path, "brief", wanted, "--today", DAY, "--write"), "Fiche"
        )
        assert {c: v for c, v in _set(run, "Fiche").items() if v != ""} == expected_fiche
    assert all(a["func"] != "alert" for run in runs for a in run.actions)  # no message box in Lite


def test_a_refusal_is_printed_and_writes_nothing(
    tmp_path: Path, lite_dir: Path, example_path: Path, make_workbook: Any
) -> None:
    not_cbpt = make_workbook("autre.xlsx")
    data = payload(not_cbpt)
    data["sheets"] = [s for s in data["sheets"] if s["name"] != "Organisations"]
    runs = run_scripts(
        tmp_path,
        lite_dir,
        [
            # the header row is selected: no organisation there
            {
                "script": "call_brief",
                "payload": payload(example_path, selection="A1", active="Organisations"),
                "args": [],
            },
            {"script": "call_brief", "payload": payload(example_path), "args": ["Inconnue SA"]},
            {"script": "next_actions", "payload": data, "args": []},
            {"script": "followup_list", "payload": payload(example_path), "args": ["Personne"]},
        ],
    )
    hint, unknown, no_sheet, nobody = runs
    for run in (hint, unknown, no_sheet):
        assert run.actions == [], run.output
    assert "Cliquez d'abord sur une ligne" in hint.output
    assert "Aucune organisation « Inconnue SA »" in unknown.output
    assert "n'est pas un classeur de suivi CBPT" in no_sheet.output
    assert "aucune organisation n'a « Personne » comme bénévole" in nobody.output
    for run in runs:
        assert "Traceback" not in run.output


# ---------------------------------------------------------------- reading a file in Pyodide


def test_reading_a_file_without_threads_gives_the_same_findings(
    tmp_path: Path, make_workbook: Any
) -> None:
    path = _typos(make_workbook)
    out = _subprocess(tmp_path, {"file": str(path), "today": DAY}, blocked=("rapidfuzz",))
    here = operations.check_workbook(operations.open_file(path), TODAY).report.findings
    assert out["file"] == [[f.sheet, f.cell, f.code] for f in here]


def test_reading_a_file_without_calamine_says_why(tmp_path: Path, make_workbook: Any) -> None:
    path = make_workbook()
    out = _subprocess(tmp_path, {"file": str(path), "today": DAY})
    assert "python-calamine" in out["file_error"] and "xlwings Lite" in out["file_error"]


# ---------------------------------------------------------------- cbpt-sheets lite


def _requirements(path: Path) -> dict[str, str]:
    """Import name -> requirement line, for each line of a requirements.txt."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        if line.startswith("https://"):
            name = line.rsplit("/", 1)[1].split("-", 1)[0]
        else:
            name = re.split(r"[<>=!~; \[]", line, maxsplit=1)[0]
        out[name.lower().replace("-", "_")] = line
    return out


def test_main_py_compiles_and_imports_only_what_requirements_names(lite_dir: Path) -> None:
    source = (lite_dir / "main.py").read_text(encoding="utf-8")
    tree = ast.parse(compile(source, "main.py", "exec", ast.PyCF_ONLY_AST))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.partition(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module
            imported.add(node.module.partition(".")[0])
    named = _requirements(lite_dir / "requirements.txt")
    outside = imported - set(named) - set(sys.stdlib_module_names)
    assert not outside, outside
    assert {"xlwings", "cbpt_sheets"} <= imported
    assert named["cbpt_sheets"] == f"cbpt-sheets=={version()}"
    scripts = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(
            (d.func if isinstance(d, ast.Call) else d).id == "script"  # type: ignore[union-attr]
            for d in node.decorator_list
        )
    ]
    assert [s.name for s in scripts] == list(lite.SCRIPTS)
    for node in scripts:
        first = node.args.args[0]
        assert ast.unparse(first.annotation) == "xw.Book"  # type: ignore[arg-type]


def test_wheel_url_pins_this_version(tmp_path: Path) -> None:
    url = f"https://example.org/dist/cbpt_sheets-{version()}-py3-none-any.whl"
    result = CliRunner().invoke(cli, ["lite", str(tmp_path), "--wheel-url", url])
    assert result.exit_code == 0, result.output
    named = _requirements(tmp_path / "requirements.txt")
    assert named["cbpt_sheets"] == url
    for bad in (
        "https://example.org/dist/cbpt_sheets-9.9.9-py3-none-any.whl",
        "https://example.org/dist/cbpt_sheets-0.1.0-cp311-cp311-win_amd64.whl",
        "https://example.org/dist/autre-0.1.0-py3-none-any.whl",
        "ftp://example.org/cbpt_sheets-0.1.0-py3-none-any.whl",
    ):
        result = CliRunner().invoke(cli, ["lite", str(tmp_path / "x"), "--wheel-url", bad])
        assert result.exit_code == 2, (bad, result.output)
        assert (
            result.stderr.replace("\u00a0", " ").startswith("Erreur : ")
            and "Traceback" not in result.output
        )
    assert not (tmp_path / "x").exists()


def test_lite_into_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "fichier"
    target.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["lite", str(target / "sous-dossier")])
    assert result.exit_code == 3 and "Impossible d'écrire" in result.stderr


def test_an_unexpected_failure_is_printed_in_french_then_raised(
    example_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Raised, so that xlwings Lite applies none of the changes queued before the failure."""
    book = book_of(payload(example_path))

    def broken(*_args: Any) -> Any:
        raise KeyError("colonne")

    monkeypatch.setattr(operations, "next_actions", broken)
    with pytest.raises(KeyError):
        lite.next_actions(book, TODAY)
    printed = capsys.readouterr().out.replace("\u00a0", " ")
    assert printed.startswith(lite.PREFIX) and "erreur inattendue (KeyError" in printed
    assert "Rien n'a été modifié" in printed
