"""``addin build`` and ``addin install``: the Excel add-in with the CBPT ribbon tab."""

from __future__ import annotations

from pathlib import Path

import click

from cbpt_sheets.cli.app import cli, handle_errors, say


@cli.group("addin")
def addin_group() -> None:
    """Le complément Excel qui ajoute l'onglet CBPT au ruban.

    \b
    Exemple, à faire une seule fois sur l'ordinateur du bénévole (Windows ou Mac) :
      cbpt-sheets addin install
    """


@addin_group.command("build")
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=True))
@handle_errors
def addin_build(path: Path | None) -> None:
    """Construit le complément CBPT.xlam (par défaut dans le dossier courant).

    \b
    Exemple :
      cbpt-sheets addin build
      cbpt-sheets addin build complements/CBPT.xlam
    """
    from cbpt_sheets.excel.addin import build_addin

    if path is not None and path.suffix and path.suffix.lower() != ".xlam" and not path.is_dir():
        raise click.BadParameter(
            f"« {path.name} » : le complément doit avoir l'extension .xlam (ex. CBPT.xlam).",
            param_hint="PATH",
        )
    built = build_addin(path)
    say(f"Complément construit : {built.resolve()}")
    say("Pour l'installer dans Excel : cbpt-sheets addin install")


@addin_group.command("install")
@handle_errors
def addin_install() -> None:
    """Installe l'onglet CBPT dans Excel (Windows ou Mac), une fois pour toutes.

    Construit le complément et le copie dans le dossier de démarrage d'Excel.
    Fermez Excel avant, puis rouvrez-le : l'onglet CBPT apparaît dans le ruban.
    Sous Linux, Excel n'existe pas : le complément est construit dans le dossier
    courant et la commande le signale (code de sortie 3).

    \b
    Exemple :
      cbpt-sheets addin install
    """
    from cbpt_sheets.excel.addin import install_addin

    installed = install_addin()
    say(f"Complément installé : {installed}")
    say("Fermez puis rouvrez Excel : l'onglet CBPT apparaît dans le ruban.")
