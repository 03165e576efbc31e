"""RGPD: the retention clock, rgpd list / export / erase, end to end on real files."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets.cli import cli
from cbpt_sheets.core.rgpd import Clock, retention_clock
from cbpt_sheets.core.schema import ANSWERED_OUTCOMES, OUTCOME
from cbpt_sheets.ooxml.rgpd import kept_copies
from cbpt_sheets.ooxml.writer import backup_path
from cbpt_sheets.render import safe_cell

T = dt.date(2026, 12, 1)
D = dt.date


def run(*args: Any, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def org(name: str, **extra: Any) -> dict[str, Any]:
    return {"Nom": name, "Standard": "01 40 00 00 00", **extra}


def call(name: str, day: dt.date, outcome: str, **extra: Any) -> dict[str, Any]:
    return {"Date": day, "Organisation": name, "Résultat": outcome, **extra}


# ---------------------------------------------------------------- the retention clock


def test_the_answered_outcomes_are_those_where_someone_on_their_side_answered() -> None:
    codes = [e.code for e in OUTCOME.entries]
    assert set(codes) - ANSWERED_OUTCOMES == {
        "no-answer",
        "wrong-number",
        "mail-sent",
        "letter-sent",
    }


def test_retention_clock_restarts_only_on_answered_contacts() -> None:
    clock = retention_clock(
        [
            (D(2023, 1, 5), "no-answer"),
            (D(2023, 10, 2), "not-interested"),
            (D(2025, 6, 1), "no-answer"),
            (D(2026, 1, 10), "letter-sent"),
            (None, "meeting-set"),
        ]
    )
    assert clock == Clock(last_answered=D(2023, 10, 2), first_contact=D(2023, 1, 5))
    assert clock.start == D(2023, 10, 2)
    assert clock.expires(36) == D(2026, 10, 2)
    assert clock.expired(36, T) and not clock.expired(36, D(2026, 10, 2))
    never = retention_clock([(D(2024, 3, 1), "letter-sent"), (D(2023, 9, 1), "no-answer")])
    assert never.last_answered is None and never.start == D(2023, 9, 1)
    assert retention_clock([]).start is None and not retention_clock([]).expired(36, T)


RETENTION_ROWS = {
    "organisations": [
        org("Answered long ago", Interlocuteur="Mme Durand"),
        org("Never answered", Interlocuteur="M. Petit"),
        org("Answered lately", Interlocuteur="Mme Roche"),
    ],
    "calls": [
        # answered in 2023, then only an unanswered call and a letter: expired
        call("Answered long ago", D(2023, 10, 2), "Entretien – pas intéressé"),
        call("Answered long ago", D(2025, 6, 3), "Pas de réponse"),
        call("Answered long ago", D(2026, 1, 12), "Courrier envoyé"),
        # nobody ever answered: from the first contact, in 2023
        call("Never answered", D(2023, 9, 4), "Pas de réponse"),
        call("Never answered", D(2026, 11, 2), "Mail envoyé"),
        # answered in 2025: kept
        call("Answered lately", D(2023, 9, 4), "Pas de réponse"),
        call("Answered lately", D(2025, 2, 3), "Entretien – à rappeler"),
    ],
}


def test_retention_expired_next_gdpr_and_rgpd_list_follow_answered_contacts(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(**RETENTION_ROWS)
    check = json.loads(run("check", path, "--today", T, "--format", "json").stdout)
    expired = [f for f in check["findings"] if f["code"] == "retention-expired"]
    assert [f["cell"] for f in expired] == ["L2", "L3"]
    assert "02/10/2023" in expired[0]["message"] and "04/09/2023" in expired[1]["message"]
    actions = json.loads(run("next", path, "--today", T, "--format", "json").stdout)["actions"]
    assert {a["organisation"]: a["gdpr"] for a in actions} == {
        "Answered long ago": True,
        "Never answered": True,
        "Answered lately": False,
    }
    result = run("rgpd", "list", path, "--today", T, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["today", "people"] and doc["today"] == "2026-12-01"
    assert doc["people"] == [
        {
            "organisation": "Answered long ago",
            "name": "Mme Durand",
            "last_answered": "2023-10-02",
            "expires": "2026-10-02",
            "cells": [
                {
                    "sheet": "Organisations",
                    "cell": "L2",
                    "column": "Interlocuteur",
                    "value": "Mme Durand",
                }
            ],
        },
        {
            "organisation": "Never answered",
            "name": "M. Petit",
            "last_answered": None,
            "expires": "2026-09-04",
            "cells": [
                {
                    "sheet": "Organisations",
                    "cell": "L3",
                    "column": "Interlocuteur",
                    "value": "M. Petit",
                }
            ],
        },
    ]
    text = run("rgpd", "list", path, "--today", T).stdout
    assert "2 personnes" in text and "Mme Durand" in text and "Mme Roche" not in text
    assert "rgpd erase" in text


# ---------------------------------------------------------------- one person's data

DURAND = {
    "organisations": [
        org(
            "Hôpital Necker",
            Responsable="M. Bernard Roux",
            **{
                "Fonction du responsable": "Directeur",
                "Interlocuteur": "Mme Sophie Durand",
                "Fonction de l'interlocuteur": "cadre de santé",
                "Téléphone interlocuteur": "01 44 49 40 01",
                "Email interlocuteur": "s.durand@aphp.fr",
                "Notes": "Mme Sophie Durand préfère le mardi matin",
            },
        ),
        org("Mairie du 15e", Interlocuteur="M. Claude Morel", Notes="Voir aussi l'annexe"),
    ],
    "calls": [
        call("Hôpital Necker", D(2026, 10, 5), "Responsable absent – coordonnées obtenues",
             Interlocuteur="Mme Durand", Fonction="cadre de santé",
             **{"Téléphone obtenu": "+33 1 44 49 40 01", "Email obtenu": "S.Durand@aphp.fr"}),
        call("Hôpital Necker", D(2026, 10, 12), "Refus d'être recontacté",
             Interlocuteur="Mme Sophie Durand", Notes="Ne plus appeler, dit Mme Sophie Durand"),
        call("Mairie du 15e", D(2026, 10, 6), "Entretien – à rappeler",
             Interlocuteur="M. Claude Morel", Notes="Rappeler après le conseil"),
    ],
    "appointments": [
        {"Organisation": "Hôpital Necker", "Date": D(2026, 9, 1), "Lieu": "Chez eux",
         "Interlocuteur": "Mme Durand", "Statut": "Annulé"},
    ],
}  # fmt: skip
DURAND_CELLS = [
    ("Organisations", "L2", "Interlocuteur", "Mme Sophie Durand"),
    ("Organisations", "M2", "Fonction de l'interlocuteur", "cadre de santé"),
    ("Organisations", "N2", "Téléphone interlocuteur", "01 44 49 40 01"),
    ("Organisations", "O2", "Email interlocuteur", "s.durand@aphp.fr"),
    ("Organisations", "W2", "Notes", "Mme Sophie Durand préfère le mardi matin"),
    ("Appels", "G2", "Interlocuteur", "Mme Durand"),
    ("Appels", "H2", "Fonction", "cadre de santé"),
    ("Appels", "I2", "Téléphone obtenu", "+33 1 44 49 40 01"),
    ("Appels", "J2", "Email obtenu", "S.Durand@aphp.fr"),
    ("Appels", "G3", "Interlocuteur", "Mme Sophie Durand"),
    ("Appels", "P3", "Notes", "Ne plus appeler, dit Mme Sophie Durand"),
    ("Rendez-vous", "F2", "Interlocuteur", "Mme Durand"),
]
TRACES = ["Durand", "durand@aphp", "44 49 40 01", "0144494001", "+33 1 44 49 40 01", "144494001"]


@pytest.mark.parametrize(
    "query",
    ["Sophie Durand", "mme durand", "DURAND", "01 44 49 40 01", "+33144494001", "s.durand@APHP.fr"],
)
def test_export_finds_the_person_by_each_key_and_lists_every_cell(
    make_workbook: Callable[..., Path], query: str
) -> None:
    path = make_workbook(**DURAND)
    result = run("rgpd", "export", path, query)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["person"] == query
    assert [tuple(c.values()) for c in doc["cells"]] == DURAND_CELLS
    assert all(list(c) == ["sheet", "cell", "column", "value"] for c in doc["cells"])


def test_export_csv_and_an_unknown_person(make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(**DURAND)
    out = run("rgpd", "export", path, "s.durand@aphp.fr", "--format", "csv").stdout
    lines = out.lstrip("\ufeff").splitlines()
    assert out.startswith("\ufeff") and lines[0] == "sheet;cell;column;value"
    # a value starting with + (a phone) is neutralised for Excel, as every CSV of the tool
    assert lines[1:] == [";".join(safe_cell(x) for x in c) for c in DURAND_CELLS]
    none = run("rgpd", "export", path, "Jeanne Inconnue")
    assert none.exit_code == 0 and json.loads(none.stdout) == {
        "person": "Jeanne Inconnue",
        "cells": [],
    }
    assert "Aucune donnée" in none.stderr


def test_export_lists_the_cells_that_mention_the_person_elsewhere(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(**DURAND)
    assert run("followup", path, "--today", T, "--write").exit_code == 0
    doc = json.loads(run("rgpd", "export", path, "Durand", "--today", T).stdout)
    cells = [(c["sheet"], c["cell"]) for c in doc["cells"]]
    assert cells[: len(DURAND_CELLS)] == [c[:2] for c in DURAND_CELLS]
    # next --write was not run: no computed cell; the Suivi sheet has no action for an opt-out
    assert all(sheet in ("Organisations", "Appels", "Rendez-vous", "Suivi") for sheet, _ in cells)


# ---------------------------------------------------------------- erasure


def _parts(path: Path) -> dict[str, str]:
    """Every zip part's text, raw and with the XML unescaped and tags removed."""
    out: dict[str, str] = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            text = z.read(name).decode("utf-8", "replace")
            out[name] = text + "\n" + html.unescape(re.sub(r"<[^>]+>", "", text))
    return out


