"""``check``: the checks of checks.md, cell by cell; ``--fix`` writes the safe fixes.

Imports at module level stay light (click, the group, the operations): the workbook
starts being read in threads before the renderers and the core are imported.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from cbpt_sheets import operations
from cbpt_sheets.cli.app import (
    cli,
    echo_json,
    existing_path,
    force_option,
    forced,
    handle_errors,
    parse_day,
    progress,
    say,
    today_option,
)


@cli.command("check")
@click.argument("path", type=existing_path)
@today_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Sortie lisible (text) ou JSON pour un autre programme.",
)
@click.option("--strict", is_flag=True, help="Un avertissement compte comme une erreur (code 1).")
@click.option(
    "--fix",
    is_flag=True,
    help="Corrige ce qui peut l'être sans risque (dates écrites en texte, orthographe des "
    "listes, format des téléphones, zéro des codes postaux), puis revérifie.",
)
@click.option(
    "--network",
    "network",
    multiple=True,
    type=existing_path,
    metavar="AUTRE",
    help="Le classeur d'une autre bibliothèque du réseau (répétable) : signale les "
    "organisations qu'elle suit déjà.",
)
@force_option
@handle_errors
def check_command(
    path: Path, today: str | None, fmt: str, strict: bool, fix: bool, network: tuple[Path, ...]
) -> None:
    """Vérifie un classeur : chaque problème, cellule par cellule, et comment le corriger.

    \b
    Exemples :
      cbpt-sheets check suivi.xlsx
      cbpt-sheets check suivi.xlsx --fix
      cbpt-sheets check suivi.xlsx --format json --today 2026-12-01
      cbpt-sheets check suivi.xlsx --network plaisance.xlsx --network alesia.xlsx

    Code de sortie : 0 aucune erreur, 1 au moins une erreur (ou un avertissement
    avec --strict), 2 commande mal écrite, 3 fichier illisible ou impossible à écrire.
    """
    day = parse_day(today)
    source = operations.open_file(path, write=fix)
    if fix:
        fixed = operations.fix_workbook(source, day, source.sink(forced()))
        checked = fixed.after
        _echo_fixes(fixed, fmt)
        if network:
            checked = operations.check_workbook(operations.open_file(path), day, list(network))
    else:
        with progress(path, fmt):
            checked = operations.check_workbook(source, day, list(network))
    from cbpt_sheets.render.checks import render_text

    report = checked.report
    if fmt == "json" and not sys.stdout.isatty():
        from cbpt_sheets.render.checks import report_json_chunks

        for chunk in report_json_chunks(report):  # streamed: no 16 MB string (issue 22)
            click.echo(chunk, nl=False)
        click.echo("")
    elif fmt == "json":
        echo_json(report.model_dump(mode="json"))
    else:
        say(render_text(report, checked.sheets, checked.rows))
    failed = report.counts.get("error", 0) > 0 or (strict and report.counts.get("warning", 0) > 0)
    sys.exit(1 if failed else 0)


def _echo_fixes(fixed: operations.FixResult, fmt: str) -> None:
    """The fixes applied, on stdout (on stderr beside JSON)."""
    from cbpt_sheets.core.french import plural
    from cbpt_sheets.render.checks import fix_line

    out = say if fmt == "text" else functools.partial(say, err=True)
    if fixed.fixes:
        out(f"{plural(len(fixed.fixes), 'correction appliquée', 'corrections appliquées')} :")
        for item in fixed.fixes:
            out("  " + fix_line(item))
        out("")
    else:
        out("Aucune correction automatique à faire.")
