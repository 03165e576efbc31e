"""Issue 22: what makes the commands faster gives the same results as the slow way."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cbpt_sheets.core.models import Finding, Report
from cbpt_sheets.operations import check_file
from cbpt_sheets.render.checks import report_json_chunks

BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import generate  # noqa: E402


@pytest.fixture(scope="module")
def spoilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small workbook with a third of its rows spoilt: every kind of finding value."""
    scale = generate.Scale(150, 1200, 60, 4, 2, defect_rate=0.35)
    rows, volunteers, libraries = generate.generate_rows(scale, 5)
    folder = tmp_path_factory.mktemp("spoilt")
    return generate.write_workbook(folder / "spoilt.xlsx", rows, volunteers, libraries)


def test_streamed_report_is_the_models_json(spoilt: Path) -> None:
    report = check_file(spoilt, generate.TODAY)
    assert len(report.findings) > 300
    assert {type(f.value) for f in report.findings} >= {str, dt.date}
    expected = json.dumps(report.model_dump(mode="json"), ensure_ascii=False)
    assert "".join(report_json_chunks(report, batch=7)) == expected


def test_streamed_report_of_odd_values_and_no_findings() -> None:
    odd = [
        Finding(code="x", severity="error", sheet="Appels", value=v, message="m « é »")
        for v in (dt.datetime(2026, 1, 2, 3, 4), dt.time(9, 30), 1.5, True, None, "l'été")
    ]
    for findings in (odd, []):
        report = Report(file="a.xlsx", valid=not findings, counts={"error": len(findings)}, findings=findings)  # fmt: skip
        expected = json.dumps(report.model_dump(mode="json"), ensure_ascii=False)
        assert "".join(report_json_chunks(report, batch=4)) == expected


def test_check_json_from_the_command_line_is_the_models_json(spoilt: Path) -> None:
    argv = [sys.executable, "-c", "from cbpt_sheets.cli import main; main()", "check", str(spoilt),
            "--today", generate.TODAY.isoformat(), "--format", "json"]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", check=False)
    assert out.returncode == 1, out.stderr
    expected = json.dumps(check_file(spoilt, generate.TODAY).model_dump(mode="json"), ensure_ascii=False)  # fmt: skip
    assert out.stdout == expected + "\n"


def test_findings_are_built_without_validation_yet_equal_validated_ones(spoilt: Path) -> None:
    for finding in check_file(spoilt, generate.TODAY).findings[:200]:
        assert Finding.model_validate(finding.model_dump()) == finding


@pytest.mark.parametrize(
    "address",
    ["jean.dupont@", "@mairie.fr", "jean.dupont", "jean@@mairie.fr", "jean@mairie", "a@b@c.fr",
     "jean@.", "jean@..", '"a@b"@mairie.fr', "jean @mairie", "jean@mairie.fr", "élise@mairie.fr",
     "jean@[192.168.0.1]", "jean@mairie.", "jean@.fr", ""],
)  # fmt: skip
def test_plainly_not_email_only_refuses_what_email_validator_refuses(address: str) -> None:
    from email_validator import EmailNotValidError, validate_email

    from cbpt_sheets.core.checks.cells import plainly_not_email

    if plainly_not_email(address):
        with pytest.raises(EmailNotValidError):
            validate_email(address, check_deliverability=False)


def test_next_actions_built_without_validation_equal_validated_ones(spoilt: Path) -> None:
    from cbpt_sheets.core.models import NextAction
    from cbpt_sheets.operations import next_actions, open_file

    actions = next_actions(open_file(spoilt), generate.TODAY).actions
    assert len(actions) == 150 and any(a.blocked_by for a in actions)
    for action in actions:
        again = NextAction.model_validate({**action.model_dump(), "rule": action.rule})
        assert again == action
        assert again.model_dump(mode="json") == action.model_dump(mode="json")


def test_construct_is_model_construct_when_every_field_is_given() -> None:
    from cbpt_sheets.core.models import NextAction, construct

    fields = {"code": "x", "severity": "error", "sheet": "Appels", "cell": "B2", "row": 2,
              "column": "Date", "value": dt.date(2026, 1, 2), "message": "m", "suggestion": None}  # fmt: skip
    fast, slow = construct(Finding, **fields), Finding.model_construct(**fields)
    assert fast == slow and fast.model_dump(mode="json") == slow.model_dump(mode="json")
    assert fast.model_fields_set == slow.model_fields_set
    partial = construct(NextAction, organisation="A", row=2, stage="s", action="a", label="l", reason="r")  # fmt: skip
    assert partial == NextAction(organisation="A", row=2, stage="s", action="a", label="l", reason="r")  # fmt: skip
