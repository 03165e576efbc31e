"""One workbook per finding code: that one defect gives exactly that code at exactly that cell."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from cbpt_sheets import check
from cbpt_sheets.core.a1 import column_letter
from cbpt_sheets.core.calendar import add_months
from cbpt_sheets.core.checks import check_raw, report_of, safe_fixes
from cbpt_sheets.core.french import plural
from cbpt_sheets.core.schema import DATA_SHEETS
from cbpt_sheets.ooxml.reader import read_raw
from cbpt_sheets.operations import load_and_check
from cbpt_sheets.render.checks import summary_line

D = dt.date
NECKER = "Hôpital Necker"
ORG: dict[str, Any] = {
    "ID": "ORG-0001",
    "Nom": NECKER,
    "Type": "Établissement de santé",
    "Domaine d'activité": "Hôpital pour enfants",
    "Adresse": "149 rue de Sèvres",
    "Code postal": "75015",
    "Ville": "Paris",
    "Effectifs": 2500,
    "Standard": "01 44 49 40 00",
    "Responsable": "M. Bernard",
    "Bibliothèque": "Paris 15",
    "Bénévole": "Claire Martin",
    "Objectif": "Une adhésion collective pour le personnel",
}
ORG2: dict[str, Any] = {
    **ORG,
    "ID": "ORG-0002",
    "Nom": "Mairie du 15e",
    "Type": "Mairie / administration",
    "Standard": "01 55 76 75 15",
}
CALL: dict[str, Any] = {
    "Date": D(2026, 11, 20),
    "Organisation": NECKER,
    "Résultat": "Pas de réponse",
}
MEETING: dict[str, Any] = {
    "Organisation": NECKER,
    "Date": D(2026, 12, 10),
    "Lieu": "Chez eux",
    "Statut": "Confirmé",
}


def cell(sheet_key: str, header: str, row: int) -> str:
    """The A1 cell of a column (by French header) on a row, from the schema's column order."""
    sheet = next(s for s in DATA_SHEETS if s.key == sheet_key)
    index = next(i for i, c in enumerate(sheet.columns) if c.fr == header)
    return f"{column_letter(index)}{row}"


def org(**changes: Any) -> dict[str, Any]:
    return {**ORG, **changes}


def call(**changes: Any) -> dict[str, Any]:
    return {**CALL, **{k.replace("_", " "): val for k, val in changes.items()}}


