"""The ``cbpt-sheets`` command line (click): thin, each command calls the library."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import CbptError

F = TypeVar("F", bound=Callable[..., Any])


def parse_day(value: str | None) -> dt.date:
    """``--today``: ``YYYY-MM-DD`` or ``DD/MM/YYYY``; the machine's date when absent."""
    if value is None:
        return dt.date.today()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise click.BadParameter(
        f"« {value} » n'est pas une date : écrivez-la AAAA-MM-JJ ou JJ/MM/AAAA (ex. 2026-12-01).",
        param_hint="--today",
    )


def today_option(func: F) -> F:
    """The ``--today`` option shared by the commands that compute on dates."""
    return click.option(
        "--today",
        "today",
        metavar="DATE",
        help="Date du jour à utiliser (AAAA-MM-JJ ou JJ/MM/AAAA) ; par défaut, aujourd'hui.",
    )(func)


def handle_errors(func: F) -> F:
    """Turn the library's exceptions into a French message on stderr and exit code 3."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CbptError as exc:
            click.echo(f"Erreur : {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrompu.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


existing_path = click.Path(path_type=Path, dir_okay=True, file_okay=True, exists=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="cbpt-sheets", message="%(prog)s %(version)s")
def cli() -> None:
    """Le classeur de prospection des bibliothèques CBPT.

    \b
    Pour commencer :  cbpt-sheets demo
    Nouveau classeur : cbpt-sheets new suivi.xlsx
    Vérifier :         cbpt-sheets check suivi.xlsx
    """


# --- new, demo (issue 2) -----------------------------------------------------

DEMO_NAME = "exemple-suivi.xlsx"
SHEET_LABELS = {"organisations": "organisations", "calls": "appels", "appointments": "rendez-vous"}


def _thousands(n: int) -> str:
    """A count the French way: 1 250."""
    return f"{n:,}".replace(",", "\u202f")


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
    from .template import create_workbook

    created = create_workbook(path, lang=lang, example=example, force=force)
    click.echo(f"Classeur créé : {created}")


def read_summary(path: Path) -> str:
    """One line per data sheet: what was read."""
    from .reader import read_raw

    raw = read_raw(path)
    lines = [f"Classeur lu : {path.name} ({'français' if raw.lang == 'fr' else 'anglais'})"]
    for key, label in SHEET_LABELS.items():
        sheet = raw.sheets.get(key)
        count = len(sheet.rows) if sheet else 0
        name = sheet.name if sheet else "absente"
        lines.append(f"  {name:<15} {_thousands(count):>6} {label}")
    return "\n".join(lines)


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
    from .template import create_workbook

    day = parse_day(today)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DEMO_NAME
    if path.exists():
        click.echo(f"{path} existe déjà : il est utilisé tel quel (supprimez-le pour repartir de l'exemple).")
    else:
        create_workbook(path, example=True, today=day)
        click.echo(f"Classeur d'exemple écrit : {path}")
    click.echo(read_summary(path))
    for section in demo_sections(path, day):
        click.echo("")
        click.echo(section)
    click.echo("")
    click.echo(f"Ouvrez {path} dans Excel ou LibreOffice, puis essayez : cbpt-sheets check {path}")


def demo_sections(path: Path, day: dt.date) -> list[str]:
    """The other commands' outputs on the demo workbook (check summary, next actions, follow-up)."""
    return []


# --- check (issue 3) ---------------------------------------------------------


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
@handle_errors
def check_command(path: Path, today: str | None, fmt: str, strict: bool, fix: bool) -> None:
    """Vérifie un classeur : chaque problème, cellule par cellule, et comment le corriger.

    \b
    Exemples :
      cbpt-sheets check suivi.xlsx
      cbpt-sheets check suivi.xlsx --fix
      cbpt-sheets check suivi.xlsx --format json --today 2026-12-01

    Code de sortie : 0 aucune erreur, 1 au moins une erreur (ou un avertissement
    avec --strict), 2 commande mal écrite, 3 fichier illisible ou impossible à écrire.
    """
    import json

    from . import api, checks

    day = parse_day(today)
    if fix:
        fixes, raw, report = api.fix_file(path, day)
        out = click.echo if fmt == "text" else functools.partial(click.echo, err=True)
        if fixes:
            out(f"{checks.plural(len(fixes), 'correction appliquée', 'corrections appliquées')} :")
            for item in fixes:
                out("  " + checks.fix_line(item))
            out("")
        else:
            out("Aucune correction automatique à faire.")
    else:
        raw, report = api.load_and_check(path, day)
    if fmt == "json":
        click.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=1))
    else:
        click.echo(checks.render_text(report, len(raw.sheets), raw.row_count))
    failed = report.counts.get("error", 0) > 0 or (strict and report.counts.get("warning", 0) > 0)
    sys.exit(1 if failed else 0)


# --- next, followup, brief (issue 4) -----------------------------------------


# --- addin (issue 6) ---------------------------------------------------------


@cli.group("addin")
def addin_group() -> None:
    """Le complément Excel qui ajoute l'onglet CBPT au ruban.

    \b
    À faire une seule fois sur l'ordinateur du bénévole (Windows ou Mac) :
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
    from .addin import build_addin

    if path is not None and path.suffix and path.suffix.lower() != ".xlam" and not path.is_dir():
        raise click.BadParameter(
            f"« {path.name} » : le complément doit avoir l'extension .xlam (ex. CBPT.xlam).",
            param_hint="PATH",
        )
    built = build_addin(path)
    click.echo(f"Complément construit : {built.resolve()}")
    click.echo("Pour l'installer dans Excel : cbpt-sheets addin install")


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
    from .addin import install_addin

    installed = install_addin()
    click.echo(f"Complément installé : {installed}")
    click.echo("Fermez puis rouvrez Excel : l'onglet CBPT apparaît dans le ruban.")


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="cbpt-sheets")
