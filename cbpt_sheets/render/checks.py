"""The text of a check report: one line per finding, grouped by sheet, then the summary."""

from __future__ import annotations

import datetime as dt

from cbpt_sheets.core.checks.findings import quote
from cbpt_sheets.core.french import format_date, typo
from cbpt_sheets.core.french import plural as plural  # the CLI's counts (home: core.french)
from cbpt_sheets.core.models import Finding, Fix, Report

SEVERITY_FR: dict[str, str] = {"error": "erreur", "warning": "avertissement"}


def summary_line(report: Report, sheets: int, rows: int) -> str:
    """``2 erreurs, 5 avertissements (3 feuilles, 1 250 lignes)``."""
    return (
        f"{plural(report.counts.get('error', 0), 'erreur')}, "
        f"{plural(report.counts.get('warning', 0), 'avertissement')} "
        f"({plural(sheets, 'feuille')}, {plural(rows, 'ligne')})"
    )


def finding_line(finding: Finding) -> str:
    """One finding on one line: ``Appels!F12  erreur  not-in-list  Résultat « … » : message``."""
    where = f"{finding.sheet}!{finding.cell}" if finding.cell else finding.sheet
    shown = quote(finding.value) if finding.value is not None else None
    detail = " ".join(p for p in (finding.column, shown) if p)
    return typo(
        f"{where}  {SEVERITY_FR[finding.severity]}  {finding.code}  "
        + (f"{detail} : " if detail else "")
        + finding.message
    )


def render_text(report: Report, sheets: int, rows: int) -> str:
    """The text output of ``check``: findings grouped by sheet, then the summary line."""
    lines: list[str] = []
    current: str | None = None
    for finding in report.findings:
        if finding.sheet != current:
            if current is not None:
                lines.append("")
            current = finding.sheet
        lines.append(finding_line(finding))
    if lines:
        lines.append("")
    lines.append(summary_line(report, sheets, rows))
    return typo("\n".join(lines))


def fix_line(fix: Fix) -> str:
    """One applied fix: ``Appels!A3 : « 03/12/2026 » (texte) → 03/12/2026 (date)``.

    A text date that becomes a real date says so, rather than « 03/12/2026 » → « 03/12/2026 ».
    """
    where = f"{fix.sheet}!{fix.cell}"
    if isinstance(fix.new, dt.date) and not isinstance(fix.old, dt.date):
        return typo(f"{where} : {quote(fix.old)} (texte) → {format_date(fix.new)} (date)")
    new = format_date(fix.new) if isinstance(fix.new, dt.date) else fix.new
    return typo(f"{where} : {quote(fix.old)} → « {new} »")
