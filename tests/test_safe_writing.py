"""Issue 14: writing and output that lose nothing under faults, races and crafted files.

One test per reproduction of the issue (exit code, French message, the workbook's
bytes), the race of writing commands, crafted relationships, symbolic links, a full
disk, signals, the versions kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from cbpt_sheets.core.celltext import MAX_UNITS, excel_literal, limit_utf16, utf16_units
from cbpt_sheets.ooxml import files
from cbpt_sheets.ooxml.writer import write_changes

from .conftest import TODAY, build_workbook

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "CBPT_LOCK_WAIT": "15"}
ORGS = [
    {"ID": "ORG-0001", "Nom": "Hôpital Necker", "Standard": "01 44 49 40 00"},
    {"ID": "ORG-0002", "Nom": "-Jacques", "Standard": "01 44 49 40 01"},
    {"ID": "ORG-0003", "Nom": "Clinique du Parc", "Standard": "01 44 49 40 02"},
]
CALLS = [
    {
        "Date": TODAY - dt.timedelta(days=20),
        "Organisation": "-Jacques",
        "Résultat": "Pas de réponse",
    }
]


def plain(text: str) -> str:
    """French typography's no-break spaces as spaces, to compare messages."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def run(
    *args: str, env: dict[str, str] | None = None, **kw: object
) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own (stdout, stderr as text).

    French typography's no-break spaces (before « : », inside « ») read as spaces.
    """
    done = subprocess.run(
        [sys.executable, "-c", "from cbpt_sheets.cli import main; main()", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env or ENV,
        timeout=120,
        **kw,  # type: ignore[arg-type]
    )
    for stream in ("stdout", "stderr"):
        text = getattr(done, stream)
        if isinstance(text, str):
            setattr(done, stream, plain(text))
    return done


@pytest.fixture
def wb(tmp_path: Path) -> Path:
    """A small workbook: three organisations, one named « -Jacques », one call."""
    return build_workbook(tmp_path / "w.xlsx", organisations=ORGS, calls=CALLS)


def leftovers(folder: Path) -> list[str]:
    """Temporary files a write left behind."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


def entry_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


# ---------------------------------------------------------------- outputs


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "text"])
def test_output_that_is_the_input_is_refused(wb: Path, fmt: str) -> None:
    before = wb.read_bytes()
    link = wb.with_name("lien.xlsx")
    link.symlink_to(wb.name)
    hard = wb.with_name("autre-nom.xlsx")
    os.link(wb, hard)
    for output in (wb, link, hard):
        res = run(
            "followup", str(wb), "--format", fmt, "--output", str(output), "--today", "2026-12-01"
        )
        assert res.returncode == 3, res.stderr
        assert "est le classeur lu par la commande : il n'a pas été remplacé" in res.stderr
        assert wb.read_bytes() == before
    assert not wb.with_name("w.bak.xlsx").exists()
    assert link.is_symlink()


def test_output_replacing_a_workbook_keeps_its_backup_and_new_files_follow_umask(
    wb: Path, tmp_path: Path
) -> None:
    other = build_workbook(tmp_path / "liste.xlsx", organisations=ORGS[:1])
    other_bytes = other.read_bytes()
    os.chmod(other, 0o640)
    res = run("followup", str(wb), "--format", "xlsx", "--output", str(other))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "liste.bak.xlsx").read_bytes() == other_bytes
    assert stat.S_IMODE(other.stat().st_mode) == 0o640  # an existing file keeps its rights
    sheet = openpyxl.load_workbook(other)["Suivi"]
    texts = [c.value for row in sheet.iter_rows() for c in row]
    assert "-Jacques" in texts and "'-Jacques" not in texts  # a text, never a formula
    for umask in (0o022, 0o002, 0o077):
        script = f"import os; os.umask({umask}); from cbpt_sheets.cli import main; main()"
        target = tmp_path / f"nouveau-{umask:o}.xlsx"
        listing = tmp_path / f"liste-{umask:o}.csv"
        for argv in (
            ["new", str(target)],
            ["followup", str(wb), "--format", "csv", "--output", str(listing)],
        ):
            done = subprocess.run(
                [sys.executable, "-c", script, *argv], env=ENV, capture_output=True
            )
            assert done.returncode == 0, done.stderr
        assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
        assert stat.S_IMODE(listing.stat().st_mode) == 0o666 & ~umask
    assert leftovers(tmp_path) == []


