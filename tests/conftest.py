"""Shared fixtures: a fixed today, the example workbook, and workbooks built from rows."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cbpt_sheets.core.schema import DATA_SHEETS
from cbpt_sheets.ooxml import template

TODAY = dt.date(2026, 12, 1)  # a Tuesday; 2026-12-25 is a public holiday
# The tests pin --today on TODAY: no "far from the real date" warning on stderr when the
# suite runs in a later year (tests/test_volunteers_input.py checks the warning itself).
os.environ.setdefault("CBPT_SHEETS_TODAY_FAR_OK", "1")


@pytest.fixture
def today() -> dt.date:
    return TODAY


@pytest.fixture
def example_path(tmp_path: Path) -> Path:
    """The example workbook (French), dated relative to TODAY."""
    return template.create_workbook(tmp_path / "exemple.xlsx", example=True, today=TODAY)


@pytest.fixture
def example_path_en(tmp_path: Path) -> Path:
    """The example workbook in English."""
    return template.create_workbook(tmp_path / "example.xlsx", lang="en", example=True, today=TODAY)


def _by_header(sheet_key: str, row: dict[str, Any], lang: str) -> dict[str, Any]:
    """Rows keyed by French (or English) headers to rows keyed by column key, labels kept as typed."""
    sheet = next(s for s in DATA_SHEETS if s.key == sheet_key)
    out: dict[str, Any] = {}
    for header, value in row.items():
        column = next((c for c in sheet.columns if header in (c.fr, c.en, c.key)), None)
        if column is None:
            raise KeyError(f"unknown header {header!r} on {sheet_key}")
        out[column.key] = value
    return out


def build_workbook(
    path: Path,
    organisations: list[dict[str, Any]] | None = None,
    calls: list[dict[str, Any]] | None = None,
    appointments: list[dict[str, Any]] | None = None,
    lang: str = "fr",
    volunteers: tuple[str, ...] = ("Claire Martin", "Jacques Lefèvre"),
    libraries: tuple[str, ...] = ("Paris 15", "Paris 14"),
) -> Path:
    """A template workbook whose data rows are given by header (values written as typed).

    List values are written exactly as given (a label, or a misspelling to test the checks).
    """
    rows = {
        "organisations": [_by_header("organisations", r, lang) for r in organisations or []],
        "calls": [_by_header("calls", r, lang) for r in calls or []],
        "appointments": [_by_header("appointments", r, lang) for r in appointments or []],
    }
    wb = template.build(lang, rows, volunteers, libraries, codes=False)
    wb.save(path)
    return path


@pytest.fixture
def make_workbook(tmp_path: Path) -> Callable[..., Path]:
    """Build a workbook in tmp_path from rows keyed by header: make_workbook(organisations=[...])."""

    def make(name: str = "classeur.xlsx", **kwargs: Any) -> Path:
        return build_workbook(tmp_path / name, **kwargs)

    return make


def soffice() -> str | None:
    """The LibreOffice binary, or None (then tests skip, except in CI where they fail)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """soffice or skip; in CI (CI set) a missing LibreOffice is a failure, not a skip."""
    binary = soffice()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice not installed")
    return binary


def convert_to_pdf(path: Path, outdir: Path) -> Path:
    """Convert a workbook to PDF with LibreOffice, in its own profile; returns the PDF path."""
    binary = require_soffice()
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(outdir), str(path)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = outdir / (path.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice wrote no PDF for {path.name}"
    return pdf


def pdf_pages(pdf: Path) -> int:
    """The number of pages of a PDF (pdfinfo from poppler-utils, else a byte count)."""
    if shutil.which("pdfinfo"):
        out = subprocess.run(
            ["pdfinfo", str(pdf)], check=True, capture_output=True, text=True
        ).stdout
        for line in out.splitlines():
            if line.startswith("Pages:"):
                return int(line.split()[1])
    return pdf.read_bytes().count(b"/Type /Page") - pdf.read_bytes().count(b"/Type /Pages")
