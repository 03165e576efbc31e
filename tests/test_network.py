"""``network`` and ``check --network``: organisations approached by several libraries (issue 21)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets.cli import cli
from cbpt_sheets.core.network import Entry, find_duplicates, keeper
from tests.conftest import TODAY, build_workbook, convert_to_pdf

runner = CliRunner()
DAY = TODAY.isoformat()


def org(name: str, postcode: str, phone: str, **extra: Any) -> dict[str, Any]:
    row = {
        "Nom": name,
        "Type": "Entreprise / CSE",
        "Domaine d'activité": "Services",
        "Code postal": postcode,
        "Ville": "Paris",
        "Effectifs": 50,
        "Standard": phone,
        "Responsable": "M. Jean Durand",
        "Objectif": "Adhésion collective",
    }
    row.update(extra)
    return row


def call(name: str, day: dt.date, outcome: str, **extra: Any) -> dict[str, Any]:
    row = {"Date": day, "Organisation": name, "Canal": "Téléphone", "Résultat": outcome}
    row.update(extra)
    return row


@pytest.fixture
def network(tmp_path: Path) -> dict[str, Path]:
    """Three libraries' workbooks with planted duplicates and planted near-misses."""
    a = build_workbook(
        tmp_path / "vaugirard.xlsx",
        organisations=[
            org("Hôpital des Glycines", "75015", "01 45 30 00 01", Type="Établissement de santé"),
            org("Monoprix", "75015", "01 45 30 00 02"),  # a chain: another shop in 75014
            org("Mairie du 15e", "75015", "01 45 30 00 03", Type="Mairie / administration"),
            org(
                "Lumière Conseil",
                "75015",
                "01 45 30 00 04",
                **{
                    "Email interlocuteur": "rh@lumiere-conseil.fr",
                    "Interlocuteur": "Mme Léa Dupont",
                },
            ),
            org("Clinique Saint-Jean", "75015", "01 45 30 00 09", Type="Établissement de santé"),
            org("École élémentaire Vaugirard", "75015", "01 45 30 00 10", Type="École / crèche"),
        ],
        calls=[
            call(
                "Hôpital des Glycines",
                dt.date(2026, 11, 20),
                "Entretien – à rappeler",
                Interlocuteur="Mme Rose",
                **{"Connaît CBPT": "Non"},
            ),
            call("Lumière Conseil", dt.date(2026, 11, 24), "Pas de réponse"),
            call("Clinique Saint-Jean", dt.date(2026, 11, 18), "Pas de réponse"),
        ],
        libraries=("Paris 15 – Vaugirard",),
    )
    b = build_workbook(
        tmp_path / "plaisance.xlsx",
        organisations=[
            org("Hopital des glycines", "75015", "01 45 99 00 01", Type="Établissement de santé"),
            org("Monoprix", "75014", "01 45 99 00 02"),
            org("Mairie du 14e", "75014", "01 45 99 00 03", Type="Mairie / administration"),
            org("Centre médical Brune", "75014", "01.45.30.00.09", Type="Établissement de santé"),
            org("École maternelle Vaugirard", "75015", "01 45 99 00 10", Type="École / crèche"),
        ],
        calls=[
            call(
                "Centre médical Brune",
                dt.date(2026, 11, 25),
                "Entretien – RDV fixé",
                Interlocuteur="Dr Morel",
                **{"Connaît CBPT": "Oui"},
            ),
        ],
        appointments=[
            {
                "Organisation": "Centre médical Brune",
                "Date": dt.date(2026, 12, 8),
                "Lieu": "Chez eux",
                "Statut": "Confirmé",
                "Interlocuteur": "Dr Morel",
            },
        ],
        libraries=("Paris 14 – Plaisance",),
    )
    c = build_workbook(
        tmp_path / "alesia.xlsx",
        organisations=[
            org(
                "Cabinet Lumière",
                "75014",
                "01 45 77 00 04",
                **{"Email interlocuteur": "RH@lumiere-conseil.fr"},
            ),
            org("Monoprix", "75013", "01 45 77 00 02"),
        ],
        calls=[call("Cabinet Lumière", dt.date(2026, 11, 26), "Pas de réponse")],
        libraries=("Paris 14 – Alésia",),
    )
    return {"a": a, "b": b, "c": c}


