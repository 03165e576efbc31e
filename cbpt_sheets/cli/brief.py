"""``brief``: the call brief of one organisation; ``--write`` puts it in the Fiche sheet.

Imports at module level stay light (click, the group, the operations): the workbook
starts being read in threads before the renderers and the core are imported.
"""

from __future__ import annotations

from pathlib import Path

import click

from cbpt_sheets import operations
from cbpt_sheets.cli.app import (
    cli,
    existing_path,
    force_option,
    forced,
    handle_errors,
    parse_day,
    say,
    today_option,
    width,
)


@cli.command("brief")
@click.argument("path", type=existing_path)
@click.argument("organisation")
@today_option
@click.option(
    "--write", is_flag=True, help="Écrit aussi la fiche dans la feuille Fiche du classeur."
)
@force_option
@handle_errors
def brief_command(path: Path, organisation: str, today: str | None, write: bool) -> None:
    """La fiche d'appel d'une organisation : sa fiche, son historique, quoi faire et quoi dire.

    ORGANISATION est le Nom (majuscules et accents ignorés), une partie du Nom qui ne
    désigne qu'elle, ou l'ID (ORG-0003, org-3 ou 3).

    \b
    Exemples :
      cbpt-sheets brief suivi.xlsx "Hôpital Necker"
      cbpt-sheets brief suivi.xlsx ORG-0003 --write
    """
    day = parse_day(today)
    source = operations.open_file(path, write=write)
    result = operations.call_brief(
        source, organisation, day, source.sink(forced()) if write else None
    )
    from cbpt_sheets.render import brief_text

    click.echo(brief_text(result.brief, width(), result.lang))
    if write:
        done = "écrite" if result.written else "déjà à jour"
        say(f"{path.name} : feuille {result.sheet} {done}.")
