"""Issue 15: an English workbook gets English computed texts, generated sheets and labels.

The language is the workbook's (its sheet names, ``RawWorkbook.lang``), carried by
``Workbook.lang`` down to the rules, the brief and the generated sheets; each text is
declared once with its French and English (``core/texts.py``, ``codes.STAGE_NAMES``,
``followup.BUCKET_NAMES``, the rules' labels side by side).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets import operations
from cbpt_sheets.cli import cli
from cbpt_sheets.core import texts
from cbpt_sheets.core.brief import ASSET_TEXTS
from cbpt_sheets.core.codes import STAGE_NAMES, STAGES
from cbpt_sheets.core.followup import BUCKET_NAMES, CATEGORY_NAMES
from cbpt_sheets.core.models import Workbook
from cbpt_sheets.core.rules import next_actions
from tests.test_contract import SCENARIOS

DAY = dt.date(2026, 12, 1)
# Words that only a French text has (the example's names and notes are left aside).
FRENCH = re.compile(
    r"\b(Appel du|Rappeler|Appeler|Envoyer|Préparer|Saisir|Trouver|Chercher|Compléter|Organiser|"
    r"Aucune action|Rien à faire|d'ici le|rendez-vous|Entretien|Responsable absent|Pas de réponse|"
    r"Recherche du bon|Premier appel|En retard|Cochez|Liste de suivi|Fiche d'appel|Quoi dire|"
    r"Nos atouts|Prochaine action|Motif|Échéance)\b"
)


def _all_texts() -> list[texts.Text]:
    found = [v for cls in (texts.Talk, texts.Sheets) for v in vars(cls).values()]
    found += [h for h in texts.Sheets.FOLLOWUP_HEADERS]
    found += list(STAGE_NAMES.values()) + list(BUCKET_NAMES.values())
    found += list(CATEGORY_NAMES.values()) + list(ASSET_TEXTS)
    return [t for t in found if isinstance(t, texts.Text)]


def test_every_text_has_its_french_and_english_with_the_same_fields() -> None:
    table = _all_texts()
    assert len(table) > 60
    for text in table:
        assert text.fr.strip() and text.en.strip()
        assert re.findall(r"{(\w+)}", text.fr) == re.findall(r"{(\w+)}", text.en), text
        assert "«" not in text.en and " :" not in text.en, text
    assert {code: name.fr for code, name in STAGE_NAMES.items()} == STAGES  # one source


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
def test_each_rule_writes_english_in_an_english_workbook(rule: int) -> None:
    org, calls, apps = SCENARIOS[rule]
    fr = next_actions(Workbook(organisations=[org], contacts=calls, appointments=apps), DAY)[0]
    book = Workbook(organisations=[org], contacts=calls, appointments=apps, lang="en")
    (en,) = next_actions(book, DAY)
    assert (en.rule, en.stage, en.action, en.due) == (fr.rule, fr.stage, fr.action, fr.due)
    for text in (en.label, en.reason, *en.talking_points):
        assert not FRENCH.search(text), (rule, text)
    assert len(en.talking_points) == len(fr.talking_points)


def test_the_head_absent_label_in_english() -> None:
    org, calls, apps = SCENARIOS[20]
    book = Workbook(organisations=[org], contacts=calls, appointments=apps, lang="en")
    (action,) = next_actions(book, DAY)
    assert action.label.startswith("Call back on ")
    assert "and ask for M. Martin" in action.label
    assert action.label.endswith("call-back agreed with Mme Durand")
    assert action.reason == "Call of 20/11/2026: Head absent – call back agreed"


def test_an_english_workbook_gets_english_columns_and_sheets(example_path_en: Path) -> None:
    runner = CliRunner()
    for args in (
        ["next", str(example_path_en), "--today", "2026-12-01", "--write"],
        ["followup", str(example_path_en), "--today", "2026-12-01", "--write"],
        ["brief", str(example_path_en), "Lumière Conseil", "--today", "2026-12-01", "--write"],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(example_path_en)
    assert {"Follow-up", "Brief"} <= set(wb.sheetnames)
    assert not {"Suivi", "Fiche"} & set(wb.sheetnames)
    ws = wb["Organisations"]
    headers = [c.value for c in ws[1]]
    computed = [headers.index(h) for h in ("Stage", "Next action", "Reason")]
    stages = {name.en for name in STAGE_NAMES.values()}
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows
    for row in rows:
        stage, label, reason = (row[i] for i in computed)
        assert stage in stages
        assert not FRENCH.search(label), label
        assert not FRENCH.search(reason), reason
    follow = [c for row in wb["Follow-up"].iter_rows(values_only=True) for c in row if c]
    assert follow[0] == "Follow-up list on 01/12/2026"
    assert "To do" in follow and "Overdue (12)" in follow
    brief = [c for row in wb["Brief"].iter_rows(values_only=True) for c in row if c]
    assert brief[0] == "Call brief: Lumière Conseil (ORG-0008)"
    for title in ("Next action", "Contact history", "What to say", "Our strengths"):
        assert title in brief
    assert "Company / works council" in brief  # list values in the workbook's language


def test_a_french_workbook_is_unchanged_in_french(example_path: Path) -> None:
    result = operations.followup_list(operations.open_file(example_path), DAY)
    assert result.sheet == "Suivi"
    assert result.grid.rows[0][0] == "Liste de suivi au 01/12/2026"
    brief = operations.call_brief(operations.open_file(example_path), "Lumière Conseil", DAY)
    assert brief.sheet == "Fiche"
    assert brief.grid.rows[0][0].startswith("Fiche d'appel\u00a0: Lumière Conseil")


def test_the_example_in_both_languages_has_no_finding(
    example_path: Path, example_path_en: Path
) -> None:
    for path in (example_path, example_path_en):
        assert operations.check_workbook(operations.open_file(path), DAY).report.findings == []
