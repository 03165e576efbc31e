"""The checks of checks.md (pure): raw rows in, findings and safe fixes out.

A bad workbook is data: every problem becomes a ``Finding`` at its cell, with a
French message saying what is wrong and how to fix it. Nothing here raises on
cell content, and nothing imports openpyxl or click.

    findings    every finding declared once: code, severity, French message template
    engine      the collector, the column view and the verdict replay the checks run on
    structure   sheets and columns
    cells       each cell against its column's type and list
    relations   across rows and sheets: duplicates, links, outcomes, GDPR

The text rendering of a report is ``cbpt_sheets.render.checks``.
"""

from __future__ import annotations

import datetime as dt

from cbpt_sheets.core.checks.cells import check_cells
from cbpt_sheets.core.checks.engine import NO_FIX, Run
from cbpt_sheets.core.checks.findings import FINDING_CODES, FINDINGS, FindingType
from cbpt_sheets.core.checks.relations import (
    check_appointments,
    check_calls,
    check_organisations,
    check_per_organisation,
    link,
    report_unknown,
)
from cbpt_sheets.core.checks.structure import check_settings, check_structure
from cbpt_sheets.core.french import plural as plural  # the front ends' counts (home: french)
from cbpt_sheets.core.models import Finding, Fix, RawWorkbook, Report
from cbpt_sheets.core.names import NameMatcher
from cbpt_sheets.core.readings import read_yearless

__all__ = [
    "FINDINGS",
    "FINDING_CODES",
    "FindingType",
    "check_raw",
    "plural",
    "report_of",
    "safe_fixes",
]


def _run(raw: RawWorkbook, today: dt.date) -> Run:
    """Every pass over the workbook, each with its rank (``phase``).

    Findings of one cell sort by rank, so the passes may run in any order.
    """
    read_yearless(raw, today)
    run = Run(raw, today)
    run.phase = 0
    check_structure(run)
    check_settings(run)
    run.phase = 2
    index = check_organisations(run)
    orgs = list({id(o): o for o in index.values()}.values())
    unknown = link(run, index)  # rank 3, reported last
    match = NameMatcher([o.name for o in orgs])
    run.phase = 1
    check_cells(run)
    run.phase = 4
    check_calls(run, orgs)
    run.phase = 5
    check_appointments(run)
    run.phase = 6
    if "organisations" in raw.sheets:
        check_per_organisation(run, orgs)
    run.phase = 3
    report_unknown(run, unknown, match)
    return run


def report_of(path: str, findings: list[Finding]) -> Report:
    """A report from findings: counts by severity, valid when there is no error."""
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    return Report(
        file=path,
        valid=errors == 0,
        counts={"error": errors, "warning": warnings},
        findings=findings,
    )


def check_raw(raw: RawWorkbook, today: dt.date) -> Report:
    """Every finding of checks.md for a raw workbook, sorted by sheet, row and column."""
    items = _run(raw, today).sorted()
    return report_of(raw.path, [item.finding for item in items])


def safe_fixes(raw: RawWorkbook, today: dt.date) -> list[Fix]:
    """The safe rewrites ``check --fix`` may apply: text dates, list spelling, phones, postcodes."""
    fixes: list[Fix] = []
    for item in _run(raw, today).sorted():
        f = item.finding
        if item.fix is NO_FIX or f.cell is None:
            continue
        fixes.append(Fix(sheet=f.sheet, cell=f.cell, old=f.value, new=item.fix))
    return fixes