def test_new_force_keeps_the_replaced_workbook(wb: Path) -> None:
    before = wb.read_bytes()
    res = run("new", str(wb), "--force")
    assert res.returncode == 0, res.stderr
    assert wb.with_name("w.bak.xlsx").read_bytes() == before


# ---------------------------------------------------------------- the race


@pytest.mark.slow
def test_writing_commands_started_together_lose_nothing(tmp_path: Path) -> None:
    """200 rounds of next, followup and brief --write started at once on one workbook."""
    folder = tmp_path / "race"
    folder.mkdir()
    build_workbook(folder / "base.xlsx", organisations=ORGS, calls=CALLS)
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "race_driver.py"), str(folder), "200"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=1500,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rounds = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rounds) == 200
    problems = [(r["round"], r["problems"]) for r in rounds if r["problems"]]
    assert problems == []
    # the lock makes the second and third writers wait, not fail: all three write every time
    assert sum(len(r["written"]) for r in rounds) == 600
    assert leftovers(folder) == []


def test_a_second_writer_waits_then_is_refused_in_french(wb: Path) -> None:
    before = wb.read_bytes()
    with files.workbook_lock(wb):
        started = time.monotonic()
        res = run("next", str(wb), "--write", env={**ENV, "CBPT_LOCK_WAIT": "1"})
        waited = time.monotonic() - started
    assert res.returncode == 3
    assert "est en cours d'écriture par une autre commande cbpt-sheets" in res.stderr
    assert waited >= 1
    assert wb.read_bytes() == before
    res = run("next", str(wb), "--write")  # free again
    assert res.returncode == 0 and "mises à jour" in res.stdout


# ---------------------------------------------------------------- crafted packages