def run_json(*args: Any) -> dict[str, Any]:
    result = runner.invoke(cli, [str(x) for x in args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_sources_are_clean(network: dict[str, Path]) -> None:
    for path in network.values():
        report = run_json("check", path, "--today", DAY, "--format", "json")
        assert report["counts"]["error"] == 0, report["findings"]


def test_every_planted_duplicate_and_no_near_miss(network: dict[str, Path]) -> None:
    a, b, c = network["a"], network["b"], network["c"]
    doc = run_json("network", a, b, c, "--today", DAY, "--format", "json")
    assert doc["files"] == [str(a), str(b), str(c)]
    found = {
        frozenset((Path(e["file"]).name, e["organisation"]) for e in d["entries"]): d
        for d in doc["duplicates"]
    }
    glycines = frozenset(
        {("vaugirard.xlsx", "Hôpital des Glycines"), ("plaisance.xlsx", "Hopital des glycines")}
    )
    phone = frozenset(
        {("vaugirard.xlsx", "Clinique Saint-Jean"), ("plaisance.xlsx", "Centre médical Brune")}
    )
    mail = frozenset({("vaugirard.xlsx", "Lumière Conseil"), ("alesia.xlsx", "Cabinet Lumière")})
    assert set(found) == {glycines, phone, mail}, list(found)
    assert found[glycines]["reasons"] == ["name", "postcode"]
    assert found[phone]["reasons"] == ["phone"]
    assert found[mail]["reasons"] == ["email"]
    for d in found.values():
        assert 0 <= d["score"] <= 100
        for e in d["entries"]:
            assert set(e) >= {
                "file",
                "library",
                "organisation",
                "id",
                "row",
                "stage",
                "last_contact",
            }
    # the keeper is the library furthest along
    assert found[glycines]["keeper"] == str(a)  # a conversation beats a first call
    assert found[phone]["keeper"] == str(b)  # an appointment beats unanswered calls
    entry = next(e for e in found[phone]["entries"] if e["organisation"] == "Centre médical Brune")
    assert entry["stage"] == "appointment" and entry["last_contact"] == "2026-11-25"
    assert entry["library"] == "Paris 14 – Plaisance"


def test_text_output_names_the_keeper(network: dict[str, Path]) -> None:
    result = runner.invoke(cli, ["network", *map(str, network.values()), "--today", DAY])
    assert result.exit_code == 0, result.output
    assert "garde le contact" in result.output
    assert "3 organisations suivies par plusieurs bibliothèques" in result.output


def test_network_workbook_checks_clean_and_keeps_each_action(
    network: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "reseau.xlsx"
    doc = run_json(
        "network", *network.values(), "--today", DAY, "--output", out, "--format", "json"
    )
    assert doc["output"] == str(out)
    report = run_json("check", out, "--today", DAY, "--format", "json")
    assert report["counts"]["error"] == 0, [
        f for f in report["findings"] if f["severity"] == "error"
    ]
    merged = run_json("next", out, "--today", DAY, "--format", "json")["actions"]
    wb = openpyxl.load_workbook(out)
    assert "Doublons réseau" in wb.sheetnames
    orgs = wb["Organisations"]
    headers = [cell.value for cell in orgs[1]]
    libraries = {
        row[headers.index("Nom")]: row[headers.index("Bibliothèque")]
        for row in orgs.iter_rows(min_row=2, values_only=True)
        if row[0]
    }
    by_name = {a["organisation"]: a for a in merged}
    # the copies the network workbook sets aside: (file, Nom) of each duplicate's entries
    refused: set[tuple[str, str]] = set()
    paused: set[tuple[str, str]] = set()
    for dup in doc["duplicates"]:
        entries = dup["entries"]
        opt_out = any(e["stage"] == "do-not-contact" for e in entries)
        for e in entries:
            where = (e["file"], e["organisation"])
            if opt_out and e["stage"] != "do-not-contact":
                refused.add(where)
            elif (
                not opt_out
                and e["file"] != dup["keeper"]
                and e["stage"]
                not in (
                    "do-not-contact",
                    "closed",
                    "partner",
                )
            ):
                paused.add(where)
    total = 0
    source_library = {
        "a": "Paris 15 – Vaugirard",
        "b": "Paris 14 – Plaisance",
        "c": "Paris 14 – Alésia",
    }
    for key, path in network.items():
        own = run_json("next", path, "--today", DAY, "--format", "json")["actions"]
        for action in own:
            total += 1
            # a Nom already used by an earlier library carries its library in brackets
            candidates = [
                n
                for n in by_name
                if n == action["organisation"] or n.startswith(action["organisation"] + " (")
            ]
            library = action["library"] or source_library[key]  # a blank one is filled
            there = [by_name[n] for n in candidates if libraries[n] == library]
            assert len(there) == 1, (action["organisation"], candidates)
            entry = (str(path), action["organisation"])
            if entry in refused:  # another library was asked not to call it: nobody calls
                assert there[0]["stage"] == "do-not-contact", action["organisation"]
            elif entry in paused:  # another library keeps the contact: paused here
                assert there[0]["action"] == "none" and there[0]["stage"] == "paused"
            else:
                assert there[0]["action"] == action["action"], action["organisation"]
                assert there[0]["due"] == action["due"]
                assert there[0]["stage"] == action["stage"]
    assert total == len(merged)
    assert paused, "the example network has duplicates kept by one library"
    # the network workbook works with the other commands, network included
    again = run_json("network", out, network["a"], "--today", DAY, "--format", "json")
    assert again["duplicates"]


def test_network_workbook_opens_in_libreoffice(network: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "reseau.xlsx"
    run_json("network", *network.values(), "--today", DAY, "--output", out, "--format", "json")
    assert convert_to_pdf(out, tmp_path).stat().st_size > 0


def test_check_network_warns_on_organisations_another_library_works_with(
    network: dict[str, Path],
) -> None:
    report = run_json(
        "check",
        network["b"],
        "--today",
        DAY,
        "--format",
        "json",
        "--network",
        network["a"],
        "--network",
        network["c"],
    )
    warned = [f for f in report["findings"] if f["code"] == "approached-by-other-library"]
    # Vaugirard called the Glycines hospital and the Saint-Jean clinic; nobody called
    # Plaisance's Monoprix or town hall
    assert sorted(f["value"] for f in warned) == ["Centre médical Brune", "Hopital des glycines"]
    for f in warned:
        assert f["severity"] == "warning" and f["sheet"] == "Organisations"
        assert f["cell"].startswith("B")
        assert "Paris 15 – Vaugirard" in f["message"] and "vaugirard.xlsx" in f["message"]
        assert "étape" in f["message"]
    # a library that only prepared a record (no contact) does not warn the others
    report = run_json(
        "check", network["a"], "--today", DAY, "--format", "json", "--network", network["c"]
    )
    warned = [f for f in report["findings"] if f["code"] == "approached-by-other-library"]
    assert [f["value"] for f in warned] == ["Lumière Conseil"]  # Alésia called Cabinet Lumière


def test_output_that_is_an_input_is_refused(network: dict[str, Path]) -> None:
    before = network["a"].read_bytes()
    result = runner.invoke(
        cli, ["network", str(network["a"]), str(network["b"]), "--output", str(network["a"])]
    )
    assert result.exit_code == 3
    assert "jamais modifiés" in result.output
    assert network["a"].read_bytes() == before


def test_keeper_prefers_an_opt_out() -> None:
    def entry(file: str, stage: str) -> Entry:
        return Entry(file, file, "X", None, 2, stage, None)

    assert keeper([entry("a", "partner"), entry("b", "do-not-contact")]).file == "b"
    assert keeper([entry("a", "first-call"), entry("b", "conversation")]).file == "b"


def test_same_name_different_postcode_is_never_a_duplicate() -> None:
    entries = [
        Entry(f"f{i}.xlsx", f"L{i}", "Monoprix", None, 2, "first-call", None, postcode=f"7501{i}")
        for i in range(5)
    ]
    assert find_duplicates(entries) == []


def test_a_duplicate_holds_one_entry_per_workbook_and_shared_numbers_do_not_identify() -> None:
    def entry(
        file: str, name: str, row: int, phones: tuple[str, ...] = (), pc: str = "75015"
    ) -> Entry:
        return Entry(file, file, name, None, row, "first-call", None, postcode=pc,
                     phones=frozenset(phones))  # fmt: skip

    entries = [
        entry("a.xlsx", "Hôpital Nord", 2, ("0145000001",)),
        entry("b.xlsx", "Hopital Nord", 2, ("0145000099",)),
        # b's switchboard is also the number a.xlsx holds for another organisation: a chain
        entry("a.xlsx", "Clinique Sud", 3, ("0145000099",)),
        # two organisations of c.xlsx share one number (a group's switchboard)
        entry("c.xlsx", "Centre Est", 2, ("0145000077",)),
        entry("c.xlsx", "Centre Ouest", 3, ("0145000077",)),
        entry("d.xlsx", "Maison Quelconque", 2, ("0145000077",)),
    ]
    duplicates = find_duplicates(entries)
    groups = [sorted((e.file, e.row) for e in d.entries) for d in duplicates]
    assert [("a.xlsx", 2), ("b.xlsx", 2)] in groups  # the name in the same postcode
    for group in groups:
        files = [f for f, _ in group]
        assert len(files) == len(set(files)), group
    assert not any(("d.xlsx", 2) in g for g in groups)  # a shared switchboard identifies nobody


@pytest.mark.parametrize("how", ["call", "suivi"])
def test_an_opt_out_in_one_library_holds_for_the_whole_network(tmp_path: Path, how: str) -> None:
    """Vaugirard was asked never to call the Mairie again (a call, or only Suivi « Ne pas
    contacter »); Plaisance, with the same organisation under another name, has a
    meeting planned: the network workbook and ``check --network`` both stop Plaisance."""
    refusing = (
        {"calls": [call("Mairie du 14e", TODAY - dt.timedelta(days=20), "Refus d'être recontacté")]}
        if how == "call"
        else {}
    )
    mairie = org("Mairie du 14e", "75014", "01 53 90 67 14", Bibliothèque="Paris 15")
    if how == "suivi":
        mairie["Suivi"] = "Ne pas contacter"
    a = build_workbook(tmp_path / "vaugirard.xlsx", organisations=[mairie], **refusing)
    b = build_workbook(
        tmp_path / "plaisance.xlsx",
        organisations=[
            org("Mairie 14ème", "75014", "01 53 90 67 14", Bibliothèque="Paris 14"),
            org("Boulangerie Martin", "75014", "01 45 40 00 01", Bibliothèque="Paris 14"),
        ],
        calls=[call("Mairie 14ème", TODAY - dt.timedelta(days=5), "Entretien – RDV fixé")],
        appointments=[
            {
                "Date": TODAY + dt.timedelta(days=9),
                "Heure": "10h",
                "Organisation": "Mairie 14ème",
                "Lieu": "Chez eux",
                "Statut": "Confirmé",
            }
        ],
    )
    out = tmp_path / "reseau.xlsx"
    run_json("network", a, b, "--today", DAY, "--output", out, "--format", "json")
    actions = {x["organisation"]: x for x in run_json("next", out, "--today", DAY, "--format", "json")["actions"]}  # fmt: skip
    assert actions["Mairie 14ème"]["stage"] == "do-not-contact"
    assert actions["Mairie 14ème"]["action"] == "none" and actions["Mairie 14ème"]["due"] is None
    assert actions["Mairie du 14e"]["stage"] == "do-not-contact"
    assert actions["Boulangerie Martin"]["stage"] != "do-not-contact"  # the others untouched
    wb = openpyxl.load_workbook(out)
    headers = [c.value for c in wb["Organisations"][1]]
    row = next(r for r in wb["Organisations"].iter_rows(min_row=2, values_only=True) if r[headers.index("Nom")] == "Mairie 14ème")  # fmt: skip
    assert row[headers.index("Suivi")] == "Ne pas contacter"
    assert "l'a demandé à la bibliothèque" in row[headers.index("Notes")]
    # Plaisance's own check, against Vaugirard's workbook: an error, not a mere warning
    result = runner.invoke(cli, ["check", str(b), "--network", str(a), "--today", DAY])
    assert result.exit_code == 1, result.output
    assert (
        "de ne plus être contactée" in result.stdout and "annulez tout rendez-vous" in result.stdout
    )


def test_an_organisation_its_library_cannot_read_is_paused_in_every_copy(
    tmp_path: Path,
) -> None:
    """Vaugirard's call says « Souci, voir plus tard », which no list reads: Vaugirard's own
    plan is « À corriger »; the network workbook (whose rows keep only what was read)
    pauses every copy with a note, so that Plaisance's meeting is not prepared."""
    a = build_workbook(
        tmp_path / "vaugirard.xlsx",
        organisations=[org("Mairie du 14e", "75014", "01 53 90 67 14", Bibliothèque="Paris 15")],
        calls=[call("Mairie du 14e", TODAY - dt.timedelta(days=20), "Souci, voir plus tard")],
    )
    b = build_workbook(
        tmp_path / "plaisance.xlsx",
        organisations=[org("Mairie 14ème", "75014", "01 53 90 67 14", Bibliothèque="Paris 14")],
        calls=[call("Mairie 14ème", TODAY - dt.timedelta(days=5), "Entretien – RDV fixé")],
        appointments=[
            {
                "Date": TODAY + dt.timedelta(days=9),
                "Heure": "10h",
                "Organisation": "Mairie 14ème",
                "Lieu": "Chez eux",
                "Statut": "Confirmé",
            }
        ],
    )
    out = tmp_path / "reseau.xlsx"
    run_json("network", a, b, "--today", DAY, "--output", out, "--format", "json")
    actions = {x["organisation"]: x for x in run_json("next", out, "--today", DAY, "--format", "json")["actions"]}  # fmt: skip
    assert actions["Mairie 14ème"]["stage"] == "paused"  # Plaisance's meeting not prepared
    # Vaugirard's copy: its unreadable cell is blank in the network rows (a required
    # error there, so « À corriger »); its text is kept in the note
    assert actions["Mairie du 14e"]["stage"] in ("paused", "to-correct")
    assert (
        actions["Mairie du 14e"]["due"] is None
        or actions["Mairie du 14e"]["action"] == "correct-entry"
    )
    wb = openpyxl.load_workbook(out)
    headers = [c.value for c in wb["Organisations"][1]]
    notes = [r[headers.index("Notes")] for r in wb["Organisations"].iter_rows(min_row=2, values_only=True)]  # fmt: skip
    assert all("Souci, voir plus tard" in (n or "") for n in notes), notes
