"""The binding contract of the design (docs/design), read from the design files themselves.

Every finding code, stage, action code, category, bucket, list entry, JSON key and
CLI option written in the design must be known to the code, and the worked examples
of the design must come out as written. The second-generation items not built yet
are listed in ``PENDING`` with the issue that builds them: each test fails when one
of them turns out to exist, so that the list shrinks as the issues land.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets.cli import cli
from cbpt_sheets.core import checks
from cbpt_sheets.core.checks.findings import FINDINGS
from cbpt_sheets.core.followup import BUCKETS, CATEGORIES
from cbpt_sheets.core.models import (
    Appointment,
    Contact,
    Finding,
    NextAction,
    Organisation,
    Workbook,
)
from cbpt_sheets.core.rules import STAGES, next_actions
from cbpt_sheets.core.schema import LISTS
from cbpt_sheets.ooxml.reader import read_raw
from cbpt_sheets.render.checks import finding_line

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "docs" / "design"  # the project's copy of the design contract
SHARED_DESIGN = ROOT.parent / "shared" / "design"  # the team's, when it is beside the project
PACKAGE = ROOT / "cbpt_sheets"

PENDING: dict[str, int] = {
    # commands and options of interfaces.md, second generation
    # finding codes of checks.md, second generation (declared in findings.py, not emitted)
}
"""Second-generation items of the design not built yet -> the issue that builds them."""
T = dt.date(2026, 12, 1)  # a Tuesday
D = dt.date


def design(name: str) -> str:
    return (DESIGN / name).read_text(encoding="utf-8")


def table_rows(text: str, first_header: str) -> list[list[str]]:
    """The body rows of every markdown table whose first header cell is ``first_header``.

    A pipe escaped in a cell (``text\\|json``) stays in the cell, unescaped.
    """
    rows: list[list[str]] = []
    inside = False
    for line in text.splitlines():
        if not line.startswith("|"):
            inside = False
            continue
        body = line.strip().strip("|")
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]
        if cells[0] == first_header:
            inside = True
            continue
        if inside and not set(cells[0]) <= {"-"}:
            rows.append(cells)
    return rows


def json_block(text: str) -> Any:
    return json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])


def run(*args: Any) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args])


# ---------------------------------------------------------------- checks.md


def test_every_finding_code_of_checks_md_is_declared_with_its_severity() -> None:
    rows = table_rows(design("checks.md"), "code")
    assert {r[0]: r[1] for r in rows} == checks.FINDING_CODES
    assert {code: kind.severity for code, kind in FINDINGS.items()} == checks.FINDING_CODES
    # the one finding whose severity depends on the case, as checks.md says
    assert FINDINGS["invalid-postcode"].severity_of("lost-zero") == "warning"


def _emitted_codes() -> set[str]:
    """The finding codes some check of the package emits (``run.add("code"``, ``code="code"``)."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "findings.py":
            continue  # the declarations
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'\.add\(\s*"([a-z-]+)"', text))
        found.update(re.findall(r'\bcode="([a-z-]+)"', text))
    return found


def test_every_declared_finding_is_emitted_unless_pending() -> None:
    emitted = _emitted_codes()
    assert emitted <= set(FINDINGS), emitted - set(FINDINGS)
    built = {code: PENDING[code] for code in emitted if code in PENDING}
    assert not built, f"built now: remove them from PENDING {built}"
    assert set(FINDINGS) - emitted == {code for code in PENDING if code in FINDINGS}


def test_every_message_template_fills_with_the_fields_its_checks_give() -> None:
    """A template's fields are plain names; each variant is a full sentence ending the French way."""
    for kind in FINDINGS.values():
        for template in (kind.template, *kind.variants.values()):
            assert template.rstrip().endswith((".", "?", "}")), (kind.code, template)
            fields = set(re.findall(r"{(\w+)}", template))
            assert template.format(**dict.fromkeys(fields, "X")).count("{") == 0
        assert set(kind.variant_severity) <= set(kind.variants), kind.code