def _retarget(path: Path, sheet: str, target: str) -> None:
    """Point ``sheet``'s relationship at ``target`` (a crafted workbook)."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    book = parts["xl/workbook.xml"].decode()
    rid = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="(rId\d+)"', book)
    assert rid is not None
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rels = re.sub(
        rf'(<Relationship [^>]*Id="{rid[1]}"[^>]*Target=")[^"]*(")', rf"\g<1>{target}\g<2>", rels
    )
    rels = re.sub(
        rf'(<Relationship [^>]*Target=")[^"]*("[^>]*Id="{rid[1]}")', rf"\g<1>{target}\g<2>", rels
    )
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def test_crafted_relationships_are_refused(wb: Path) -> None:
    with zipfile.ZipFile(wb) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet [^>]*name="Organisations"[^>]*r:id="(rId\d+)"', book)
    assert rid is not None
    org_target = re.search(
        rf'Id="{rid[1]}"[^>]*Target="([^"]*)"|Target="([^"]*)"[^>]*Id="{rid[1]}"', rels
    )
    assert org_target is not None
    org_part = (org_target[1] or org_target[2]).rsplit("/", 1)[-1]
    # the Suivi sheet pointed at the Organisations part by another spelling
    _retarget(wb, "Suivi", f"worksheets/../worksheets/{org_part}")
    before = wb.read_bytes()
    res = run("followup", str(wb), "--write")
    assert res.returncode == 3, res.stderr
    assert "pointent vers le même contenu : il n'a pas été modifié" in res.stderr
    assert wb.read_bytes() == before
    # a target outside the package
    _retarget(wb, "Suivi", "../../../x.xml")
    before = wb.read_bytes()
    for argv in (["followup", str(wb), "--write"], ["next", str(wb), "--write"]):
        res = run(*argv)
        assert res.returncode == 3, res.stderr
        assert "pointe hors du classeur" in res.stderr
        assert wb.read_bytes() == before
    assert not any(".." in n or n.startswith("/") for n in entry_names(wb))
    assert leftovers(wb.parent) == []


def test_no_entry_leaving_the_package_is_ever_written(wb: Path) -> None:
    from cbpt_sheets.errors import SheetXmlError
    from cbpt_sheets.ooxml.writer import _check_entry

    for bad in ("../x.xml", "/xl/x.xml", "xl/../../x.xml", "a/../b.xml"):
        with pytest.raises(SheetXmlError):
            _check_entry(bad)
    _check_entry("xl/worksheets/sheet9.xml")


# ---------------------------------------------------------------- symbolic links


def test_symlink_is_written_through(tmp_path: Path) -> None:
    real_dir = tmp_path / "vrai"
    real_dir.mkdir()
    real = build_workbook(real_dir / "suivi.xlsx", organisations=ORGS, calls=CALLS)
    before = real.read_bytes()
    link = tmp_path / "raccourci.xlsx"
    link.symlink_to(real)
    res = run("next", str(link), "--write", "--today", "2026-12-01")
    assert res.returncode == 0, res.stderr
    assert link.is_symlink() and link.resolve() == real
    assert real.read_bytes() != before
    assert (real_dir / "suivi.bak.xlsx").read_bytes() == before  # beside the real file
    assert not (tmp_path / "raccourci.bak.xlsx").exists()
    orgs = openpyxl.load_workbook(real)["Organisations"]
    headers = [c.value for c in orgs[1]]
    assert orgs.cell(row=2, column=headers.index("Prochaine action") + 1).value


# ---------------------------------------------------------------- faults


def _limit_file_size(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_disk_full_leaves_the_workbook_whole(wb: Path) -> None:
    """A file size limit (ulimit -f) makes the temporary copy fail: nothing changes."""
    before = wb.read_bytes()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from cbpt_sheets.cli import main; main()",
            "next",
            str(wb),
            "--write",
        ],
        capture_output=True,
        text=True,
        env=ENV,
        preexec_fn=lambda: _limit_file_size(4096),
        timeout=120,
    )
    done.stderr = plain(done.stderr)
    assert done.returncode == 3, done.stderr
    assert "le disque est plein ou la taille de fichier permise est dépassée" in done.stderr
    assert "« w.xlsx » n'a pas été modifié" in done.stderr
    assert "Libérez de la place" in done.stderr
    assert wb.read_bytes() == before
    assert leftovers(wb.parent) == []
    assert not wb.with_name("w.bak.xlsx").exists()


def test_backup_name_taken_by_a_folder(wb: Path) -> None:
    before = wb.read_bytes()
    (wb.parent / "w.bak.xlsx").mkdir()
    res = run("next", str(wb), "--write")
    assert res.returncode == 3, res.stderr
    assert "w.bak.xlsx » : c'est un dossier" in res.stderr
    assert "Renommez ou déplacez le dossier « w.bak.xlsx »" in res.stderr
    assert wb.read_bytes() == before
    assert leftovers(wb.parent) == []


def test_os_errors_on_replace_are_french(wb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from cbpt_sheets.errors import CbptError

    before = wb.read_bytes()
    real_replace = os.replace

    for code, words in ((errno.ENOSPC, "le disque est plein"), (errno.EIO, "Vérifiez le disque")):

        def failing(src: object, dst: object, _code: int = code) -> None:
            if Path(str(dst)) == wb:
                raise OSError(_code, os.strerror(_code), str(dst))
            real_replace(src, dst)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "replace", failing)
        with pytest.raises(CbptError) as info:
            write_changes(wb, cells={"Organisations": {"Q2": "x"}})
        message = plain(str(info.value))
        assert words in message and "« w.xlsx » n'a pas été modifié" in message
        assert wb.read_bytes() == before
        assert leftovers(wb.parent) == []


def test_invalid_xml_character_in_a_patched_sheet(wb: Path) -> None:
    with zipfile.ZipFile(wb) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b"Clinique du Parc" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b"Clinique du Parc", b"Clinique\x01 du &#27;]0;pirate&#7;&#27;[2JParc"
    )
    with zipfile.ZipFile(wb, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    res = run("next", str(wb), "--today", "2026-12-01")
    assert res.returncode == 0, res.stderr
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout  # no escape sequence shown
    assert "pirate" in res.stdout
    res = run("next", str(wb), "--write", "--today", "2026-12-01")
    assert res.returncode == 0, res.stderr
    assert "mises à jour" in res.stdout
    names = [c.value for c in openpyxl.load_workbook(wb)["Organisations"]["B"]]
    assert "Clinique du ]0;pirate[2JParc" in names


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--today", "0001-01-01"], "donnez une date entre 1900 et 9999"),
        (["--today", "1800-01-01"], "donnez une date entre 1900 et 9999"),
        (["--days", "99999999999"], "est trop grand : donnez un nombre de 0 à 3720"),
        (["--days", "-1"], "est négatif, donnez 0 ou un nombre positif"),
        (["--today", "9999-12-31", "--days", "3000"], "dépassent l'année 9999"),
    ],
)
def test_dates_out_of_range_are_usage_errors(wb: Path, args: list[str], words: str) -> None:
    before = wb.read_bytes()
    res = run("followup", str(wb), "--write", *args)
    assert res.returncode == 2, res.stderr
    assert words in res.stderr and "Erreur inattendue" not in res.stderr
    assert "Traceback" not in res.stderr
    assert wb.read_bytes() == before


def test_today_1900_writes_positive_serials(wb: Path) -> None:
    res = run("next", str(wb), "--write", "--today", "1900-03-01")
    assert res.returncode == 0, res.stderr
    with zipfile.ZipFile(wb) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert not re.search(r"<v>-\d", sheet)


# ---------------------------------------------------------------- stdout


def _sheet_names(path: Path) -> list[str]:
    return list(openpyxl.load_workbook(path, read_only=True).sheetnames)


def test_brief_write_into_head(wb: Path) -> None:
    """``brief W ORG --write | head -1``: the Fiche sheet is written, exit 0."""
    done = subprocess.run(
        f'"{sys.executable}" -c "from cbpt_sheets.cli import main; main()" brief "{wb}" '
        'ORG-0003 --write | head -1; exit "${PIPESTATUS[0]}"',
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert plain(done.stdout).startswith("Fiche d'appel : Clinique du Parc")
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert "Fiche" in _sheet_names(wb)


def test_closed_and_full_stdout(wb: Path) -> None:
    base = [sys.executable, "-c", "from cbpt_sheets.cli import main; main()"]
    closed = subprocess.run(
        [*base, "followup", str(wb), "--write"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=ENV, text=True, close_fds=True, timeout=120,
        preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    assert closed.returncode == 0, closed.stderr
    assert "Traceback" not in closed.stderr
    with open("/dev/full", "w") as full:
        written = subprocess.run(
            [*base, "brief", str(wb), "ORG-0001", "--write"], stdout=full, stderr=subprocess.PIPE,
            env=ENV, text=True, timeout=120,
        )  # fmt: skip
        assert written.returncode == 0, written.stderr
        assert "le classeur a bien été écrit" in written.stderr
        assert "Fiche" in _sheet_names(wb)
        shown = subprocess.run(
            [*base, "next", str(wb)], stdout=full, stderr=subprocess.PIPE, env=ENV, text=True,
            timeout=120,
        )  # fmt: skip
        assert shown.returncode == 3
        assert "le résultat n'a pas pu être affiché" in shown.stderr
        assert "Traceback" not in written.stderr + shown.stderr


def test_cp1252_console(wb: Path) -> None:
    res = run("next", str(wb), env={**ENV, "PYTHONIOENCODING": "cp1252"})
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    check = run("check", str(wb), env={**ENV, "PYTHONIOENCODING": "cp1252"})
    assert check.returncode in (0, 1) and "Traceback" not in check.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_signal_during_a_write_cleans_up(wb: Path, signum: int) -> None:
    """SIGTERM or SIGHUP while the temporary copy exists: removed, the workbook unchanged."""
    before = wb.read_bytes()
    script = (
        "import sys, time\n"
        "from cbpt_sheets.ooxml import writer\n"
        "real = writer._verify\n"
        "def slow(tmp, pkg):\n"
        "    real(tmp, pkg)\n"
        "    sys.stderr.write('PRET\\n'); sys.stderr.flush()\n"
        "    time.sleep(30)\n"
        "writer._verify = slow\n"
        "from cbpt_sheets.cli import main; main()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "next", str(wb), "--write"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.strip() == "PRET", line
    assert any(n.endswith(".tmp") for n in os.listdir(wb.parent))
    proc.send_signal(signum)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert "Interrompu." in err and "Traceback" not in err
    assert wb.read_bytes() == before
    assert leftovers(wb.parent) == []


# ---------------------------------------------------------------- texts


def test_texts_in_files_carry_no_apostrophe_and_csv_keeps_its_neutralisation(wb: Path) -> None:
    res = run("followup", str(wb), "--write", "--today", "2026-12-01")
    assert res.returncode == 0, res.stderr
    res = run("brief", str(wb), "ORG-0002", "--write", "--today", "2026-12-01")
    assert res.returncode == 0, res.stderr
    book = openpyxl.load_workbook(wb)
    for sheet in ("Suivi", "Fiche"):
        cells = [c for row in book[sheet].iter_rows() for c in row if c.value is not None]
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert any("-Jacques" in t for t in texts), sheet
        assert not any(t.startswith("'") for t in texts), sheet
        assert all(c.data_type != "f" for c in cells), sheet
    csv_text = run("followup", str(wb), "--format", "csv", "--today", "2026-12-01").stdout
    assert ";'-Jacques;" in csv_text


def _replace_in_sheets(path: Path, old: bytes, new: bytes) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml":
            parts[name] = data.replace(old, new)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


@pytest.mark.parametrize("escape", [b"_x001B_", b"&#27;"])
def test_control_characters_never_reach_the_terminal(tmp_path: Path, escape: bytes) -> None:
    """An escape sequence in a contact's name (as Excel stores it, or as a raw reference)."""
    orgs = [{**ORGS[0], "Nom": "NeckerESC]0;titreBELESC[2J", "Interlocuteur": "M. \u202eX\x9b"}]
    path = build_workbook(tmp_path / "c.xlsx", organisations=orgs)
    _replace_in_sheets(path, b"ESC", escape)
    _replace_in_sheets(path, b"BEL", escape.replace(b"1B", b"07").replace(b"27", b"7"))
    for argv in (["next", str(path)], ["brief", str(path), "ORG-0001"], ["followup", str(path)]):
        res = run(*argv, "--today", "2026-12-01")
        assert res.returncode == 0, res.stderr
        assert "titre" in res.stdout, argv
        shown = res.stdout.replace("\r\n", "\n")
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", shown), argv


