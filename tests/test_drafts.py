"""``drafts``: one .eml and/or .docx per writing action (issue 20)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from cbpt_sheets.cli import cli
from cbpt_sheets.core.codes import Action
from cbpt_sheets.core.drafts import WRITING_ACTIONS, greeting, with_article
from cbpt_sheets.core.french import format_date
from tests.conftest import TODAY, convert_to_pdf

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def next_json(path: Path) -> list[dict[str, Any]]:
    result = run("next", path, "--today", TODAY.isoformat(), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["actions"]


def drafts_json(path: Path, out: Path, *extra: str) -> dict[str, Any]:
    result = run(
        "drafts", path, "--today", TODAY.isoformat(), "--output", out, "--format", "json", *extra
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def parse_eml(path: Path) -> email.message.EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def docx_text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def org_rows(path: Path) -> dict[str, dict[str, Any]]:
    wb = openpyxl.load_workbook(path)
    ws = wb["Organisations"]
    headers = [c.value for c in ws[1]]
    out = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        record = dict(zip(headers, row, strict=False))
        if record.get("Nom"):
            out[record["Nom"]] = record
    return out


def test_every_writing_action_of_the_example_gets_its_drafts(
    example_path: Path, tmp_path: Path
) -> None:
    writing = [a for a in next_json(example_path) if a["action"] in WRITING_ACTIONS]
    assert {a["action"] for a in writing} >= {
        Action.SEND_AGREEMENT,
        Action.CHANGE_CHANNEL,
    }, "the example should exercise several writing actions"
    out = tmp_path / "brouillons"
    document = drafts_json(example_path, out)
    drafts = document["drafts"]
    assert {d["organisation"] for d in drafts} == {a["organisation"] for a in writing}
    orgs = org_rows(example_path)
    for action in writing:
        mine = [d for d in drafts if d["organisation"] == action["organisation"]]
        assert mine, action["organisation"]
        for d in mine:
            assert set(d) >= {"organisation", "id", "action", "kind", "path"}
            assert d["id"] == action["id"] and d["action"] == action["action"]
            path = Path(d["path"])
            assert path.parent == out and path.is_file()
            assert path.name.startswith(action["id"])
            assert path.name.endswith("-mail.eml" if d["kind"] == "email" else "-lettre.docx")
        if action["action"] == Action.SEND_EMAIL:
            assert [d["kind"] for d in mine] == ["email"]
        if action["action"] == Action.SEND_LETTER:
            assert [d["kind"] for d in mine] == ["letter"]
        if action["email"]:
            assert "email" in [d["kind"] for d in mine]
        row = orgs[action["organisation"]]
        for d in mine:
            path = Path(d["path"])
            if d["kind"] == "email":
                message = parse_eml(path)
                assert message["X-Unsent"] == "1"
                assert message["To"].addresses[0].addr_spec == action["email"]
                if action["contact"]:
                    assert message["To"].addresses[0].display_name == action["contact"]
                assert message["Subject"]
                body = message.get_content()
                assert action["volunteer"] in body  # signed by the volunteer
                assert "Bien cordialement" in body
            else:
                body = docx_text(path)
                assert row["Adresse"] in body and str(row["Code postal"]) in body
                if action["contact"]:
                    assert action["contact"] in body
                assert "Objet" in body and "salutations distinguées" in body
            # the organisation is named (with its article), and so is the library
            assert with_article(action["organisation"]).lower() in body.lower() or (
                action["organisation"] in body
            )
            assert action["library"] in body


def test_the_earlier_call_is_mentioned_with_its_date(make_workbook: Any, tmp_path: Path) -> None:
    path = make_workbook(
        organisations=[
            {
                "ID": "ORG-0001",
                "Nom": "Lumière Conseil",
                "Type": "Entreprise / CSE",
                "Standard": "01 45 00 00 00",
                "Adresse": "4 rue Lecourbe",
                "Code postal": "75015",
                "Ville": "Paris",
                "Bénévole": "Claire Martin",
                "Bibliothèque": "Paris 15",
            },
        ],
        calls=[
            {
                "Date": dt.date(2026, 11, 20),
                "Organisation": "Lumière Conseil",
                "Résultat": "Responsable absent – coordonnées obtenues",
                "Interlocuteur": "Mme Léa Dupont",
                "Email obtenu": "lea.dupont@lumiere-conseil.fr",
                "Bénévole": "Claire Martin",
            },
        ],
    )
    document = drafts_json(path, tmp_path / "out")
    (draft,) = document["drafts"]
    assert draft["action"] == Action.SEND_EMAIL and draft["kind"] == "email"
    assert Path(draft["path"]).name == "ORG-0001-mail.eml"
    message = parse_eml(Path(draft["path"]))
    assert message["To"].addresses[0].addr_spec == "lea.dupont@lumiere-conseil.fr"
    assert message["To"].addresses[0].display_name == "Mme Léa Dupont"
    body = message.get_content()
    assert "Madame," in body
    assert f"notre échange téléphonique du {format_date(dt.date(2026, 11, 20))}" in body
    assert "Lumière Conseil" in body
    assert "Claire Martin" in body
    # Paramètres of this workbook have no e-mail for Claire: the draft says what to fill in
    assert "À compléter avant l'envoi" in body and "E-mail du bénévole" in body
    assert "From" not in message
    assert any("E-mail du bénévole" in m for m in draft["missing"])


def test_missing_addresses_give_a_draft_that_says_what_to_fill(
    make_workbook: Any, tmp_path: Path
) -> None:
    path = make_workbook(
        organisations=[
            {
                "ID": "ORG-0003",
                "Nom": "Hôpital Nord",
                "Type": "Établissement de santé",
                "Standard": "01 45 00 00 01",
                "Responsable": "M. Paul Roy",
                "Bénévole": "Claire Martin",
                "Bibliothèque": "Paris 15",
            },
        ],
        calls=[
            {
                "Date": day,
                "Organisation": "Hôpital Nord",
                "Résultat": "Pas de réponse",
                "Bénévole": "Claire Martin",
            }
            for day in (dt.date(2026, 11, 23), dt.date(2026, 11, 25), dt.date(2026, 11, 27))
        ],
    )
    document = drafts_json(path, tmp_path / "out")
    (draft,) = document["drafts"]
    assert draft["action"] == Action.CHANGE_CHANNEL and draft["kind"] == "email"
    body = parse_eml(Path(draft["path"])).get_content()
    assert body.startswith("[À compléter avant l'envoi")
    assert "adresse e-mail du destinataire" in body
    assert "23/11/2026, 25/11/2026 et 27/11/2026" in body  # the calls left unanswered
    assert "Monsieur," in body and "l'Hôpital Nord" in body


def test_letters_convert_to_pdf_with_address_block_and_body(
    example_path: Path, tmp_path: Path
) -> None:
    document = drafts_json(example_path, tmp_path / "out")
    letters = [d for d in document["drafts"] if d["kind"] == "letter"]
    assert letters
    letter = Path(letters[0]["path"])
    pdf = convert_to_pdf(letter, tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    words = " ".join(text.split())
    orgs = org_rows(example_path)
    row = orgs[letters[0]["organisation"]]
    assert row["Adresse"] in words
    assert "Objet" in words and "Culture et Bibliothèques pour Tous" in words
    assert "salutations distinguées" in words


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")
def test_do_not_contact_organisations_never_get_a_draft(make_workbook: Any, tmp_path: Path) -> None:
    path = make_workbook(
        organisations=[
            {
                "ID": "ORG-0001",
                "Nom": "Secret SA",
                "Standard": "01 45 00 00 02",
                "Email interlocuteur": "rh@secret.fr",
                "Interlocuteur": "M. Y",
                "Suivi": "Ne pas contacter",
                "Adresse": "1 rue A",
                "Code postal": "75001",
                "Ville": "Paris",
            },
            {"ID": "ORG-0002", "Nom": "Ouvert SA", "Standard": "01 45 00 00 03"},
        ],
        calls=[
            {
                "Date": dt.date(2026, 11, 24),
                "Organisation": "Secret SA",
                "Résultat": "Entretien – documentation à envoyer",
                "Interlocuteur": "M. Y",
            },
            {
                "Date": dt.date(2026, 11, 25),
                "Organisation": "Ouvert SA",
                "Résultat": "Refus d'être recontacté",
            },
        ],
    )
    out = tmp_path / "out"
    document = drafts_json(path, out)
    assert document["drafts"] == []
    assert not any("secret" in p.read_bytes().decode("latin-1").lower() for p in out.iterdir())


def test_an_existing_draft_is_kept_unless_forced(example_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = drafts_json(example_path, out)["drafts"]
    edited = Path(first[0]["path"])
    edited.write_bytes(b"edited by the volunteer")
    again = drafts_json(example_path, out)["drafts"]
    assert {d["status"] for d in again} == {"kept"}
    assert edited.read_bytes() == b"edited by the volunteer"
    forced = drafts_json(example_path, out, "--force")["drafts"]
    assert {d["status"] for d in forced} == {"written"}
    assert edited.read_bytes() != b"edited by the volunteer"
    assert not [p for p in out.iterdir() if p.name.startswith(".~cbpt-")]


def test_volunteer_and_days_filter_like_the_followup_list(
    example_path: Path, tmp_path: Path
) -> None:
    claire = drafts_json(example_path, tmp_path / "c", "--volunteer", "Claire")["drafts"]
    everyone = drafts_json(example_path, tmp_path / "all")["drafts"]
    actions = {a["organisation"]: a for a in next_json(example_path)}
    assert claire and len(claire) < len(everyone)
    assert all(actions[d["organisation"]]["volunteer"] == "Claire Martin" for d in claire)
    result = run("followup", example_path, "--today", TODAY.isoformat(), "--days", "0",
                 "--format", "json")  # fmt: skip
    due_now = {
        i["organisation"] for i in json.loads(result.output)["items"] if i["category"] == "write"
    }
    soon = drafts_json(example_path, tmp_path / "soon", "--days", "0")["drafts"]
    assert {d["organisation"] for d in soon} == due_now


def test_coordinator_templates_from_parametres(example_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "modeles"
    result = run("templates", folder)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["presentation.txt", "documentation.txt", "convention.txt", "relance.txt", "lettre.docx"]
    )
    text = (folder / "relance.txt").read_text(encoding="utf-8")
    (folder / "relance.txt").write_text(
        text.replace("{{ salutation }}", "{{ salutation }}\n\nTEXTE DE LA COORDINATRICE"),
        encoding="utf-8",
    )
    (folder / "convention.txt").write_text("Objet : x\n\n{{ pas_une_variable }}", encoding="utf-8")
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Paramètres"]
    row = next(
        r for r in range(1, 30) if str(ws.cell(r, 1).value or "").startswith("Dossier des modèles")
    )
    ws.cell(row, 2).value = "modeles"  # relative to the workbook's folder
    wb.save(example_path)
    out = tmp_path / "out"
    result = runner.invoke(cli, ["drafts", str(example_path), "--today", TODAY.isoformat(),
                                 "--output", str(out)])  # fmt: skip
    # the broken convention template is refused with a French message naming the file
    assert result.exit_code == 3
    assert "convention.txt" in result.output and "pas_une_variable" in result.output
    (folder / "convention.txt").unlink()  # back to the shipped one for this text
    result = runner.invoke(cli, ["drafts", str(example_path), "--today", TODAY.isoformat(),
                                 "--output", str(out), "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    relances = [
        d for d in json.loads(result.stdout)["drafts"] if d["action"] == Action.CHANGE_CHANNEL
    ]
    assert relances
    for d in relances:
        path = Path(d["path"])
        body = parse_eml(path).get_content() if path.suffix == ".eml" else docx_text(path)
        assert "TEXTE DE LA COORDINATRICE" in body


def test_templates_run_sandboxed(example_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "modeles"
    run("templates", folder)
    (folder / "relance.txt").write_text(
        "Objet : x\n\n{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8"
    )
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Paramètres"]
    row = next(
        r for r in range(1, 30) if str(ws.cell(r, 1).value or "").startswith("Dossier des modèles")
    )
    ws.cell(row, 2).value = str(folder)
    wb.save(example_path)
    result = runner.invoke(cli, ["drafts", str(example_path), "--today", TODAY.isoformat(),
                                 "--output", str(tmp_path / "out")])  # fmt: skip
    assert result.exit_code == 3
    assert "relance.txt" in result.output
    assert "Traceback" not in result.output


def test_brief_names_the_drafts_of_its_action(example_path: Path) -> None:
    writing = next(a for a in next_json(example_path) if a["action"] in WRITING_ACTIONS)
    out = drafts_json(example_path, example_path.parent / "out")["drafts"]
    names = [Path(d["path"]).name for d in out if d["id"] == writing["id"]]
    assert names
    text = run("brief", example_path, writing["id"], "--today", TODAY.isoformat()).output
    assert "cbpt-sheets drafts" in " ".join(text.split())
    assert all(n in text for n in names)
    written = run("brief", example_path, writing["id"], "--today", TODAY.isoformat(), "--write")
    assert written.exit_code == 0, written.output
    sheet = openpyxl.load_workbook(example_path)["Fiche"]
    cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert all(n in cells for n in names)


def test_greetings_and_articles() -> None:
    assert greeting("M. Paul Girard") == "Monsieur,"
    assert greeting("Mme Hélène Morel") == "Madame,"
    assert greeting("Dr Camille Renaud") == "Docteur,"
    assert greeting("Camille Renaud") == "Madame, Monsieur,"
    assert greeting(None) == "Madame, Monsieur,"
    assert with_article("Foyer-logement Castagnary", "à") == "au Foyer-logement Castagnary"
    assert with_article("Maison de santé Pernety", "de") == "de la Maison de santé Pernety"
    assert with_article("EHPAD Les Tilleuls") == "l'EHPAD Les Tilleuls"
    assert with_article("Lumière Conseil", "à") == "à Lumière Conseil"
    assert with_article("Assurances Alésia", "de") == "d'Assurances Alésia"


def test_bad_output_folder_is_a_french_error(example_path: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "fichier"
    a_file.write_text("x")
    result = runner.invoke(cli, ["drafts", str(example_path), "--output", str(a_file / "sous")])
    assert result.exit_code in (2, 3)
    assert "Traceback" not in result.output
    result = runner.invoke(
        cli, ["drafts", str(example_path), "--output", str(tmp_path / "a" / "b")]
    )
    assert result.exit_code == 3 and "n'existe pas" in result.output


def test_new_drafts_follow_the_umask(example_path: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        document = drafts_json(example_path, tmp_path / "out")
    finally:
        os.umask(old)
    for d in document["drafts"]:
        assert Path(d["path"]).stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    "typed",
    [
        "a.roy@hopital-nord.fr\r\nBcc: x@evil.example",  # a line break that would add a header
        "a.roy@hopital-nord.fr; b@hopital-nord.fr",  # two addresses in one cell
        "a.roy at hopital-nord.fr",
    ],
)
def test_a_cell_that_is_not_one_address_is_left_out_and_said(
    make_workbook: Any, tmp_path: Path, typed: str
) -> None:
    path = make_workbook(
        organisations=[
            {
                "ID": "ORG-0003",
                "Nom": "Hôpital Nord",
                "Type": "Établissement de santé",
                "Standard": "01 45 00 00 01",
                "Interlocuteur": "M. Alain Roy\nBcc: y@evil.example",
                "Email interlocuteur": typed,
                "Bénévole": "Claire Martin",
                "Bibliothèque": "Paris 15",
            },
        ],
        calls=[
            {
                "Date": day,
                "Organisation": "Hôpital Nord",
                "Résultat": "Pas de réponse",
                "Bénévole": "Claire Martin",
            }
            for day in (dt.date(2026, 11, 23), dt.date(2026, 11, 25), dt.date(2026, 11, 27))
        ],
    )
    document = drafts_json(path, tmp_path / "out")
    emails = [d for d in document["drafts"] if d["kind"] == "email"]
    assert emails, document
    raw = Path(emails[0]["path"]).read_bytes()
    message = parse_eml(Path(emails[0]["path"]))
    assert message["To"] is None and message["Bcc"] is None
    assert b"\nBcc:" not in raw and b"evil.example>" not in raw
    body = message.get_content()
    assert "n'en est pas une" in body.replace("\u00a0", " ")
    assert "M. Alain Roy Bcc" in body or "Roy" not in body  # the name stays on one line
