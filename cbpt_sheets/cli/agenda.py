"""``agenda``: the dated actions and the appointments as an iCalendar file for a phone's calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cbpt_sheets import operations
from cbpt_sheets.cli.app import (
    cli,
    existing_path,
    handle_errors,
    parse_day,
    say_partial,
    today_option,
)
from cbpt_sheets.cli.report import warn_unknown


@cli.command("agenda")
@click.argument("path", type=existing_path)
@today_option
@click.option(
    "--volunteer", metavar="NOM", help="Seulement les actions et rendez-vous de ce bénévole."
)
@click.option("--days", type=click.IntRange(min=0), metavar="N",
              help="Seulement jusqu'à N jours à venir (les actions en retard toujours).")  # fmt: skip
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), metavar="FICHIER.ics",
              help="Le fichier d'agenda à écrire (.ics), à importer dans "
              "le calendrier du téléphone ou de la messagerie.")  # fmt: skip
@handle_errors
def agenda_command(
    path: Path, today: str | None, volunteer: str | None, days: int | None, output: Path | None
) -> None:
    """L'agenda du bénévole : rappels, rendez-vous et actions datées, en fichier .ics.

    Réimporter un fichier plus récent met les événements à jour sans les dupliquer.

    \b
    Exemples :
      cbpt-sheets agenda suivi.xlsx --volunteer Claire --days 14 --output claire.ics
      cbpt-sheets agenda suivi.xlsx --output agenda.ics
    """
    if output is None:
        raise click.UsageError(
            "--output FICHIER.ics est obligatoire\u00a0: le fichier d'agenda à écrire "
            "(ex. --output agenda.ics)."
        )
    day = parse_day(today)
    operations.refuse_input_as_output(output, [path])
    result = operations.agenda(operations.open_file(path), day, days, volunteer)
    say_partial(result.partial)
    warn_unknown(result.unknown)
    from cbpt_sheets.render.ical import calendar

    name = "CBPT" + (f" – {volunteer}" if volunteer else "")
    data = calendar(result.events, dt.datetime.now(dt.timezone.utc), name)
    operations.write_output(output, data)
    count = len(result.events)
    click.echo(f"Agenda écrit\u00a0: {output} ({count} événement{'s' if count > 1 else ''}).")