def test_check_json_has_the_keys_of_checks_md(make_workbook: Callable[..., Path]) -> None:
    example = json_block(design("checks.md"))
    path = make_workbook(
        "suivi.xlsx",
        organisations=[{"Nom": "Hôpital Necker", "Standard": "01 44 49 40 00"}],
        calls=[
            {"Date": D(2026, 11, 20), "Organisation": "Hôpital Necker", "Résultat": "Pas de rep"}
        ],
    )
    result = run("check", path, "--today", T, "--format", "json")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == list(example)
    assert list(doc["counts"]) == list(example["counts"])
    finding = next(f for f in doc["findings"] if f["code"] == "not-in-list")
    assert list(finding) == list(example["findings"][0])
    assert (finding["sheet"], finding["column"], finding["suggestion"]) == (
        "Appels",
        "Résultat",
        "Pas de réponse",
    )
    assert finding["cell"] == f"{finding['cell'][0]}{finding['row']}" and finding["row"] == 2


def test_text_line_without_a_cell_has_no_dangling_colon() -> None:
    finding = Finding(code="missing-sheet", severity="error", sheet="Rendez-vous", message="M.")
    assert finding_line(finding) == "Rendez-vous  erreur  missing-sheet  M."


def test_no_meeting_missing_when_the_appointments_sheet_is_absent(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(
        organisations=[{"Nom": "Hôpital Necker", "Standard": "01 44 49 40 00"}],
        calls=[
            {"Date": D(2026, 11, 20), "Organisation": "Hôpital Necker",
             "Résultat": "Entretien – RDV fixé", "Connaît CBPT": "Oui"},
        ],
    )  # fmt: skip
    book = openpyxl.load_workbook(path)
    del book["Rendez-vous"]
    book.save(path)
    codes = [f.code for f in checks.check_raw(read_raw(path), T).findings]
    assert "missing-sheet" in codes
    assert "meeting-missing" not in codes


# ---------------------------------------------------------------- next-actions.md


def org(**kw: Any) -> Organisation:
    base: dict[str, Any] = {
        "row": 2, "name": "Hôpital Necker", "type": "sante", "activity": "Hôpital",
        "staff": 3000, "switchboard": "01 44 49 40 00", "head": "M. Martin",
        "objective": "Faire connaître la bibliothèque",
    }  # fmt: skip
    return Organisation(**{**base, **kw})


def call(day: dt.date, outcome: str, row: int = 2, **kw: Any) -> Contact:
    return Contact(row=row, date=day, organisation="Hôpital Necker", outcome=outcome, **kw)


def meeting(day: dt.date, status: str, result: str | None = None) -> Appointment:
    return Appointment(
        row=2, organisation="Hôpital Necker", date=day, status=status, result=result, place="theirs"
    )


L = D(2026, 11, 20)
SCENARIOS: dict[int, tuple[Organisation, list[Contact], list[Appointment]]] = {
    1: (org(tracking="opposition"), [], []),
    2: (org(tracking="clos"), [], []),
    3: (org(tracking="pause"), [], []),
    4: (org(), [], [meeting(D(2026, 12, 10), "proposed")]),
    5: (org(), [], [meeting(D(2026, 12, 10), "confirmed")]),
    6: (org(), [], [meeting(L, "confirmed")]),
    7: (org(), [], [meeting(L, "held")]),
    8: (org(), [], [meeting(L, "held", "event")]),
    9: (org(), [], [meeting(L, "held", "convention")]),
    10: (org(), [], [meeting(L, "held", "follow-up")]),
    11: (org(), [], [meeting(L, "held", "deposit")]),
    12: (org(), [], [meeting(L, "held", "none")]),
    13: (org(), [], [meeting(L, "cancelled")]),
    14: (org(switchboard=None), [], []),
    15: (org(objective=None), [], []),
    16: (org(), [], []),
    17: (org(), [call(L, "no-answer")], []),
    18: (org(), [call(L, "no-answer", row=r) for r in (2, 3, 4)], []),
    19: (org(), [call(L, "wrong-number")], []),
    20: (org(), [call(L, "head-absent-callback", contact="Mme Durand")], []),
    21: (org(), [call(L, "redirected", phone="01 44 49 40 01")], []),
    22: (org(), [call(L, "redirected", email="a@b.fr")], []),
    23: (org(), [call(L, "redirected", department="RH")], []),
    24: (org(), [call(L, "no-redirection")], []),
    25: (org(), [call(L, "letter-sent")], []),
    26: (org(), [call(L, "meeting-set")], []),
    27: (org(), [call(L, "call-back")], []),
    28: (org(), [call(L, "send-info", email="a@b.fr")], []),
    29: (org(), [call(L, "not-interested")], []),
}


def decide(
    organisation: Organisation, contacts: list[Contact], apps: list[Appointment]
) -> NextAction:
    book = Workbook(organisations=[organisation], contacts=contacts, appointments=apps)
    (action,) = next_actions(book, T)
    return action


def test_stages_are_those_of_next_actions_md() -> None:
    rows = table_rows(design("next-actions.md"), "code")
    stages = {r[0]: r[1] for r in rows if len(r) == 2}
    # second generation, rule 1b: Stage `to-correct` ("À corriger")
    assert 'Stage `to-correct` ("À corriger")' in design("next-actions.md")
    stages["to-correct"] = "À corriger"
    assert stages == STAGES


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
def test_each_rule_gives_the_stage_and_action_code_of_the_table(rule: int) -> None:
    table = {int(r[0]): (r[2], r[3]) for r in table_rows(design("next-actions.md"), "#")}
    assert sorted(table) == list(range(1, 30))
    action = decide(*SCENARIOS[rule])
    assert (action.rule, action.stage, action.action) == (str(rule), *table[rule])
    assert (action.due is None) == (table[rule][1] == "none")


def test_rule_11_also_by_tracking_partner() -> None:
    action = decide(org(tracking="partenaire"), [call(L, "no-answer")], [])
    assert (action.rule, action.stage, action.action, action.due) == ("11", "partner", "none", None)


def test_categories_and_buckets_are_those_of_next_actions_md() -> None:
    text = design("next-actions.md")
    paragraph = " ".join(text.split("Categories:", 1)[1].split("plus a gdpr list", 1)[0].split())
    wanted = {
        name: tuple(a.strip() for a in acts.split(","))
        for name, acts in re.findall(r"(\w+) \(([a-z, -]+)\)", paragraph)
    }
    # second generation: rule 1b, `correct-entry`, "Follow-up category: preparation"
    assert "Stage `to-correct`" in text and "Follow-up category: preparation" in text
    wanted["preparation"] = ("correct-entry", *wanted["preparation"])
    assert wanted == CATEGORIES
    rule_actions = {r[3] for r in table_rows(text, "#")} - {"none"} | {"correct-entry"}
    assert rule_actions == {a for actions in CATEGORIES.values() for a in actions}
    assert [r[0] for r in table_rows(text, "bucket")] == list(BUCKETS)


def test_contact_and_linking_follow_the_checks() -> None:
    """A punctuation variant of a Nom is linked (checks accept it), and ``contact`` is the name."""
    o = org()
    c = call(L, "head-absent-callback", contact="Mme Durand", role="cadre de santé")
    action = decide(o, [c.model_copy(update={"organisation": "Hôpital-Necker."})], [])
    assert action.rule == "20"
    assert action.contact == "Mme Durand"
    assert action.label.startswith("Rappeler le ")
    assert action.label.endswith("rappel convenu avec Mme Durand (cadre de santé)")


# ---------------------------------------------------------------- workbook.md lists

LIST_NAMES = {
    "ORG_TYPE": "Type", "YES_NO": "OuiNon", "TRACKING": "Suivi", "CHANNEL": "Canal",
    "PLACE": "Lieu", "APPOINTMENT_STATUS": "Statut", "APPOINTMENT_RESULT": "Suite",
}  # fmt: skip


def test_every_list_entry_of_workbook_md_is_in_the_schema_in_order() -> None:
    text = design("workbook.md")
    section = text.split("## Lists", 1)[1].split("\n## ", 1)[0]
    for paragraph in section.split("\n\n"):
        name = paragraph.split(":", 1)[0].strip()
        if name not in LIST_NAMES:
            continue
        flat = " ".join(paragraph.split(":", 1)[1].split())
        entries = re.findall(r'(?:([a-z][\w-]*) )?"([^"]+)" "([^"]+)"', flat)
        spec = LISTS[LIST_NAMES[name]]
        assert [(e.fr, e.en) for e in spec.entries] == [(fr, en) for _, fr, en in entries], name
        for (code, _, _), entry in zip(entries, spec.entries, strict=True):
            if code:
                assert entry.code == code, name
    outcomes = [
        (r[0], None if r[1] == "–" else r[1], r[2], r[3]) for r in table_rows(section, "code")
    ]
    assert outcomes == [(e.code, e.step, e.fr, e.en) for e in LISTS["Resultat"].entries]


# ---------------------------------------------------------------- interfaces.md


NECKER_ROWS: dict[str, Any] = {
    "organisations": [
        {"Nom": "Mairie du 15e", "Standard": "01 55 76 75 15"},
        {"Nom": "Crèche des Lilas", "Standard": "01 45 00 00 00"},
        {"ID": "ORG-0003", "Nom": "Hôpital Necker", "Type": "Établissement de santé",
         "Domaine d'activité": "Hôpital", "Effectifs": 3000, "Standard": "01 44 49 40 00",
         "Responsable": "M. Martin", "Objectif": "Faire connaître la bibliothèque",
         "Bénévole": "Claire", "Bibliothèque": "Paris 15"},
    ],
    "calls": [
        {"Date": D(2026, 11, 28), "Organisation": "Hôpital Necker",
         "Résultat": "Responsable absent – rappel convenu", "Interlocuteur": "Mme Durand",
         "Fonction": "cadre de santé", "Rappeler le": D(2026, 12, 3),
         "Créneau de rappel": "mardi matin"},
    ],
    "volunteers": ("Claire",),
    "libraries": ("Paris 15",),
}  # fmt: skip


def test_next_json_reproduces_the_example_of_interfaces_md(
    make_workbook: Callable[..., Path],
) -> None:
    example = json_block(design("interfaces.md"))
    path = make_workbook(**NECKER_ROWS)
    result = run("next", path, "--today", example["today"], "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    # second generation (next-actions.md): "unmatched" rows, and "blocked_by" on each action
    assert list(doc) == [*example, "unmatched"]
    (want,) = example["actions"]
    got = next(a for a in doc["actions"] if a["organisation"] == want["organisation"])
    assert list(got) == [*want, "blocked_by"]
    for key in want:
        if key == "label":  # second generation: rule 20 asks for the head, names who agreed
            assert got[key].startswith("Rappeler le 03/12/2026, mardi matin, au 01 44 49 40 00")
            assert got[key].endswith("rappel convenu avec Mme Durand (cadre de santé)")
        elif key != "talking_points":  # French texts: no-break spaces (issue 15)
            shown = got[key].replace("\u00a0", " ") if isinstance(got[key], str) else got[key]
            assert shown == want[key], key
    assert got["talking_points"] and all(isinstance(p, str) for p in got["talking_points"])


def test_followup_json_and_csv_have_the_keys_of_interfaces_md(
    make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    text = design("interfaces.md")
    line = " ".join(text.split("`followup --format json`:", 1)[1].split("CSV has", 1)[0].split())
    keys = re.findall(r'"(\w+)":', line)
    path = make_workbook(**NECKER_ROWS)
    doc = json.loads(run("followup", path, "--today", "01/12/2026", "--format", "json").stdout)
    assert list(doc) == [*keys[:2], "unmatched"]  # unmatched: next-actions.md, second generation
    assert doc["today"] == "2026-12-01"
    assert doc["items"] and all(list(item) == keys[2:] for item in doc["items"])
    out = tmp_path / "liste.csv"
    assert run("followup", path, "--today", T, "--format", "csv", "--output", out).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())
    assert raw.decode("utf-8-sig").splitlines()[0] == ";".join(keys[2:])


def _usages() -> list[str]:
    """Every command usage of interfaces.md (``cbpt-sheets ...``), both generations."""
    cells = [row[0] for row in table_rows(design("interfaces.md"), "command")]
    return [u.strip().strip("`") for cell in cells for u in cell.split("` / `")]


def _format_choices(command: click.Command) -> tuple[str, ...]:
    for param in command.params:
        if "--format" in param.opts and isinstance(param.type, click.Choice):
            return tuple(param.type.choices)
    return ()


def test_cli_commands_and_options_of_interfaces_md_exist_unless_pending() -> None:
    """Each command, option and output format of the design exists; a PENDING one does not yet."""
    usages = _usages()
    assert len(usages) >= 14
    for usage in usages:
        words = usage.split()
        command = words[1] if words[0] == "cbpt-sheets" else words[0]
        if command in PENDING:
            assert command not in cli.commands, f"built now: remove {command!r} from PENDING"
            continue
        target = cli.commands[command]
        if isinstance(target, click.Group):
            subcommands = {"addin": {"build", "install"}, "rgpd": {"list", "export", "erase"}}
            assert subcommands[command] <= set(target.commands)
            continue
        names = {opt for p in target.params for opt in p.opts}
        formats = _format_choices(target)
        if "--format pdf" in usage:  # the PDF outputs (issue 16): --format and --output with it
            if "--format pdf" in PENDING:
                assert "pdf" not in formats, "built now: remove '--format pdf' from PENDING"
            else:
                assert "pdf" in formats and "--output" in names, command
            continue
        for option in re.findall(r"--[a-z]+", usage):
            if f"{command} {option}" in PENDING:
                assert option not in names, f"built now: remove '{command} {option}' from PENDING"
            else:
                assert option in names, (command, option)
        for listed in re.findall(r"--format ([a-z|]+)", usage):
            assert set(listed.split("|")) <= set(formats), (command, listed)
    assert run("--version").exit_code == 0


def test_the_design_copy_is_the_shared_design() -> None:
    """docs/design is the project's copy of ../shared/design: they must not drift apart."""
    if not SHARED_DESIGN.is_dir():
        pytest.skip("../shared/design is not beside the project")
    shared = {p.relative_to(SHARED_DESIGN): p.read_bytes() for p in SHARED_DESIGN.rglob("*.md")}
    copy = {p.relative_to(DESIGN): p.read_bytes() for p in DESIGN.rglob("*.md")}
    assert sorted(map(str, shared)) == sorted(map(str, copy))
    changed = sorted(str(name) for name in shared if shared[name] != copy[name])
    assert not changed, f"docs/design differs from ../shared/design: {changed}"


def _commands() -> list[list[str]]:
    out: list[list[str]] = []
    for name, command in cli.commands.items():
        out.append([name])
        if isinstance(command, click.Group):
            out.extend([name, sub] for sub in command.commands)
    return out


@pytest.mark.parametrize("words", _commands(), ids=" ".join)
def test_every_help_is_french_with_an_example(words: list[str]) -> None:
    result = run(*words, "--help")
    assert result.exit_code == 0
    assert "Exemple" in result.stdout
    for english in ("Show this message", "Usage:", "[default:"):
        assert english not in result.stdout


# ---------------------------------------------------------------- bad input


def _no_traceback(result: Any, code: int) -> str:
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit) or result.exception is None
    assert "Traceback" not in result.output
    message: str = result.stderr
    assert message.strip() and "Erreur" in message
    return message


def test_bad_input_gives_a_french_message_and_exit_code(
    make_workbook: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_workbook(**NECKER_ROWS)
    _no_traceback(run("check", tmp_path / "absent.xlsx"), 3)
    _no_traceback(run("next", tmp_path), 3)
    assert "AAAA-MM-JJ" in _no_traceback(run("next", path, "--today", "31/02/2026"), 2)
    assert "Hôpital Necker" in _no_traceback(run("brief", path, "hopital neker"), 2)
    assert "--output" in _no_traceback(run("followup", path, "--format", "xlsx"), 2)
    usage = _no_traceback(run("check", path, "--format", "xml"), 2)
    assert "Valeur incorrecte" in usage and "Usage" not in usage

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    import tempfile  # outputs go through a temporary file in the output's folder

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    message = _no_traceback(
        run("followup", path, "--format", "csv", "--output", tmp_path / "x.csv"), 3
    )
    assert "accès refusé" in message and "Permission denied" not in message


def test_today_in_both_input_forms_gives_the_same_result(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(**NECKER_ROWS)
    iso = run("next", path, "--today", "2026-12-01", "--format", "json").stdout
    assert iso == run("next", path, "--today", "01/12/2026", "--format", "json").stdout


def test_followup_text_lists_the_organisations_to_review_for_gdpr(
    make_workbook: Callable[..., Path],
) -> None:
    rows = {**NECKER_ROWS, "calls": [{**NECKER_ROWS["calls"][0], "Date": D(2022, 11, 28),
                                      "Rappeler le": D(2022, 12, 3)}]}  # fmt: skip
    path = make_workbook(**rows)
    result = run("followup", path, "--today", T)
    assert result.exit_code == 0, result.output
    tail = result.stdout.split("Données personnelles à revoir (RGPD) (1)", 1)
    assert len(tail) == 2 and "Hôpital Necker" in tail[1]
    assert "RGPD" not in run("followup", path, "--today", D(2024, 1, 2)).stdout
