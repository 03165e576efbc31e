"""The text of a check report: one line per finding, grouped by sheet, then the summary."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

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


_PLAIN = (str, int, float, bool, type(None))
_FINDING_KEYS = ("code", "severity", "sheet", "cell", "row", "column", "value", "message", "suggestion")  # fmt: skip


def _json_value(value: object) -> object:
    """A cell value as ``Finding.model_dump(mode="json")`` gives it (dates in ISO 8601...)."""
    if type(value) in _PLAIN:
        return value
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value)


def report_json_chunks(report: Report, batch: int = 2000) -> Iterator[str]:
    """``check --format json``, compact, in pieces: the same text as ``json.dumps(report.model_dump(mode="json"))``.

    Issue 22: with 40 000 findings, dumping every Finding through pydantic and joining one
    16 MB string took about 0.6 s and the memory of both; here each finding becomes a
    plain dict (its value through pydantic only when it is not a plain JSON type) and
    the text goes out ``batch`` findings at a time. Shapes: the keys of ``Report`` and
    ``Finding`` in their declared order; the last piece ends the document (no newline).
    """
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    head = dumps({"file": report.file, "valid": report.valid, "counts": report.counts})
    yield head[:-1] + ', "findings": ['
    findings = report.findings
    for start in range(0, len(findings), batch):
        rows = []
        for f in findings[start : start + batch]:
            row = {key: getattr(f, key) for key in _FINDING_KEYS}
            row["value"] = _json_value(row["value"])
            rows.append(dumps(row))
        yield (", " if start else "") + ", ".join(rows)
    yield "]}"
