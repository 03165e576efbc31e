"""``network``: several libraries' workbooks, the organisations two of them approach, one view."""

from __future__ import annotations

from pathlib import Path

import click

from cbpt_sheets import operations
from cbpt_sheets.cli.app import (
    cli,
    echo_json,
    existing_path,
    handle_errors,
    parse_day,
    today_option,
)


@cli.command("network")
@click.argument("paths", nargs=-1, required=True, type=existing_path, metavar="CLASSEUR...")
@today_option
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), metavar="FICHIER",
              help="Écrire le classeur du réseau (toutes les organisations, et la feuille « Doublons réseau »).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Texte, ou JSON pour un autre programme.")  # fmt: skip
@handle_errors
def network_command(
    paths: tuple[Path, ...], today: str | None, output: Path | None, fmt: str
) -> None:
    """Le réseau : les organisations que plusieurs bibliothèques démarchent.

    Lit les classeurs des bibliothèques (sans les modifier), trouve les organisations
    suivies par plusieurs d'entre elles (même nom dans le même code postal, même
    téléphone ou même e-mail) et dit laquelle garde le contact : la plus avancée. Avec
    --output, écrit un classeur du réseau qui les réunit toutes, utilisable avec les
    autres commandes.

    \b
    Exemples :
      cbpt-sheets network vaugirard.xlsx plaisance.xlsx alesia.xlsx
      cbpt-sheets network *.xlsx --output reseau.xlsx
    """
    day = parse_day(today)
    result = operations.network_view(list(paths), day, output)
    if fmt == "json":
        echo_json(result.as_json())
        return
    click.echo(_text(result))


def _text(result: operations.NetworkResult) -> str:
    from cbpt_sheets.core.codes import STAGES
    from cbpt_sheets.core.french import format_date, plural
    from cbpt_sheets.ooxml.network import REASONS_FR

    out = [f"Réseau au {format_date(result.today)} : {plural(len(result.libraries), 'classeur')}"]
    for lib in result.libraries:
        problems = ""
        if lib.errors:
            problems = (
                f" ; {plural(lib.errors, 'erreur')} (cbpt-sheets check {Path(lib.file).name})"
            )
        out.append(
            f"  {Path(lib.file).name} : {lib.library}, "
            f"{plural(len(lib.histories), 'organisation')}{problems}"
        )
    out.append("")
    if not result.duplicates:
        out.append("Aucune organisation n'est suivie par deux bibliothèques.")
    else:
        out.append(f"{plural(len(result.duplicates), 'organisation')} suivie"
                   f"{'s' if len(result.duplicates) > 1 else ''} par plusieurs bibliothèques :")  # fmt: skip
        for dup in result.duplicates:
            keeper = dup.keeper_entry
            why = ", ".join(REASONS_FR[r] for r in dup.reasons)
            out.append("")
            out.append(f"  {keeper.organisation} (score {dup.score}, même {why})")
            for e in dup.entries:
                mark = "→ garde le contact" if e is keeper else "  s'accorde avec elle"
                last = (
                    f", dernier contact le {format_date(e.last_contact)}" if e.last_contact else ""
                )
                who = f", {e.volunteer}" if e.volunteer else ""
                out.append(
                    f"    {mark} : {e.library} ({Path(e.file).name}, ligne {e.row}) – "
                    f"{STAGES.get(e.stage, e.stage)}{last}{who}"
                )
    if result.differing_settings:
        out += ["", "Attention : les délais de Paramètres diffèrent d'un classeur à l'autre ; "
                "le classeur du réseau prend ceux du premier."]  # fmt: skip
    if result.output:
        out += ["", f"Classeur du réseau écrit : {result.output}"]
    return "\n".join(out)
