"""``followup``: the follow-up list; ``--write`` rewrites the Suivi sheet, ``--output`` saves it.

Imports at module level stay light (click, the group, the operations): the workbook
starts being read in threads before the renderers and the core are imported.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cbpt_sheets import operations
from cbpt_sheets.cli.app import (
    Natural,
    cli,
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
from cbpt_sheets.core.schema import SETTINGS

# --days: at most the longest delay of the Paramètres sheet (months to contact again), in days
MAX_DAYS = max(s.maximum for s in SETTINGS if s.key.endswith("_months")) * 31


@cli.command("followup")
@click.argument("path", type=existing_path)
@today_option
@click.option("--days", type=Natural(MAX_DAYS), metavar="N",
              help="Seulement les actions à échéance dans N jours au plus, N entier positif ou nul (les retards toujours).")  # fmt: skip
@click.option("--volunteer", metavar="NOM", help="Seulement les organisations de ce bénévole.")
@click.option("--library", metavar="NOM", help="Seulement les organisations de cette bibliothèque.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "xlsx", "pdf"]), default="text",
              show_default=True, help="Texte, JSON, CSV (Excel français), classeur xlsx ou PDF à imprimer (ces deux avec --output).")  # fmt: skip
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), metavar="FICHIER",
              help="Écrire la liste dans ce fichier (obligatoire pour xlsx et pdf).")  # fmt: skip
@click.option(
    "--write", is_flag=True, help="Réécrit la feuille Suivi du classeur (liste imprimable)."
)
@force_option
@handle_errors
def followup_command(
    path: Path,
    today: str | None,
    days: int | None,
    volunteer: str | None,
    library: str | None,
    fmt: str,
    output: Path | None,
    write: bool,
) -> None:
    """La liste de suivi : les actions en retard, du jour, de la semaine et à venir.

    \b
    Exemples :
      cbpt-sheets followup suivi.xlsx --days 7 --volunteer Claire
      cbpt-sheets followup suivi.xlsx --format csv --output suivi.csv
      cbpt-sheets followup suivi.xlsx --format xlsx --output liste.xlsx
      cbpt-sheets followup suivi.xlsx --volunteer Claire --format pdf --output liste.pdf
      cbpt-sheets followup suivi.xlsx --write
    """
    if fmt in ("xlsx", "pdf") and output is None:
        raise click.UsageError(
            f"--format {fmt} demande --output FICHIER (ex. --output liste.{fmt})."
        )
    day = parse_day(today)
    if output is not None:
        operations.refuse_input_as_output(output, [path])
    source = operations.open_file(path, write=write)
    filters = operations.FollowUpFilters(days, volunteer, library)
    with progress(path, fmt):
        result = operations.followup_list(
            source, day, filters, source.sink(forced()) if write else None
        )
    say_partial(result.partial)
    for unknown in result.unknown:
        listed = ", ".join(f"« {name} »" for name in unknown.known) or "aucun nom saisi"
        say(
            f"Attention : aucune organisation n'a « {unknown.wanted} » comme {unknown.what}. "
            f"Noms présents dans le classeur : {listed}.",
            err=True,
        )
    if write:
        done = "réécrite" if result.written else "déjà à jour"
        message = f"feuille {result.sheet} {done}"
        say(f"{path.name} : {message}.", err=fmt in ("json", "csv") and output is None)
    if output is not None:
        operations.save_followup(result, fmt, output, width(), (path,))
        say(f"Liste de suivi écrite : {output}")
        return
    from cbpt_sheets.render.formats import followup_output

    text = followup_output(
        fmt,
        result.items,
        day,
        filters.subtitle,
        result.gdpr,
        width(),
        sys.stdout.isatty(),
        result.unmatched,
    )
    click.echo(text, nl=False)
