"""``next``: every organisation's next action; ``--write`` fills the computed columns and IDs.

Imports at module level stay light (click, the group, the operations): the workbook
starts being read in threads before the renderers and the core are imported.
"""

from __future__ import annotations

from pathlib import Path

import click

from cbpt_sheets import operations
from cbpt_sheets.cli.app import (
    FORMAT_HELP,
    cli,
    echo_json,
    existing_path,
    force_option,
    forced,
    handle_errors,
    parse_day,
    progress,
    say,
    say_partial,
    today_option,
    width,
)


@cli.command("next")
@click.argument("path", type=existing_path)
@today_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help=FORMAT_HELP)  # fmt: skip
@click.option("--write", is_flag=True,
              help="Remplit les colonnes calculées (Étape, Prochaine action, Échéance, Motif) et les ID manquants.")  # fmt: skip
@force_option
@handle_errors
def next_command(path: Path, today: str | None, fmt: str, write: bool) -> None:
    """La prochaine action de chaque organisation : qui appeler, à quel numéro, quoi dire, quand.

    \b
    Exemples :
      cbpt-sheets next suivi.xlsx
      cbpt-sheets next suivi.xlsx --write
      cbpt-sheets next suivi.xlsx --format json --today 2026-12-01
    """
    day = parse_day(today)
    source = operations.open_file(path, write=write)
    with progress(path, fmt):
        result = operations.next_actions(source, day, source.sink(forced()) if write else None)
    from cbpt_sheets.render import actions_text, next_json

    say_partial(result.partial)

    if write:
        n = result.cell_count
        message = (
            f"{path.name} : {n} cellule{'s' if n > 1 else ''} mise{'s' if n > 1 else ''} à jour."
            if result.written
            else f"{path.name} : déjà à jour, rien à écrire."
        )
        say(message, err=fmt == "json")
    if fmt == "json":
        echo_json(next_json(result.actions, day, result.unmatched))
    else:
        click.echo(actions_text(result.actions, day, width(), result.unmatched))
