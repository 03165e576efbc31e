"""``report``: the campaign in figures and charts; ``--write`` rewrites the Tableau de bord sheet.

Imports at module level stay light (click, the group, the operations): the workbook
starts being read in threads before the renderers, the core and matplotlib are imported.
"""

from __future__ import annotations

import sys
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
    progress,
    say_partial,
    today_option,
)


def warn_unknown(unknown: list[operations.UnknownName]) -> None:
    """Say on stderr that a --volunteer or --library names nobody, with the names there are."""
    for name in unknown:
        listed = ", ".join(f"«\u00a0{n}\u00a0»" for n in name.known) or "aucun nom saisi"
        click.echo(
            f"Attention\u00a0: aucune organisation n'a «\u00a0{name.wanted}\u00a0» comme {name.what}. "
            f"Noms présents dans le classeur\u00a0: {listed}.",
            err=True,
        )


def parse_from(value: str | None) -> object:
    """``--from``: a date like ``--today``, its own name in the message."""
    if value is None:
        return None
    try:
        return parse_day(value)
    except click.BadParameter as exc:
        exc.param_hint = "--from"
        raise


@cli.command("report")
@click.argument("path", type=existing_path)
@today_option
@click.option("--from", "start", metavar="DATE",
              help="Début de la période des contacts par semaine (AAAA-MM-JJ ou JJ/MM/AAAA) ; "
                   "par défaut, les 12 dernières semaines.")  # fmt: skip
@click.option("--library", metavar="NOM", help="Seulement les organisations de cette bibliothèque.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "pdf", "png"]), default="text",
              show_default=True,
              help="Texte, JSON, ou les graphiques en PDF ou PNG (avec --output).")  # fmt: skip
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), metavar="FICHIER",
              help="Écrire le rapport dans ce fichier (obligatoire pour pdf et png).")  # fmt: skip
@click.option("--write", is_flag=True,
              help="Réécrit la feuille «\u00a0Tableau de bord\u00a0» du classeur (chiffres et graphiques).")  # fmt: skip
@force_option
@handle_errors
def report_command(
    path: Path,
    today: str | None,
    start: str | None,
    library: str | None,
    fmt: str,
    output: Path | None,
    write: bool,
) -> None:
    """Le tableau de bord de la campagne : étapes, contacts par semaine, retards.

    \b
    Exemples :
      cbpt-sheets report suivi.xlsx
      cbpt-sheets report suivi.xlsx --library "Paris 15" --format json
      cbpt-sheets report suivi.xlsx --format pdf --output tableau-de-bord.pdf
      cbpt-sheets report suivi.xlsx --write
    """
    if fmt in ("pdf", "png") and output is None:
        raise click.UsageError(
            f"--format {fmt} demande --output FICHIER (ex. --output tableau-de-bord.{fmt})."
        )
    day = parse_day(today)
    first = parse_from(start)
    if output is not None:
        operations.refuse_input_as_output(output, [path])
    source = operations.open_file(path, write=write)
    with progress(path, fmt):
        result = operations.campaign_report(
            source,
            day,
            first,  # type: ignore[arg-type]
            library,
            source.sink(forced()) if write else None,
        )
    say_partial(result.partial)
    warn_unknown(result.unknown)
    to_stdout = output is None
    if write:
        state = "réécrite" if result.written else "déjà à jour"
        click.echo(
            f"{path.name}\u00a0: feuille «\u00a0{result.sheet}\u00a0» {state}.",
            err=fmt == "json" and to_stdout,
        )
    if fmt in ("pdf", "png"):
        from cbpt_sheets.render.charts import draw

        assert output is not None
        operations.write_output(output, draw(result.campaign, fmt))
        click.echo(f"Graphiques écrits\u00a0: {output}")
        return
    from cbpt_sheets.render.report import report_json, report_text

    text = (
        report_json(result.campaign, pretty=output is not None or sys.stdout.isatty())
        if fmt == "json"
        else report_text(result.campaign)
    )
    if output is not None:
        operations.write_output(output, text.encode("utf-8"))
        click.echo(f"Rapport écrit\u00a0: {output}")
        return
    click.echo(text, nl=False)
