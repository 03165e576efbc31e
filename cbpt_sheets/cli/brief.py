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
@click.option("--format", "fmt", type=click.Choice(["text", "pdf"]), default="text",
              show_default=True, help="Texte ou PDF à imprimer (avec --output).")  # fmt: skip
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), metavar="FICHIER",
              help="Écrire la fiche dans ce fichier (obligatoire pour pdf).")  # fmt: skip
@click.option(
    "--write", is_flag=True, help="Écrit aussi la fiche dans la feuille Fiche du classeur."
)
@force_option
@handle_errors
def brief_command(
    path: Path,
    organisation: str,
    today: str | None,
    fmt: str,
    output: Path | None,
    write: bool,
) -> None:
    """La fiche d'appel d'une organisation : sa fiche, son historique, quoi faire et quoi dire.

    ORGANISATION est le Nom (majuscules et accents ignorés), une partie du Nom qui ne
    désigne qu'elle, ou l'ID (ORG-0003, org-3 ou 3).

    \b
    Exemples :
      cbpt-sheets brief suivi.xlsx "Hôpital Necker"
      cbpt-sheets brief suivi.xlsx ORG-0003 --write
      cbpt-sheets brief suivi.xlsx ORG-0003 --format pdf --output fiche.pdf
    """
    if fmt == "pdf" and output is None:
        raise click.UsageError("--format pdf demande --output FICHIER (ex. --output fiche.pdf).")
    day = parse_day(today)
    if output is not None:  # before anything is read or written
        operations.refuse_input_as_output(output, [path])
    source = operations.open_file(path, write=write)
    result = operations.call_brief(
        source, organisation, day, source.sink(forced()) if write else None
    )
    if output is not None:
        operations.save_brief(result, fmt, output, width(), (path,))
        say(f"Fiche d'appel écrite : {output}")
    else:
        from cbpt_sheets.render import brief_text

        click.echo(brief_text(result.brief, width(), result.lang))
    if write:
        done = "écrite" if result.written else "déjà à jour"
        say(f"{path.name} : feuille {result.sheet} {done}.")
