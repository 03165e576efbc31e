"""Issue 15: French typography in every text the tool writes, correct plurals, no stray hints.

The scan runs what a volunteer sees: every finding of a workbook full of mistakes,
every rule's label, reason and talking points, every command's output, help and
error messages, and the generated sheets. A plain space before ``: ; ? !`` or inside
« » is a failure (French wants a no-break space there, U+00A0).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cbpt_sheets import operations
from cbpt_sheets.cli import cli
from cbpt_sheets.core.checks.findings import FINDINGS
from cbpt_sheets.core.french import NBSP, has_loose_space, typo
from cbpt_sheets.core.models import Workbook
from cbpt_sheets.core.rules import next_actions
from cbpt_sheets.render.controls import controls_grid
from tests.test_contract import SCENARIOS

T = "2026-12-01"
LOOSE = re.compile(r"[^\s\u00a0] [:;?!]|« | »")


def loose(texts: Iterable[Any]) -> list[str]:
    """The texts with an ordinary space where French typography wants a no-break one."""
    return [t for t in texts if isinstance(t, str) and has_loose_space(t)]


def test_typo_puts_no_break_spaces_and_only_there() -> None:
    assert typo("Appels!F12 : « 5/11 » ; vraiment ? oui !") == (
        "Appels!F12\u00a0: «\u00a05/11\u00a0»\u00a0; vraiment\u00a0? oui\u00a0!"
    )
    assert typo("https://cbpt-paris.org, 14h30, x:y") == "https://cbpt-paris.org, 14h30, x:y"
    assert typo(typo("a : b")) == typo("a : b") == f"a{NBSP}: b"
    assert not has_loose_space(typo("Vouliez-vous dire « X » ?"))


def test_every_finding_template_is_declared_once_and_filled_with_typography() -> None:
    """The messages reach the report through the engine, which applies the typography."""
    checked = 0
    for kind in FINDINGS.values():
        for template in (kind.template, *kind.variants.values()):
            fields = {name: "X" for name in re.findall(r"{(\w+)", template)}
            assert not loose([typo(template.format(**fields))])
            checked += 1
    assert checked >= 40


@pytest.fixture
def messy(make_workbook: Callable[..., Path]) -> Path:
    """A workbook with the mistakes volunteers make: every kind of finding we can provoke."""
    return make_workbook(
        "messy.xlsx",
        organisations=[
            {"ID": "ORG-1", "Nom": "Hôpital Necker", "Type": "hopital", "Standard": "0144494000",
             "Code postal": "7515", "Email interlocuteur": "pas un mail", "Suivi": "actif"},
            {"ID": "ORG-1", "Nom": "Hôpital Necker", "Standard": "01 44 49 40 00"},
            {"Nom": "Mairie du 15e", "Standard": "01 55 76 75 15", "Bénévole": "Inconnu"},
        ],
        calls=[
            {"Date": "5/11", "Organisation": "Hopital Neker", "Résultat": "Messagerie"},
            {"Date": "32/13/2026", "Organisation": "Mairie du 15e", "Résultat": "Pas répondu"},
            {"Date": dt.date(2026, 12, 20), "Organisation": "Inconnue", "Résultat": "Occupé"},
            {"Date": dt.date(2026, 11, 2), "Organisation": "Mairie du 15e",
             "Résultat": "Refus d'être recontacté"},
            {"Date": dt.date(2026, 11, 3), "Organisation": "Mairie du 15e",
             "Résultat": "Pas de réponse", "Heure": "25h"},
        ],
        appointments=[
            {"Date": "lundi 7 déc", "Organisation": "Mairie du 15e", "Statut": "Réalisé"},
        ],
    )  # fmt: skip


def test_every_finding_of_a_messy_workbook_has_french_typography(messy: Path) -> None:
    report = operations.check_workbook(operations.open_file(messy), dt.date(2026, 12, 1)).report
    assert len({f.code for f in report.findings}) >= 8
    assert not loose(f.message for f in report.findings)
    grid = controls_grid(report, dt.date(2026, 12, 1))
    texts = [grid.rows[0][0]] + [row[6] for row in grid.rows[2:] if len(row) > 6]
    assert not loose(texts)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_rule_label_reason_and_talking_point(lang: str) -> None:
    for rule, (org, calls, apps) in SCENARIOS.items():
        book = Workbook(organisations=[org], contacts=calls, appointments=apps, lang=lang)
        (action,) = next_actions(book, dt.date(2026, 12, 1))
        texts = [action.label, action.reason, *action.talking_points]
        assert not loose(texts), rule
        if lang == "en":  # English: no space at all before a colon
            assert not [t for t in texts if " :" in t or NBSP in t], rule


def _run(*args: Any) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout + result.stderr


COMMANDS = ["check", "next", "followup", "brief", "new", "demo", "addin"]


def test_every_help_is_french_without_click_range_hints() -> None:
    outputs = [_run("--help")[1]]
    outputs += [_run(command, "--help")[1] for command in COMMANDS]
    outputs += [_run("addin", sub, "--help")[1] for sub in ("build", "install")]
    for text in outputs:
        assert "Utilisation" in text
        assert "[x>=0]" not in text and "x>=" not in text
        assert not loose(text.splitlines()), text


def test_every_command_message_has_french_typography(
    example_path: Path, messy: Path, tmp_path: Path
) -> None:
    fixed = tmp_path / "a-corriger.xlsx"
    shutil.copy(messy, fixed)
    runs = [
        ("check", example_path, "--today", T),
        ("check", messy, "--today", T),
        ("check", fixed, "--today", T, "--fix"),
        ("next", example_path, "--today", T),
        ("next", messy, "--today", T),
        ("followup", example_path, "--today", T),
        ("followup", example_path, "--today", T, "--days", 0, "--volunteer", "Personne"),
        ("brief", example_path, "Lumière Conseil", "--today", T),
        ("brief", example_path, "Lumiere Conseill", "--today", T),
        ("brief", messy, "Mairie du 15e", "--today", T),
        ("next", tmp_path / "absent.xlsx"),
        ("next", example_path, "--today", "demain"),
        ("followup", example_path, "--days", -1),
        ("followup", example_path, "--days", "sept"),
        ("followup", example_path, "--format", "xlsx"),
        ("nimporte",),
    ]
    for args in runs:
        _code, text = _run(*args)
        assert not loose(text.splitlines()), (args, [t for t in loose(text.splitlines())])


def test_the_generated_sheets_have_french_typography(example_path: Path) -> None:
    day = dt.date(2026, 12, 1)
    follow = operations.followup_list(operations.open_file(example_path), day)
    brief = operations.call_brief(operations.open_file(example_path), "Lumière Conseil", day)
    cells = [c for grid in (follow.grid, brief.grid) for row in grid.rows for c in row]
    assert not loose(cells)


@pytest.mark.parametrize(
    ("days", "said"),
    [(0, "échéances du jour"), (1, "échéances à 1 jour"), (7, "échéances à 7 jours")],
)
def test_the_horizon_is_said_with_correct_plurals(days: int, said: str) -> None:
    assert operations.FollowUpFilters(days=days).subtitle == said


def test_nothing_to_do_has_no_box_to_tick(example_path: Path) -> None:
    result = operations.followup_list(operations.open_file(example_path), dt.date(2026, 12, 1))
    rows = [r for r in result.grid.rows if len(r) > 3 and isinstance(r[3], str)]
    later = [r for r in rows if r[3].startswith("Rien à faire pour l'instant")]
    assert later, "the example has an organisation to recontact later"
    assert all(r[0] == "" for r in later)
    assert all(r[0] == "☐" for r in rows if r[3] != "Action" and r not in later)