def test_ribbon_values_pass_the_text_guard() -> None:
    from cbpt_sheets.core.models import SheetGrid
    from cbpt_sheets.excel.book import cell_blocks, grid_values

    current = [["ID", "Nom"], ['=HYPERLINK("http://x","id")', "+1"], ["0012", "Claire"]]
    blocks = cell_blocks({"A2": "ORG-0001", "B3": "Claire M."}, current)
    assert blocks == [(2, 1, [["'ORG-0001", "'+1"], ["'0012", "Claire M."]])]
    grid = SheetGrid(name="Suivi", rows=[["=2+2", "-Jacques", "TRUE", "Claire", 3, None]])
    assert grid_values(grid) == [["'=2+2", "'-Jacques", "'TRUE", "Claire", 3, None]]
    assert excel_literal('=HYPERLINK("http://x","id")') == '\'=HYPERLINK("http://x","id")'
    assert excel_literal("'déjà") == "''déjà"


def test_cell_text_is_limited_in_utf16_units(wb: Path) -> None:
    emoji = "😀" * MAX_UNITS
    cut = limit_utf16(emoji)
    assert utf16_units(cut) == MAX_UNITS - 1 and len(cut) == MAX_UNITS // 2
    assert limit_utf16("a" + emoji) == "a" + "😀" * ((MAX_UNITS - 1) // 2)
    assert utf16_units(limit_utf16("é" * 40000)) == MAX_UNITS
    write_changes(wb, cells={"Organisations": {"Q2": emoji}})
    value = openpyxl.load_workbook(wb)["Organisations"]["Q2"].value
    assert value == cut


def test_full_recalculation_asked_when_computed_cells_change(tmp_path: Path) -> None:
    path = build_workbook(tmp_path / "f.xlsx", organisations=ORGS, calls=CALLS)
    book = openpyxl.load_workbook(path)
    orgs = book["Organisations"]
    headers = [c.value for c in orgs[1]]
    step = openpyxl.utils.get_column_letter(headers.index("Étape") + 1)
    orgs.cell(row=2, column=len(headers) + 2, value=f"=LEN({step}2)")
    book.save(path)
    with zipfile.ZipFile(path) as z:  # as Excel saves it: no recalculation asked
        assert b'fullCalcOnLoad="1"' in z.read("xl/workbook.xml")
    _strip_full_calc(path)
    res = run("next", str(path), "--write", "--today", "2026-12-01")
    assert res.returncode == 0, res.stderr
    with zipfile.ZipFile(path) as z:
        workbook_xml = z.read("xl/workbook.xml").decode()
    assert re.search(r'<calcPr\b[^>]*fullCalcOnLoad="1"', workbook_xml)
    plain = build_workbook(tmp_path / "p.xlsx", organisations=ORGS)  # no formula: left as is
    _strip_full_calc(plain)
    with zipfile.ZipFile(plain) as z:
        before = z.read("xl/workbook.xml")
    assert run("next", str(plain), "--write").returncode == 0
    with zipfile.ZipFile(plain) as z:
        assert z.read("xl/workbook.xml") == before


def _strip_full_calc(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def test_full_calc_on_load_edits() -> None:
    from cbpt_sheets.ooxml.writer import _full_calc_on_load

    assert _full_calc_on_load(b'<workbook><sheets/><calcPr calcId="1"/></workbook>') == (
        b'<workbook><sheets/><calcPr calcId="1" fullCalcOnLoad="1"/></workbook>'
    )
    assert _full_calc_on_load(b"<x:workbook><x:sheets></x:sheets></x:workbook>") == (
        b'<x:workbook><x:sheets></x:sheets><x:calcPr fullCalcOnLoad="1"/></x:workbook>'
    )
    same = b'<workbook><sheets/><calcPr fullCalcOnLoad="1"/></workbook>'
    assert _full_calc_on_load(same) == same


# ---------------------------------------------------------------- versions


def test_five_versions_can_be_restored(wb: Path) -> None:
    """Each write keeps NAME.bak.xlsx; the earlier backups go to NAME.versions/, four kept."""
    seen = [wb.read_bytes()]
    for n in range(7):
        mtime = time.time() - 3600 * (10 - n)  # each version saved at its own time
        os.utime(wb, (mtime, mtime))
        write_changes(wb, cells={"Organisations": {"Q2": f"version {n}"}})
        seen.append(wb.read_bytes())
    bak = wb.with_name("w.bak.xlsx")
    kept = files.versions(wb)
    assert [p.parent.name for p in kept] == ["w.versions"] * 4
    assert all(re.fullmatch(r"w \d{4}-\d\d-\d\d \d\dh\d\dm\d\d\.xlsx", p.name) for p in kept)
    restorable = [p.read_bytes() for p in kept] + [bak.read_bytes()]
    assert restorable == seen[-6:-1]  # the five versions before the current one, in order


def test_a_name_too_long_is_said_in_french(tmp_path: Path) -> None:
    done = run("check", str(tmp_path / ("n" * 300 + ".xlsx")))
    assert done.returncode == 3, done.stderr
    assert "trop long" in done.stderr and "File name too long" not in done.stderr


def test_a_pipe_is_neither_read_as_a_workbook_nor_replaced_by_an_output(
    wb: Path, tmp_path: Path
) -> None:
    """A named pipe (or a device) would make a command wait for ever, or be replaced by a
    regular file: both are refused at once, in French (attack review)."""
    pipe = tmp_path / "tube.xlsx"
    os.mkfifo(pipe)
    read = run("check", str(pipe))
    assert read.returncode == 3 and "pas un fichier ordinaire" in read.stderr
    for args in (
        ["followup", str(wb), "--format", "pdf", "--output", str(pipe)],
        ["brief", str(wb), "Clinique", "--output", str(pipe)],
    ):
        done = run(*args)
        assert done.returncode == 3, (args, done.stderr)
        assert "pas un fichier ordinaire" in done.stderr
    assert stat.S_ISFIFO(pipe.stat().st_mode)
