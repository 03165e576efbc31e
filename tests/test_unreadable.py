"""Broken files (tests/corpus/build.py): exit code 3, one French message, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets import UnreadableWorkbook, check
from cbpt_sheets.cli import cli
from cbpt_sheets.ooxml import source
from tests.corpus.build import build_corpus

NAMES = [
    "missing", "directory", "not-a-zip", "empty", "truncated", "csv", "encrypted",
    "not-a-workbook-zip", "malformed-workbook-xml", "malformed-sheet-xml",
    "bomb-shared-strings", "bomb-sheet", "bomb-workbook", "zip-bomb", "corrupt-part",
]  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def test_corpus_is_complete(corpus: dict[str, Path]) -> None:
    assert sorted(corpus) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_broken_file_exits_3_with_one_french_message(corpus: dict[str, Path], name: str) -> None:
    result = CliRunner().invoke(cli, ["check", str(corpus[name]), "--today", "2026-12-01"])
    assert result.exit_code == 3, (result.output, result.exception)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Erreur\u00a0: ")
    assert corpus[name].name in lines[0]
    assert "Traceback" not in result.output and "Error" not in lines[0]
    with pytest.raises(UnreadableWorkbook):
        check(corpus[name])


def test_subprocess_gives_exit_3_without_traceback(corpus: dict[str, Path]) -> None:
    script = (
        "import sys; from cbpt_sheets.cli import main; "
        f"sys.argv = ['cbpt-sheets', 'check', {str(corpus['bomb-sheet'])!r}]; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 3
    assert proc.stdout == ""
    assert "DOCTYPE" in proc.stderr and "Traceback" not in proc.stderr


def test_zip_bomb_refused_by_measured_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Declared sizes are not trusted: the bytes really unpacked are counted."""
    from tests.corpus.build import _good

    path = _good(tmp_path)
    assert check(path).valid
    monkeypatch.setattr(source, "MAX_UNPACKED_BYTES", 20_000)
    with pytest.raises(UnreadableWorkbook, match="volume anormalement grand"):
        check(path)


def test_openpyxl_parses_through_defusedxml(corpus: dict[str, Path]) -> None:
    """openpyxl uses defusedxml once it is installed: a bomb is refused, not expanded.

    With lxml installed (python-docx brings it), openpyxl parses some parts with lxml,
    whose own guard refuses the bomb first (entity amplification limit).
    """
    import defusedxml

    assert openpyxl.DEFUSEDXML is True
    errors: tuple[type[BaseException], ...] = (ValueError,)
    try:
        from lxml import etree

        errors = (ValueError, etree.XMLSyntaxError)
    except ImportError:
        pass
    with pytest.raises(errors) as excinfo:
        openpyxl.load_workbook(corpus["bomb-workbook"])
    refused = excinfo.value
    assert isinstance(refused.__cause__, defusedxml.DefusedXmlException) or (
        "amplification" in str(refused) or "entity" in str(refused).lower()
    )
