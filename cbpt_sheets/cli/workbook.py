"""``new`` and ``demo``: a workbook from the template, and the example with what the tool makes of it.

Imports at module level stay light (click, the group, the operations): the renderers
are imported inside the commands, once the operation ran.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cbpt_sheets import operations
from cbpt_sheets.cli.app import cli, handle_errors, parse_day, say, today_option, width

DEMO_NAME = "exemple-suivi.xlsx"
SHEET_LABELS = {"organisations": "organisations", "calls": "appels", "appointments": "rendez-vous"}


@cli.command("new")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Langue des feuilles et des en-têtes.")  # fmt: skip
@click.option("--example", is_flag=True, help="Remplir le classeur avec les données d'exemple.")
@click.option("--force", is_flag=True, help="Remplacer le fichier s'il existe déjà.")
@handle_errors
def new_command(path: Path, lang: str, example: bool, force: bool) -> None:
    """Crée un nouveau classeur de suivi, vide ou rempli avec l'exemple.

    \b
    Exemple :
      cbpt-sheets new suivi.xlsx
      cbpt-sheets new exemple.xlsx --example
    """
    from cbpt_sheets.ooxml.template import create_workbook

    created = create_workbook(path, lang=lang, example=example, force=force)
    say(f"Classeur créé : {created}")


@cli.command("demo")
@click.argument("directory", required=False, default=".",
                type=click.Path(path_type=Path, file_okay=False))  # fmt: skip
@today_option
@handle_errors
def demo_command(directory: Path, today: str | None) -> None:
    """Écrit un classeur d'exemple et montre ce que l'outil en tire.

    \b
    Exemple :
      cbpt-sheets demo
      cbpt-sheets demo mon-dossier
    """
    from cbpt_sheets.ooxml.template import create_workbook

    day = parse_day(today)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DEMO_NAME
    if path.exists():
        say(
            f"{path} existe déjà : il est utilisé tel quel (supprimez-le pour repartir de l'exemple)."
        )
    else:
        create_workbook(path, example=True, today=day)
        say(f"Classeur d'exemple écrit : {path}")
    for section in demo_sections(path, day):
        say(section)
        say("")
    say(f"Ouvrez {path} dans Excel ou LibreOffice, puis essayez : cbpt-sheets check {path}")


def demo_sections(path: Path, day: dt.date) -> list[str]:
    """What was read, then the other commands' outputs: check summary, next actions, this week."""
    from cbpt_sheets.core.french import NNBSP, thousands
    from cbpt_sheets.render import actions_text, followup_text
    from cbpt_sheets.render.checks import render_text

    checked = operations.check_workbook(operations.open_file(path), day)
    lines = [f"Classeur lu : {path.name} ({'français' if checked.lang == 'fr' else 'anglais'})"]
    for key, label in SHEET_LABELS.items():
        name, count = checked.read.get(key, ("absente", 0))
        lines.append(f"  {name:<15} {thousands(count, NNBSP):>6} {label}")
    week = operations.followup_list(
        operations.open_file(path), day, operations.FollowUpFilters(days=7)
    )
    return [
        "\n".join(lines),
        "Contrôles (cbpt-sheets check) :\n"
        + render_text(checked.report, checked.sheets, checked.rows),
        actions_text(week.actions, day, width()),
        followup_text(week.items, day, "cette semaine", width()),
    ]