def _edit(path: Path, sheet: str, edits: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(path)
    for ref, value in edits.items():
        wb[sheet][ref] = value
    wb.save(path)


def _drop_sheet(path: Path, sheet: str) -> None:
    wb = openpyxl.load_workbook(path)
    del wb[sheet]
    wb.save(path)


def _drop_column(path: Path, sheet: str, header: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for c in ws[1]:
        if c.value == header:
            ws.delete_cols(c.column)
            break
    ws.tables.clear()  # the Table would still name the removed column
    wb.save(path)


# (code, rows for make_workbook, post-edit or None, expected sheet, expected cell)
Case = tuple[str, dict[str, Any], Callable[[Path], None] | None, str, str | None]
CASES: list[Case] = [
    ("missing-sheet", {"organisations": [ORG]}, lambda p: _drop_sheet(p, "Rendez-vous"), "Rendez-vous", None),
    ("missing-column", {"organisations": [ORG]}, lambda p: _drop_column(p, "Appels", "Résultat"), "Appels", None),
    ("duplicate-column", {"organisations": [ORG]}, lambda p: _edit(p, "Organisations", {"X1": "nom "}), "Organisations", "X1"),
    ("unknown-column", {"organisations": [ORG]}, lambda p: _edit(p, "Organisations", {"X1": "Commentaire"}), "Organisations", "X1"),
    ("required", {"organisations": [ORG], "calls": [call(Résultat=None)]}, None, "Appels", cell("calls", "Résultat", 2)),
    ("invalid-date", {"organisations": [ORG], "calls": [call(Date="la semaine dernière")]}, None, "Appels", cell("calls", "Date", 2)),
    ("date-as-text", {"organisations": [ORG], "calls": [call(Date="3 nov. 2026")]}, None, "Appels", cell("calls", "Date", 2)),
    ("future-date", {"organisations": [ORG], "calls": [call(Date=D(2026, 12, 5))]}, None, "Appels", cell("calls", "Date", 2)),
    ("invalid-time", {"organisations": [ORG], "calls": [call(Heure="matin")]}, None, "Appels", cell("calls", "Heure", 2)),
    ("not-in-list", {"organisations": [ORG], "calls": [call(Résultat="Pas de reponce")]}, None, "Appels", cell("calls", "Résultat", 2)),
    ("not-in-list", {"organisations": [org(Bénévole="Inconnue")]}, None, "Organisations", cell("organisations", "Bénévole", 2)),
    ("list-spelling", {"organisations": [ORG], "calls": [call(Résultat="pas de reponse")]}, None, "Appels", cell("calls", "Résultat", 2)),
    ("list-spelling", {"organisations": [org(Bibliothèque="paris 15")]}, None, "Organisations", cell("organisations", "Bibliothèque", 2)),
    ("invalid-phone", {"organisations": [org(Standard="01 44 49")]}, None, "Organisations", cell("organisations", "Standard", 2)),
    ("phone-format", {"organisations": [org(Standard="+33 1.44.49.40.00")]}, None, "Organisations", cell("organisations", "Standard", 2)),
    ("phone-format", {"organisations": [org(Standard=144494000)]}, None, "Organisations", cell("organisations", "Standard", 2)),
    ("invalid-email", {"organisations": [org(**{"Email interlocuteur": "marie.durand@"})]}, None, "Organisations", cell("organisations", "Email interlocuteur", 2)),
    ("invalid-postcode", {"organisations": [org(**{"Code postal": "75 15"})]}, None, "Organisations", cell("organisations", "Code postal", 2)),
    ("invalid-postcode", {"organisations": [org(**{"Code postal": 1000})]}, None, "Organisations", cell("organisations", "Code postal", 2)),
    ("invalid-number", {"organisations": [org(Effectifs="beaucoup")]}, None, "Organisations", cell("organisations", "Effectifs", 2)),
    ("formula-error", {"organisations": [org(Ville="#N/A")]}, None, "Organisations", cell("organisations", "Ville", 2)),
    ("duplicate-id", {"organisations": [ORG, {**ORG2, "ID": "ORG-0001"}]}, None, "Organisations", cell("organisations", "ID", 3)),
    ("duplicate-name", {"organisations": [ORG, {**ORG2, "Nom": "HOPITAL necker."}]}, None, "Organisations", cell("organisations", "Nom", 3)),
    ("possible-duplicate", {"organisations": [ORG, {**ORG2, "Standard": "01 44 49 40 00"}]}, None, "Organisations", cell("organisations", "Standard", 3)),
    ("unknown-organisation", {"organisations": [ORG], "calls": [call(Organisation="Hopital Neker")]}, None, "Appels", cell("calls", "Organisation", 2)),
    ("callback-before-call", {"organisations": [ORG], "calls": [call(**{"Rappeler le": D(2026, 11, 19)})]}, None, "Appels", cell("calls", "Rappeler le", 2)),
    ("outcome-needs-data", {"organisations": [ORG], "calls": [call(Résultat="Responsable absent – coordonnées obtenues")]}, None, "Appels", cell("calls", "Résultat", 2)),
    ("outcome-needs-data", {"organisations": [ORG], "calls": [call(Résultat="Responsable absent - rappel convenu")]}, None, "Appels", cell("calls", "Résultat", 2)),
    ("outcome-needs-data", {"organisations": [ORG], "calls": [call(Résultat="Entretien – documentation à envoyer", **{"Connaît CBPT": "Non"})]}, None, "Appels", cell("calls", "Résultat", 2)),
    ("meeting-missing", {"organisations": [ORG], "calls": [call(Résultat="Entretien – RDV fixé", **{"Connaît CBPT": "Oui"})]}, None, "Appels", cell("calls", "Résultat", 2)),
    ("knows-cbpt-missing", {"organisations": [ORG], "calls": [call(Résultat="Entretien – à rappeler")]}, None, "Appels", cell("calls", "Connaît CBPT", 2)),
    ("result-before-held", {"organisations": [ORG], "appointments": [{**MEETING, "Suite": "Dépôt de livres"}]}, None, "Rendez-vous", cell("appointments", "Suite", 2)),
    ("held-in-future", {"organisations": [ORG], "appointments": [{**MEETING, "Statut": "Réalisé"}]}, None, "Rendez-vous", cell("appointments", "Statut", 2)),
    ("contacted-after-opt-out", {"organisations": [ORG], "calls": [call(Date=D(2026, 11, 2), Résultat="Refus d'être recontacté"), call()]}, None, "Appels", cell("calls", "Date", 3)),
    ("contacted-after-opt-out", {"organisations": [org(Suivi="Ne pas contacter")], "calls": [call()]}, None, "Appels", cell("calls", "Date", 2)),
    ("preparation-missing", {"organisations": [org(Objectif=None)], "calls": [call()]}, None, "Organisations", cell("organisations", "Objectif", 2)),
    ("retention-expired", {"organisations": [org(Interlocuteur="Mme Durand")], "calls": [call(Date=D(2023, 10, 2))]}, None, "Organisations", cell("organisations", "Interlocuteur", 2)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("code", "rows", "edit", "sheet", "where"), CASES, ids=[c[0] for c in CASES]
)
def test_one_defect_one_finding(
    make_workbook: Callable[..., Path],
    today: dt.date,
    code: str,
    rows: dict[str, Any],
    edit: Callable[[Path], None] | None,
    sheet: str,
    where: str | None,
) -> None:
    path = make_workbook(**rows)
    if edit is not None:
        edit(path)
    report = check(path, today)
    found = [(f.code, f.sheet, f.cell) for f in report.findings]
    assert found == [(code, sheet, where)], [f.message for f in report.findings]
    finding = report.findings[0]
    assert finding.message.endswith((".", "?")), finding.message
    assert report.valid is (finding.severity == "warning")


def test_each_code_of_checks_md_is_covered() -> None:
    codes = {
        "missing-sheet", "missing-column", "duplicate-column", "unknown-column", "required",
        "invalid-date", "date-as-text", "future-date", "invalid-time", "not-in-list",
        "list-spelling", "invalid-phone", "phone-format", "invalid-email", "invalid-postcode",
        "invalid-number", "formula-error", "duplicate-id", "duplicate-name",
        "possible-duplicate", "unknown-organisation", "callback-before-call",
        "outcome-needs-data", "meeting-missing", "knows-cbpt-missing", "result-before-held",
        "held-in-future", "contacted-after-opt-out", "preparation-missing", "retention-expired",
    }  # fmt: skip
    assert {c[0] for c in CASES} == codes


def test_clean_base_has_no_finding(make_workbook: Callable[..., Path], today: dt.date) -> None:
    path = make_workbook(
        organisations=[ORG, ORG2],
        calls=[call(Résultat="Entretien – RDV fixé", **{"Connaît CBPT": "Oui"})],
        appointments=[MEETING],
    )
    assert check(path, today).findings == []


def test_example_workbook_is_clean(example_path: Path, today: dt.date) -> None:
    raw, report = load_and_check(example_path, today)
    assert raw.row_count > 50
    assert report.findings == []
    assert report.valid


def test_example_workbook_in_english_is_clean(example_path_en: Path, today: dt.date) -> None:
    assert check(example_path_en, today).findings == []


def test_suggestions_and_fields(make_workbook: Callable[..., Path], today: dt.date) -> None:
    path = make_workbook(
        organisations=[ORG],
        calls=[call(Résultat="Pas de reponce"), call(Organisation="Hopital Neker")],
    )
    report = check(path, today)
    by_code = {f.code: f for f in report.findings}
    assert by_code["not-in-list"].suggestion == "Pas de réponse"
    assert by_code["not-in-list"].column == "Résultat"
    assert by_code["not-in-list"].row == 2
    assert by_code["not-in-list"].value == "Pas de reponce"
    assert "Pas de réponse" in by_code["not-in-list"].message
    assert by_code["unknown-organisation"].suggestion == NECKER
    assert by_code["unknown-organisation"].row == 3


def test_findings_sorted_by_sheet_row_column(
    make_workbook: Callable[..., Path], today: dt.date
) -> None:
    path = make_workbook(
        organisations=[org(Standard="12"), org(Nom="Autre", ID="ORG-0009", Effectifs=-3)],
        calls=[call(Heure="x", Résultat="?"), call(Date="hier")],
        appointments=[{**MEETING, "Lieu": "ailleurs"}],
    )
    report = check(path, today)
    order = {"Organisations": 0, "Appels": 1, "Rendez-vous": 2}

    def key(f: Any) -> tuple[int, int, int]:
        letters = "".join(ch for ch in f.cell if ch.isalpha())
        return (order[f.sheet], f.row, openpyxl.utils.column_index_from_string(letters))

    assert [key(f) for f in report.findings] == sorted(key(f) for f in report.findings)
    assert len(report.findings) >= 6


def test_english_workbook_suggests_english_labels(tmp_path: Path, today: dt.date) -> None:
    from tests.conftest import build_workbook

    path = build_workbook(
        tmp_path / "en.xlsx",
        organisations=[{**ORG, "Type": "company / works COUNCIL"}],
        lang="en",
    )
    report = check(path, today)
    assert [(f.code, f.sheet, f.suggestion) for f in report.findings] == [
        ("list-spelling", "Organisations", "Company / works council")
    ]


def test_safe_fixes_values(make_workbook: Callable[..., Path], today: dt.date) -> None:
    path = make_workbook(
        organisations=[org(Standard="0144494000", **{"Code postal": 1000})],
        calls=[call(Date="03/11/2026", Résultat="PAS DE REPONSE")],
    )
    fixes = {(f.sheet, f.cell): f.new for f in safe_fixes(read_raw(path), today)}
    assert fixes == {
        ("Organisations", cell("organisations", "Code postal", 2)): "01000",
        ("Organisations", cell("organisations", "Standard", 2)): "01 44 49 40 00",
        ("Appels", cell("calls", "Date", 2)): D(2026, 11, 3),
        ("Appels", cell("calls", "Résultat", 2)): "Pas de réponse",
    }


def test_retention_uses_the_setting(make_workbook: Callable[..., Path], today: dt.date) -> None:
    path = make_workbook(
        organisations=[org(Interlocuteur="Mme Durand")], calls=[call(Date=D(2024, 6, 3))]
    )
    raw = read_raw(path)
    assert check_raw(raw, today).findings == []
    raw.settings["retention_months"] = 12
    assert [f.code for f in check_raw(raw, today).findings] == ["retention-expired"]


def test_summary_line_french_plurals() -> None:
    report = report_of("x.xlsx", [])
    assert summary_line(report, 3, 1250) == "0 erreur, 0 avertissement (3 feuilles, 1 250 lignes)"
    assert plural(1, "ligne") == "1 ligne"
    assert plural(2, "erreur") == "2 erreurs"


def test_add_months_clamps() -> None:
    assert add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)
    assert add_months(D(2026, 12, 1), -36) == D(2023, 12, 1)