def _traces(path: Path) -> list[tuple[str, str]]:
    return [
        (name, t)
        for name, text in _parts(path).items()
        for t in TRACES
        if t.lower() in text.lower()
    ]


def _with_shared_strings(path: Path) -> Path:
    """The workbook saved again by LibreOffice (as Excel does, its texts in the shared strings)."""
    import shutil
    import subprocess
    import uuid

    from tests.conftest import require_soffice

    binary = require_soffice()
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    out = path.parent / "lo"
    out.mkdir()
    try:
        subprocess.run(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
             "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    shutil.move(out / path.name, path)
    out.rmdir()
    assert "xl/sharedStrings.xml" in _parts(path)
    return path


def _cells(path: Path) -> dict[tuple[str, str], Any]:
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


def test_erase_leaves_no_trace_keeps_every_other_cell_and_the_opt_out(
    make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    path = _with_shared_strings(make_workbook(**DURAND))
    assert any(n == "xl/sharedStrings.xml" for n, _ in _traces(path))
    assert run("next", path, "--today", T, "--write").exit_code == 0  # keeps suivi.bak.xlsx
    assert backup_path(path).exists() and _traces(backup_path(path))
    earlier = path.with_name(f"{path.stem}.bak.2{path.suffix}")  # an earlier version (issue 14)
    earlier.write_bytes(backup_path(path).read_bytes())
    before = _cells(path)

    result = run("rgpd", "erase", path, "Sophie Durand", "--yes", "--today", T)
    assert result.exit_code == 0, result.output

    assert _traces(path) == []  # no part of the package, shared strings included
    after = _cells(path)
    erased = {(s, c) for s, c, _, _ in DURAND_CELLS}
    register = "Registre RGPD"
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    computed = {("Organisations", f"{col}2") for col in "XYZ"} | {("Organisations", "AA2")}
    marker = ("Organisations", "V2")  # Suivi
    assert {k for k in changed if k[0] != register} - computed - {marker} == erased
    assert after[marker] == "Ne pas contacter"
    assert (
        after[("Organisations", "A2")] is not None
        and after[("Organisations", "B2")] == "Hôpital Necker"
    )
    assert after[("Organisations", "J2")] == "M. Bernard Roux"  # another person: kept
    assert after[("Appels", "F3")] == "Refus d'être recontacté"  # the history: kept
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(path)[register].iter_rows()]
    assert rows[0] == ["Date", "Organisation", "Données effacées", "Motif", "Cellules"]
    assert rows[1][0] == dt.datetime(2026, 12, 1) and rows[1][1] == "Hôpital Necker"
    assert "droit à l'effacement" in rows[1][3] and rows[1][4] == len(DURAND_CELLS)
    assert not any("durand" in str(v).lower() for v in rows[1])
    # the refusal stays in force
    actions = json.loads(run("next", path, "--today", T, "--format", "json").stdout)["actions"]
    necker = next(a for a in actions if a["organisation"] == "Hôpital Necker")
    assert (necker["stage"], necker["action"]) == ("do-not-contact", "none")
    # no copy the tool kept still holds the person
    assert kept_copies(path) == []
    assert not backup_path(path).exists() and not earlier.exists()
    assert all(not _traces(p) for p in tmp_path.rglob("*.xlsx"))
    # and a second erasure finds nothing
    again = run("rgpd", "erase", path, "Sophie Durand", "--yes", "--today", T)
    assert again.exit_code == 0 and "rien n'a été effacé" in again.stdout


def test_erase_shows_what_it_will_erase_and_asks(make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(**DURAND)
    data = path.read_bytes()
    result = run("rgpd", "erase", path, "s.durand@aphp.fr", input="n\n")
    assert result.exit_code == 0, result.output
    assert "Organisations!L2  Interlocuteur\u00a0: Mme Sophie Durand" in result.stdout
    assert "Effacer définitivement" in result.stdout and "Rien n'a été effacé" in result.stdout
    assert path.read_bytes() == data
    yes = run("rgpd", "erase", path, "s.durand@aphp.fr", input="oui\n")
    assert yes.exit_code == 0 and "1 personne effacée" in yes.stdout
    assert path.read_bytes() != data and not _traces(path)


def test_erase_is_refused_on_a_locked_file(make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(**DURAND)
    data = path.read_bytes()
    lock = path.with_name(f".~lock.{path.name}#")
    lock.write_text("Claire,poste-2,claire,01.12.2026 10:00,file:///x;", encoding="utf-8")
    result = run("rgpd", "erase", path, "Durand", "--yes")
    assert result.exit_code == 3, result.output
    assert "ouvert dans LibreOffice" in result.stderr and "Traceback" not in result.output
    assert path.read_bytes() == data


def test_erase_needs_a_person_or_expired(make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(**DURAND)
    assert run("rgpd", "erase", path).exit_code == 2
    both = run("rgpd", "erase", path, "Durand", "--expired")
    assert both.exit_code == 2 and "pas les deux" in both.stderr


def test_erase_expired_erases_exactly_the_three_past_retention(
    make_workbook: Callable[..., Path],
) -> None:
    old, recent = D(2023, 3, 6), D(2026, 6, 1)
    path = make_workbook(
        organisations=[
            org("Old A", Interlocuteur="Mme Alpha", **{"Email interlocuteur": "alpha@old-a.fr"}),
            org("Old B", Responsable="M. Bravo", Interlocuteur="Mme Charlie"),
            org("Fresh C", Interlocuteur="Mme Delta"),
            org(
                "Fresh D", Interlocuteur="M. Echo", **{"Téléphone interlocuteur": "06 11 22 33 44"}
            ),
        ],
        calls=[
            call("Old A", old, "Entretien – à rappeler"),
            call("Old A", recent, "Pas de réponse"),  # unanswered: does not restart the clock
            call("Old B", old, "Pas de réponse"),
            call(
                "Fresh C", recent, "Entretien – documentation à envoyer", Interlocuteur="Mme Delta"
            ),
            call("Fresh D", recent, "Responsable absent – rappel convenu"),
        ],
    )
    listed = json.loads(run("rgpd", "list", path, "--today", T, "--format", "json").stdout)
    assert [p["name"] for p in listed["people"]] == ["Mme Alpha", "M. Bravo", "Mme Charlie"]
    result = run("rgpd", "erase", path, "--expired", "--yes", "--today", T)
    assert result.exit_code == 0, result.output
    assert "3 personnes effacées" in result.stdout
    cells = _cells(path)
    values = set(cells.values())
    assert not {"Mme Alpha", "alpha@old-a.fr", "M. Bravo", "Mme Charlie"} & values
    assert {"Mme Delta", "M. Echo", "06 11 22 33 44"} <= values
    register = [
        [c.value for c in r] for r in openpyxl.load_workbook(path)["Registre RGPD"].iter_rows()
    ]
    assert [r[1] for r in register[1:]] == ["Old A", "Old B", "Old B"]
    assert all("Durée de conservation dépassée" in r[3] for r in register[1:])
    assert (
        json.loads(run("rgpd", "list", path, "--today", T, "--format", "json").stdout)["people"]
        == []
    )
    again = run("rgpd", "erase", path, "--expired", "--yes", "--today", T)
    assert again.exit_code == 0 and "rien n'a été effacé" in again.stdout


def test_register_is_appended_to_and_english_in_an_english_workbook(tmp_path: Path) -> None:
    from tests.conftest import build_workbook

    path = build_workbook(
        tmp_path / "book.xlsx",
        organisations=[
            {"Name": "Necker", "Contact": "Mrs Durand"},
            {"Name": "Morel Inc", "Contact": "Mr Morel"},
        ],
        calls=[{"Date": D(2026, 11, 2), "Organisation": "Necker", "Outcome": "No answer"}],
        lang="en",
    )
    assert run("rgpd", "erase", path, "Durand", "--yes", "--today", T).exit_code == 0
    assert (
        run(
            "rgpd", "erase", path, "Morel", "--yes", "--today", T, "--reason", "Demande écrite"
        ).exit_code
        == 0
    )
    ws = openpyxl.load_workbook(path)["GDPR register"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == ["Date", "Organisation", "Data erased", "Reason", "Cells"]
    assert [r[1] for r in rows[1:]] == ["Necker", "Morel Inc"]
    assert rows[2][3] == "Demande écrite"


def test_erased_workbook_opens_in_libreoffice(
    make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    from tests.conftest import convert_to_pdf, pdf_pages

    path = make_workbook(**DURAND)
    assert run("next", path, "--today", T, "--write").exit_code == 0
    assert run("rgpd", "erase", path, "Durand", "--yes", "--today", T).exit_code == 0
    out = tmp_path / "pdf"
    out.mkdir()
    assert pdf_pages(convert_to_pdf(path, out)) >= 1


def test_the_ribbon_has_no_erasure_button() -> None:
    """Erasure is a deliberate act at the command line: no button, no callback, no entry point."""
    from cbpt_sheets.excel.addin import ribbon_buttons, vba_source

    buttons = ribbon_buttons()
    assert buttons  # the ribbon is read
    for button in buttons:
        words = f"{button.id} {button.label} {button.on_action}".lower()
        assert not any(w in words for w in ("rgpd", "gdpr", "effac", "erase")), button
    assert "rgpd" not in vba_source().lower() and "gdpr_erase" not in vba_source()


def test_erase_rewrites_the_computed_columns_and_generated_sheets_that_mention_them(
    example_path: Path,
) -> None:
    path = example_path
    assert run("next", path, "--today", T, "--write").exit_code == 0
    assert run("followup", path, "--today", T, "--write").exit_code == 0
    before = _cells(path)
    mentions = [k for k, v in before.items() if "Anne Lambert" in str(v)]
    assert {s for s, _ in mentions} == {"Organisations", "Appels", "Rendez-vous", "Suivi"}
    label = next(v for (s, c), v in before.items() if s == "Organisations" and c == "Y4")
    assert "avec Mme Anne Lambert" in label
    export = json.loads(run("rgpd", "export", path, "06 12 45 78 90", "--today", T).stdout)
    exported = {(c["sheet"], c["cell"]) for c in export["cells"]}
    assert set(mentions) <= exported and ("Organisations", "Y4") in exported
    result = run("rgpd", "erase", path, "a.lambert@banque-vaugirard.fr", "--yes", "--today", T)
    assert result.exit_code == 0, result.output
    after = _cells(path)
    assert not [
        k for k, v in after.items() if "lambert" in str(v).lower() or "06 12 45 78 90" in str(v)
    ]
    # the next action is computed again without her, the same otherwise
    assert after[("Organisations", "Y4")] == label.replace(" avec Mme Anne Lambert", "")
    assert any(str(v).replace("\u00a0", " ").endswith("avec [effacé], à la bibliothèque Paris 15 – Vaugirard, avec la "
               "visite de la bibliothèque : notre offre, nos animations, les conditions de prêt")
               for (s, _), v in after.items() if s == "Suivi")  # fmt: skip
    with zipfile.ZipFile(path) as z:
        assert not [n for n in z.namelist() if b"lambert" in z.read(n).lower()]
    # exactly the cells the export listed changed (her own, and those mentioning her)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert {k for k in changed if k[0] != "Registre RGPD"} == exported


def test_a_copy_left_by_an_interrupted_erasure_is_deleted_by_the_next_one(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(**DURAND)
    held = path.read_bytes()
    assert run("rgpd", "erase", path, "Durand", "--yes").exit_code == 0
    backup_path(path).write_bytes(held)  # as if the erasure stopped before deleting it
    result = run("rgpd", "erase", path, "s.durand@aphp.fr", input="o\n")
    assert result.exit_code == 0, result.output
    assert "n'est plus dans" in result.stdout and backup_path(path).name in result.stdout
    assert not backup_path(path).exists()
    nothing = run("rgpd", "erase", path, "s.durand@aphp.fr", "--yes")
    assert "rien n'a été effacé" in nothing.stdout


def test_a_shared_address_does_not_make_two_names_one_person(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(
        organisations=[org("Banque", Interlocuteur="Mme Vidal")],
        calls=[
            call("Banque", D(2026, 11, 2), "Entretien – à rappeler", Interlocuteur="Mme Vidal",
                 **{"Email obtenu": "accueil@banque.fr"}),
            call("Banque", D(2026, 11, 3), "Entretien – à rappeler", Interlocuteur="M. Roux",
                 **{"Email obtenu": "accueil@banque.fr"}),
            call("Banque", D(2026, 11, 4), "Entretien – à rappeler",
                 **{"Téléphone obtenu": "01 40 00 00 99", "Email obtenu": "ACCUEIL@banque.fr"}),
        ],
    )  # fmt: skip
    vidal = json.loads(run("rgpd", "export", path, "Vidal").stdout)["cells"]
    assert [(c["sheet"], c["cell"]) for c in vidal][:3] == [
        ("Organisations", "L2"), ("Appels", "G2"), ("Appels", "J2"),
    ]  # fmt: skip
    assert all(c["value"] not in ("M. Roux", "01 40 00 00 99") for c in vidal)
    listed = json.loads(
        run("rgpd", "list", path, "--today", D(2030, 1, 2), "--format", "json").stdout
    )
    assert [p["name"] for p in listed["people"]] == ["Mme Vidal", "M. Roux", None]
    roux = json.loads(run("rgpd", "export", path, "roux").stdout)["cells"]
    assert [(c["sheet"], c["cell"]) for c in roux][:2] == [("Appels", "G3"), ("Appels", "J3")]


# ---------------------------------------------------------------- review: blank or vague PERSON


@pytest.mark.parametrize("person", ["", "   ", "\t"])
def test_a_blank_person_is_a_usage_error(make_workbook: Callable[..., Path], person: str) -> None:
    """An empty shell variable (``rgpd erase f.xlsx "$NOM" --yes``) erases nobody."""
    path = make_workbook(**DURAND)
    data = path.read_bytes()
    for args in (("erase", path, person, "--yes"), ("export", path, person)):
        result = run("rgpd", *args)
        assert result.exit_code == 2, result.output
        assert "PERSON est vide" in result.stderr.replace("\u00a0", " ")
    assert path.read_bytes() == data


def test_a_name_that_means_several_people_is_refused_under_yes(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(
        organisations=[
            org("Banque Vaugirard", Interlocuteur="Mme Anne Lambert"),
            org("Clinique du Parc", Interlocuteur="M. Paul Lambert"),
        ]
    )
    data = path.read_bytes()
    refused = run("rgpd", "erase", path, "Lambert", "--yes", "--today", T)
    assert refused.exit_code == 2, refused.output
    message = refused.stderr.replace("\u00a0", " ")
    assert "« Lambert » désigne 2 personnes différentes" in message
    assert "Anne Lambert" in message and "Paul Lambert" in message
    assert path.read_bytes() == data
    # asked interactively, the volunteer is warned and sees both before answering
    asked = run("rgpd", "erase", path, "Lambert", "--today", T, input="n\n")
    assert asked.exit_code == 0 and "désigne 2 personnes" in asked.stderr
    assert path.read_bytes() == data
    # the full name erases the one person, even with --yes
    one = run("rgpd", "erase", path, "Anne Lambert", "--yes", "--today", T)
    assert one.exit_code == 0 and "1 personne effacée" in one.stdout


def test_the_same_person_in_two_organisations_is_one_person(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(
        organisations=[
            org("Banque Vaugirard", Interlocuteur="Mme Anne Lambert"),
            org("Banque Vaugirard – CSE", Interlocuteur="Anne LAMBERT"),
        ]
    )
    result = run("rgpd", "erase", path, "Lambert", "--yes", "--today", T)
    assert result.exit_code == 0, result.output


def test_erase_through_a_symbolic_link_erases_the_real_workbook(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(**DURAND)
    link = path.with_name("lien.xlsx")
    link.symlink_to(path.name)
    result = run("rgpd", "erase", link, "Sophie Durand", "--yes", "--today", T)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == path.resolve()
    assert not _traces(path)


def test_a_note_naming_the_person_by_civility_and_surname_is_found_and_erased(
    make_workbook: Callable[..., Path],
) -> None:
    path = make_workbook(
        organisations=[org("Hôpital Saint-Joseph", Interlocuteur="Mme Sophie Lemaître")],
        calls=[
            call(
                "Hôpital Saint-Joseph",
                D(2026, 11, 20),
                "Entretien – à rappeler",
                Interlocuteur="Mme Sophie Lemaître",
                Notes="Rappeler Mme Lemaître, elle est en réunion",
            ),
            call(
                "Hôpital Saint-Joseph",
                D(2026, 11, 22),
                "Pas de réponse",
                Notes="Standard fermé le samedi",  # names nobody: kept
            ),
        ],
    )
    exported = json.loads(run("rgpd", "export", path, "Sophie Lemaître", "--today", T).stdout)
    values = [c["value"] for c in exported["cells"]]
    assert "Rappeler Mme Lemaître, elle est en réunion" in values
    assert "Standard fermé le samedi" not in values
    erased = run("rgpd", "erase", path, "Sophie Lemaître", "--yes", "--today", T)
    assert erased.exit_code == 0, erased.output
    text = " ".join(_parts(path).values())
    assert "Lemaître" not in text and "Lemaitre" not in text
    assert "Standard fermé le samedi" in text


def test_a_person_named_only_in_notes_is_exported_and_said_at_erasure(
    make_workbook: Callable[..., Path],
) -> None:
    """« M. Lefort » is in no person column, only in notes: the access export lists the
    notes, and the erasure says which cells name him (exit 1) instead of « rien »."""
    path = make_workbook(
        organisations=[org("Clinique Arago", Interlocuteur="Mme Anne Roy")],
        calls=[
            call(
                "Clinique Arago",
                D(2026, 11, 20),
                "Pas de réponse",
                Notes="Rappeler M. Lefort au 06 11 22 33 44",
            ),
        ],
    )
    exported = json.loads(run("rgpd", "export", path, "M. Lefort", "--today", T).stdout)
    assert [c["value"] for c in exported["cells"]] == ["Rappeler M. Lefort au 06 11 22 33 44"]
    data = path.read_bytes()
    erased = run("rgpd", "erase", path, "M. Lefort", "--yes", "--today", T)
    assert erased.exit_code == 1, erased.output
    assert "Appels!" in erased.stderr and "Effacez-les à la main" in erased.stderr
    assert path.read_bytes() == data


def test_a_note_with_an_initial_names_the_person() -> None:
    from cbpt_sheets.core.rgpd import Person, name_tokens

    person = Person(organisation="X", tokens={name_tokens("Mme Julie Dupont")})
    assert person.mentioned_in("Voir avec Mme J. Dupont mardi")
    assert person.mentioned_in("Mme Dupont absente")
    assert not person.mentioned_in("M. Durand absent")


def test_erase_through_a_link_deletes_the_copies_beside_the_real_workbook(
    make_workbook: Callable[..., Path],
) -> None:
    """The writer keeps the backup and the versions beside the real file: the erasure
    through a symbolic link deletes them there (attack review)."""
    path = make_workbook(**DURAND)
    folder = path.parent / "lien"
    folder.mkdir()
    link = folder / "suivi.xlsx"
    link.symlink_to(path)
    for _ in range(3):  # a backup and versions, made through the link
        assert run("next", link, "--write", "--today", T, "--force").exit_code in (0, 1)
        assert run("followup", link, "--write", "--today", T, "--days", str(_)).exit_code == 0
    assert kept_copies(link), "backups were made beside the real workbook"
    erased = run("rgpd", "erase", link, "Sophie Durand", "--yes", "--today", T)
    assert erased.exit_code == 0, erased.output
    assert kept_copies(link) == [] and kept_copies(path) == []
    leftovers = [p for p in path.parent.rglob("*.xlsx") if p != path and not p.is_symlink()]
    assert leftovers == [], leftovers


def test_civility_and_surname_in_a_note_of_another_organisation_is_a_trace(
    make_workbook: Callable[..., Path],
) -> None:
    """M. Hugo Lefort is Fondation Bonne Lecture's contact; « Rappeler M. Lefort » sits in a
    call of another organisation: exported, and redacted by the erasure."""
    path = make_workbook(
        organisations=[
            org("Fondation Bonne Lecture", Interlocuteur="M. Hugo Lefort"),
            org("Lumière Conseil"),
        ],
        calls=[
            call(
                "Lumière Conseil",
                D(2026, 11, 20),
                "Pas de réponse",
                Notes="Rappeler M. Lefort la semaine prochaine",
            ),
        ],
    )
    exported = json.loads(run("rgpd", "export", path, "M. Lefort", "--today", T).stdout)
    assert "Rappeler M. Lefort la semaine prochaine" in [c["value"] for c in exported["cells"]]
    erased = run("rgpd", "erase", path, "M. Lefort", "--yes", "--today", T)
    assert erased.exit_code in (0, 1), erased.output
    assert "Lefort" not in " ".join(_parts(path).values())
