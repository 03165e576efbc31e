"""The next, followup and brief commands: JSON shapes, CSV, xlsx, write-back and its idempotence."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets.cli import cli
from cbpt_sheets.core.rules import next_actions
from cbpt_sheets.ooxml.reader import read_workbook
from tests.conftest import require_soffice

ACTION_KEYS = [
    "organisation", "id", "row", "stage", "action", "label", "due", "reason", "volunteer",
    "library", "contact", "phone", "email", "talking_points", "gdpr", "blocked_by",
]  # fmt: skip
ITEM_KEYS = [
    "bucket", "category", "due", "organisation", "action", "label", "volunteer", "library",
    "contact", "phone", "email",
]  # fmt: skip


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def small(make_workbook: Callable[..., Path]) -> Path:
    """Three organisations, one with a name that a spreadsheet could take for a formula."""
    return make_workbook(
        organisations=[
            {"Nom": "Hôpital Necker", "Type": "Établissement de santé", "Standard": "01 44 49 38 00",
             "Responsable": "M. Martin", "Domaine d'activité": "Hôpital", "Effectifs": 3000,
             "Objectif": "Faire connaître la bibliothèque", "Bénévole": "Claire Martin",
             "Bibliothèque": "Paris 15", "ID": "ORG-0004"},
            {"Nom": "-Crèche des Lilas", "Bénévole": "Jacques Lefèvre"},
            {"Nom": "@Club", "Standard": "01 45 00 00 00"},
        ],
        calls=[
            {"Date": dt.date(2026, 11, 28), "Organisation": "hopital necker",
             "Résultat": "Responsable absent – rappel convenu", "Interlocuteur": "Mme Durand",
             "Fonction": "cadre de santé", "Téléphone obtenu": "01 44 49 40 00",
             "Rappeler le": dt.date(2026, 12, 3), "Créneau de rappel": "mardi matin"},
        ],
    )  # fmt: skip


def test_next_json_has_exactly_the_documented_shape(small: Path, today: dt.date) -> None:
    result = run("next", small, "--today", today.isoformat(), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert list(doc) == ["today", "actions", "unmatched"] and doc["today"] == "2026-12-01"
    assert [list(a) for a in doc["actions"]] == [ACTION_KEYS] * 3
    necker = doc["actions"][0]
    assert (
        necker["label"]
        == "Rappeler le 03/12/2026, mardi matin, au 01 44 49 40 00 et demander à parler à "
        "M. Martin, rappel convenu avec Mme Durand (cadre de santé)"
    )
    assert (necker["stage"], necker["action"], necker["due"]) == (
        "finding-contact",
        "call-contact",
        "2026-12-03",
    )
    assert necker["reason"] == "Appel du 28/11/2026\u00a0: Responsable absent – rappel convenu"


def test_followup_json_shape_and_filters(small: Path) -> None:
    result = run(
        "followup",
        small,
        "--today",
        "01/12/2026",
        "--format",
        "json",
        "--volunteer",
        "claire martin",
    )
    doc = json.loads(result.output)
    assert list(doc) == ["today", "items", "unmatched"]
    assert [list(i) for i in doc["items"]] == [ITEM_KEYS]
    assert doc["items"][0]["bucket"] == "this-week" and doc["items"][0]["category"] == "call"


def test_followup_text_is_grouped_by_bucket(small: Path) -> None:
    result = run("followup", small, "--today", "2026-12-01")
    assert result.exit_code == 0
    assert "Aujourd'hui (2)" in result.output and "Cette semaine (1)" in result.output
    assert result.output.index("Aujourd'hui") < result.output.index("Cette semaine")


def test_followup_csv_file_neutralises_formulas(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "suivi.csv"
    assert (
        run(
            "followup", small, "--today", "2026-12-01", "--format", "csv", "--output", out
        ).exit_code
        == 0
    )
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ITEM_KEYS
    names = [r[3] for r in rows[1:]]
    assert "'-Crèche des Lilas" in names and "'@Club" in names


def test_followup_xlsx_needs_output_and_writes_the_suivi_grid(small: Path, tmp_path: Path) -> None:
    assert run("followup", small, "--format", "xlsx").exit_code == 2
    out = tmp_path / "liste.xlsx"
    assert (
        run(
            "followup", small, "--today", "2026-12-01", "--format", "xlsx", "--output", out
        ).exit_code
        == 0
    )
    ws = openpyxl.load_workbook(out)["Suivi"]
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    assert values[0][0] == "Liste de suivi au 01/12/2026"
    assert list(values[2][:3]) == [
        "À faire",
        "Échéance",
        "Organisation",
    ]  # one header row, under the title


def _actions_without_ids(path: Path, today: dt.date) -> list[dict[str, Any]]:
    return [a.model_dump(exclude={"id"}) for a in next_actions(read_workbook(path), today)]


def test_next_write_fills_computed_columns_and_ids_then_changes_nothing(
    small: Path, today: dt.date
) -> None:
    before = _actions_without_ids(small, today)
    assert run("next", small, "--today", "2026-12-01", "--write").exit_code == 0
    assert _actions_without_ids(small, today) == before
    ws = openpyxl.load_workbook(small)["Organisations"]
    headers = [c.value for c in ws[1]]
    row2 = dict(zip(headers, [c.value for c in ws[2]], strict=False))
    assert row2["Étape"] == "Recherche du bon interlocuteur (étape 3)"
    assert row2["Prochaine action"].endswith("rappel convenu avec Mme Durand (cadre de santé)")
    assert row2["Échéance"].date() == dt.date(2026, 12, 3)
    assert row2["Motif"] == "Appel du 28/11/2026\u00a0: Responsable absent – rappel convenu"
    ids = [ws.cell(row=r, column=headers.index("ID") + 1).value for r in (2, 3, 4)]
    assert ids == ["ORG-0004", "ORG-0005", "ORG-0006"]
    content = small.read_bytes()
    result = run("next", small, "--today", "2026-12-01", "--write")
    assert "déjà à jour" in result.output
    assert small.read_bytes() == content


def test_followup_and_brief_write_twice_change_nothing_the_second_time(small: Path) -> None:
    assert run("followup", small, "--today", "2026-12-01", "--write").exit_code == 0
    content = small.read_bytes()
    assert run("followup", small, "--today", "2026-12-01", "--write").exit_code == 0
    assert small.read_bytes() == content
    ws = openpyxl.load_workbook(small)["Suivi"]
    assert ws["A1"].value == "Liste de suivi au 01/12/2026"
    assert run("brief", small, "ORG-0004", "--today", "2026-12-01", "--write").exit_code == 0
    content = small.read_bytes()
    assert run("brief", small, "hôpital NECKER", "--today", "2026-12-01", "--write").exit_code == 0
    assert small.read_bytes() == content
    assert (
        openpyxl.load_workbook(small)["Fiche"]["A1"].value
        == "Fiche d'appel\u00a0: Hôpital Necker (ORG-0004)"
    )


def test_brief_unknown_organisation_is_a_usage_error(small: Path) -> None:
    result = CliRunner().invoke(cli, ["brief", str(small), "Hopital Neker"])
    assert result.exit_code == 2
    assert "Vouliez-vous dire\u00a0: «\u00a0Hôpital Necker\u00a0»" in result.output


def test_example_workbook_every_organisation_has_an_action(
    example_path: Path, today: dt.date
) -> None:
    book = read_workbook(example_path)
    actions = next_actions(book, today)
    assert len(actions) == len(book.organisations)
    result = run("next", example_path, "--today", today.isoformat())
    assert result.exit_code == 0 and "En retard" in result.output


@pytest.mark.libreoffice
def test_libreoffice_opens_the_written_workbook_and_the_csv(small: Path, tmp_path: Path) -> None:
    binary = require_soffice()
    run("next", small, "--today", "2026-12-01", "--write")
    run("followup", small, "--today", "2026-12-01", "--write")
    csv_path = tmp_path / "suivi.csv"
    run("followup", small, "--today", "2026-12-01", "--format", "csv", "--output", csv_path)
    outdir = tmp_path / "lo"
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        for source, extra in ((small, []), (csv_path, ["--infilter=CSV:59,34,76"])):
            subprocess.run(
                [binary, f"-env:UserInstallation=file://{profile}", "--headless", *extra,
                 "--convert-to", "xlsx", "--outdir", str(outdir), str(source)],
                check=True, capture_output=True, timeout=180,
            )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    reopened = openpyxl.load_workbook(outdir / small.name)
    assert reopened["Organisations"]["A1"].value is not None
    sheet = openpyxl.load_workbook(outdir / "suivi.xlsx").active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header == ITEM_KEYS


def test_progress_shows_only_on_a_terminal_for_big_text_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cbpt_sheets import cli as cli_module

    big = tmp_path / "gros.xlsx"
    big.write_bytes(b"x" * cli_module.BIG_FILE_BYTES)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with cli_module.progress(big, "text"):
        pass
    assert "Lecture et calcul de «\u00a0gros.xlsx\u00a0» (1,0 Mo)…" in capsys.readouterr().err
    with cli_module.progress(big, "json"):
        pass
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with cli_module.progress(big, "text"):
        pass
    assert capsys.readouterr().err == ""


def test_a_recontact_date_that_has_passed_says_to_recontact(make_workbook: Any) -> None:
    """Rule 29 once its wait is over: an overdue action that says what to do, not
    « Rien à faire pour l'instant » (volunteer report)."""
    import datetime as dt
    import json

    from click.testing import CliRunner

    from cbpt_sheets.cli import cli

    path = make_workbook(
        organisations=[{"Nom": "Crèche Les Petits Loups", "Standard": "01 45 00 00 09"}],
        calls=[
            {
                "Date": dt.date(2023, 3, 10),
                "Organisation": "Crèche Les Petits Loups",
                "Résultat": "Entretien – pas intéressé",
            }
        ],
    )
    out = CliRunner().invoke(cli, ["next", str(path), "--today", "2026-12-01", "--format", "json"])
    (action,) = json.loads(out.stdout)["actions"]
    assert action["action"] == "recontact-later" and action["stage"] == "closed"
    assert action["label"].startswith("Recontacter au 01 45 00 00 09")
    assert "Rien à faire" not in action["label"] and "10/03/2023" in action["label"]
