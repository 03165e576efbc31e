"""``lite [DIR] [--wheel-url URL]``: main.py and requirements.txt for xlwings Lite."""

from __future__ import annotations

from pathlib import Path

import click

from cbpt_sheets.cli.app import cli, handle_errors


@cli.command("lite")
@click.argument(
    "folder", required=False, type=click.Path(path_type=Path, file_okay=False, dir_okay=True)
)
@click.option(
    "--wheel-url",
    metavar="URL",
    help=(
        "Adresse web d'une roue cbpt_sheets-VERSION-py3-none-any.whl de cette version, "
        "à installer à la place de la version publiée."
    ),
)
@handle_errors
def lite_command(folder: Path | None, wheel_url: str | None) -> None:
    """Écrit main.py et requirements.txt à coller dans xlwings Lite (dans DIR, par défaut
    le dossier courant).

    xlwings Lite (complément gratuit de la boutique d'Excel) fait tourner Python dans
    Excel, sans rien installer sur l'ordinateur : collez main.py dans l'onglet main.py
    de son volet et requirements.txt dans l'onglet requirements.txt. Les boutons
    Vérifier, Prochaines actions, Liste de suivi et Fiche d'appel apparaissent.

    \b
    Exemple :
      cbpt-sheets lite
      cbpt-sheets lite xlwings-lite --wheel-url https://exemple.org/cbpt_sheets-0.1.0-py3-none-any.whl
    """
    from cbpt_sheets import version
    from cbpt_sheets.excel.lite import write_lite

    written = write_lite(folder or Path.cwd(), version(), wheel_url)
    for path in written:
        click.echo(f"Écrit : {path}")
    click.echo(
        "Dans Excel : ouvrez xlwings Lite (onglet Accueil), collez main.py dans l'onglet "
        "main.py et requirements.txt dans l'onglet requirements.txt, puis attendez la fin "
        "de l'installation (fenêtre Output)."
    )
