"""The ``cbpt-sheets`` command line (click): thin, each command calls the library."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from cbpt_sheets.core.french import NNBSP, thousands
from cbpt_sheets.errors import CbptError, os_error_fr

F = TypeVar("F", bound=Callable[..., Any])

# click's own messages (usage, help headings, usage errors) in French: a volunteer
# reads them too. click looks each one up through a module-level ``_``/``ngettext``.
CLICK_FR: dict[str, str] = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Show this message and exit.": "Affiche cette aide et s'arrête.",
    "Show the version and exit.": "Affiche la version et s'arrête.",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Pour l'aide : {command} {option}",
    "Invalid value for {param_hint}: {message}": "Valeur incorrecte pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur incorrecte : {message}",
    "Missing argument": "Il manque l'argument",
    "Missing option": "Il manque l'option",
    "Missing parameter": "Il manque le paramètre",
    "No such option {name!r}.": "L'option {name!r} n'existe pas.",
    "No such command {name!r}.": "La commande {name!r} n'existe pas.",
    "Missing command.": "Il manque la commande.",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Option {name!r} requires an argument.": "L'option {name!r} demande une valeur.",
    "Option {name!r} requires {nargs} arguments.": "L'option {name!r} demande {nargs} valeurs.",
    "Got unexpected extra argument ({args})": "Argument en trop : {args}",
    "Got unexpected extra arguments ({args})": "Arguments en trop : {args}",
    "Did you mean {possibility}?": "Vouliez-vous dire {possibility} ?",
    "(Did you mean one of: {possibilities}?)": "(Vouliez-vous dire l'une de : {possibilities} ?)",
    "{value!r} is not {choice}.": "{value!r} n'est pas {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} n'est pas l'une des valeurs {choices}.",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un nombre entier.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "default: {default}": "par défaut : {default}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} n'existe pas.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "file": "fichier",  # click capitalises it: « Fichier 'x' est un dossier. »
    "directory": "dossier",
    "path": "chemin",
    "Aborted!": "Interrompu.",
}


def _click_fr(message: str) -> str:
    """The French of one of click's messages (unchanged when not translated)."""
    return CLICK_FR.get(message, message)


def _click_nfr(singular: str, plural: str, n: int) -> str:
    """``ngettext`` for click's messages, in French."""
    return _click_fr(singular if n == 1 else plural)


def _frenchify_click() -> None:
    """Point click's message look-ups at CLICK_FR (idempotent)."""
    import importlib

    for name in ("core", "exceptions", "formatting", "types", "parser", "decorators", "termui"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _click_fr  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _click_nfr  # type: ignore[attr-defined]


_frenchify_click()


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


BIG_FILE_BYTES = 1_000_000  # a workbook of a few thousand rows and more


@contextlib.contextmanager
def progress(path: Path, fmt: str = "text") -> Iterator[None]:
    """On a terminal, say what is going on while a big workbook is read and computed.

    Nothing is shown for JSON or CSV output, when stderr is piped, or for a small file.
    """
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    show = fmt == "text" and size >= BIG_FILE_BYTES and sys.stderr.isatty()
    if show:
        mb = f"{size / 1_000_000:.1f}".replace(".", ",")
        click.echo(f"Lecture et calcul de « {path.name} » ({mb} Mo)…", err=True, nl=False)
    try:
        yield
    finally:
        if show:
            click.echo("\r\033[K", err=True, nl=False)


def today_option(func: F) -> F:
    """The ``--today`` option shared by the commands that compute on dates."""
    return click.option(
        "--today",
        "today",
        metavar="DATE",
        help="Date du jour à utiliser (AAAA-MM-JJ ou JJ/MM/AAAA) ; par défaut, aujourd'hui.",
    )(func)


def _remember_force(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta["cbpt.force"] = value


def force_option(func: F) -> F:
    """``--force`` on the commands that write: override a stale lock file left by Excel or LibreOffice."""
    return click.option(
        "--force",
        is_flag=True,
        expose_value=False,
        callback=_remember_force,
        help="Écrire malgré un fichier de verrou d'Excel ou de LibreOffice resté après une "
        "fermeture brutale (vérifiez d'abord que le classeur est bien fermé).",
    )(func)


def forced() -> bool:
    """Whether ``--force`` was given to the running command."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get("cbpt.force"))


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
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # output piped into `head` or a pager that quit: not an error
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:  # a bug, not the volunteer's fault: no traceback for them
            if os.environ.get("CBPT_DEBUG"):
                raise
            click.echo(
                f"Erreur inattendue ({type(exc).__name__} : {exc}). Ce n'est pas de votre faute : "
                "signalez-la aux responsables de cbpt-sheets avec le classeur concerné "
                "(relancez avec CBPT_DEBUG=1 pour le détail technique).",
                err=True,
            )
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


existing_path = click.Path(path_type=Path, dir_okay=True, file_okay=True, exists=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    None,
    "--version",
    package_name="cbpt-sheets",  # looked up only when --version is given
    prog_name="cbpt-sheets",
    message="%(prog)s %(version)s",
)
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
    from cbpt_sheets.ooxml.template import create_workbook

    created = create_workbook(path, lang=lang, example=example, force=force)
    click.echo(f"Classeur créé : {created}")


def start_reading(path: Path) -> Any:
    """Check the file and start reading it in threads (``source.PendingBook``).

    Called first thing by the reading commands: the parsing then overlaps the
    import of pydantic and the rules, which take a fifth of a second.
    """
    from cbpt_sheets.ooxml.source import open_book

    return open_book(path)


def fingerprint_and_read(path: Path, write: bool) -> tuple[Any, Any]:
    """The file's fingerprint if the command will write, then the reading started.

    The fingerprint is taken first, so that a change made while reading is caught.
    """
    seen = None
    if write:
        from cbpt_sheets.ooxml.writer import fingerprint  # the writer only when writing

        seen = fingerprint(path)
    return seen, start_reading(path)


def load_raw(path: Path, book: Any = None) -> Any:
    """Read a workbook for next, followup and brief: it must have an Organisations sheet.

    ``book``: the reading ``start_reading`` started (else it starts here).
    """
    from cbpt_sheets.ooxml.reader import read_raw

    raw = read_raw(book if book is not None else path)
    if "organisations" not in raw.sheets:
        raise CbptError(
            f"« {path.name} » n'est pas un classeur de suivi CBPT : la feuille « Organisations » "
            "est absente. Créez un classeur avec « cbpt-sheets new », ou vérifiez celui-ci avec "
            "« cbpt-sheets check »."
        )
    return raw


def load_workbook(path: Path, book: Any = None) -> Any:
    """The typed workbook of ``load_raw``."""
    from cbpt_sheets.core.dataset import build

    return build(load_raw(path, book))


def read_summary(path: Path) -> str:
    """One line per data sheet: what was read."""
    from cbpt_sheets.ooxml.reader import read_raw

    raw = read_raw(path)
    lines = [f"Classeur lu : {path.name} ({'français' if raw.lang == 'fr' else 'anglais'})"]
    for key, label in SHEET_LABELS.items():
        sheet = raw.sheets.get(key)
        count = len(sheet.numbers) if sheet else 0
        name = sheet.name if sheet else "absente"
        lines.append(f"  {name:<15} {thousands(count, NNBSP):>6} {label}")
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
    from cbpt_sheets.ooxml.template import create_workbook

    day = parse_day(today)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DEMO_NAME
    if path.exists():
        click.echo(
            f"{path} existe déjà : il est utilisé tel quel (supprimez-le pour repartir de l'exemple)."
        )
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
    from cbpt_sheets.operations import load_and_check
    from cbpt_sheets.render.checks import render_text

    raw, report = load_and_check(path, day)
    checked = "Contrôles (cbpt-sheets check) :\n" + render_text(
        report, len(raw.sheets), raw.row_count
    )
    return [checked, *next_demo_sections(path, day)]


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
@force_option
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

    day = parse_day(today)
    book = None if fix else start_reading(path)
    from cbpt_sheets import operations as api
    from cbpt_sheets.render import checks

    if fix:
        fixes, raw, report = api.fix_file(path, day, force=forced())
        out = click.echo if fmt == "text" else functools.partial(click.echo, err=True)
        if fixes:
            out(f"{checks.plural(len(fixes), 'correction appliquée', 'corrections appliquées')} :")
            for item in fixes:
                out("  " + checks.fix_line(item))
            out("")
        else:
            out("Aucune correction automatique à faire.")
    else:
        with progress(path, fmt):
            raw, report = api.load_and_check(book if book is not None else path, day)
    if fmt == "json":
        _echo_json(report.model_dump(mode="json"))
    else:
        click.echo(checks.render_text(report, len(raw.sheets), raw.row_count))
    failed = report.counts.get("error", 0) > 0 or (strict and report.counts.get("warning", 0) > 0)
    sys.exit(1 if failed else 0)


# --- next, followup, brief (issue 4) -----------------------------------------

_FORMAT_HELP = "Sortie lisible (text) ou JSON pour un autre programme."


def _width() -> int:
    """The terminal width for the text tables (100 when piped)."""
    import shutil

    return max(shutil.get_terminal_size((100, 24)).columns, 60)


def _json_text(document: Any, pretty: bool | None = None) -> str:
    """JSON text: indented for a person at a terminal, compact (and much faster) for a program."""
    import json

    if pretty is None:
        pretty = sys.stdout.isatty()
    return json.dumps(document, ensure_ascii=False, indent=1 if pretty else None)


def _echo_json(document: dict[str, Any]) -> None:
    click.echo(_json_text(document))


def _computed_cells(raw: Any, actions: list[Any]) -> dict[tuple[str, str], Any]:
    """The Organisations cells that ``next --write`` sets: computed columns and missing IDs."""
    from cbpt_sheets.core import values
    from cbpt_sheets.render import computed_values, new_ids

    sheet = raw.sheets.get("organisations")
    if sheet is None:
        return {}
    by_row = {a.row: a for a in actions}
    cells: dict[tuple[str, str], Any] = {}
    rows = [r for r in sheet.rows if r.row in by_row]
    if "id" in sheet.columns:
        missing = [r for r in rows if values.text(r.values.get("id")) is None]
        existing = [values.text(r.values.get("id")) for r in sheet.rows]
        for raw_row, new_id in zip(missing, new_ids(existing, len(missing)), strict=True):
            cells[(sheet.name, sheet.cell("id", raw_row.row))] = new_id
    for raw_row in rows:
        for key, value in computed_values(by_row[raw_row.row]).items():
            if key not in sheet.columns:
                continue
            old = raw_row.values.get(key)
            same = (
                values.parse_date(old) == value
                if key == "due" and value is not None
                else (values.text(old) or None) == (value or None)
            )
            if not same:
                cells[(sheet.name, sheet.cell(key, raw_row.row))] = value
    return cells


def _grid_to_sheet(ws: Any, grid: Any) -> None:
    """Lay a SheetGrid out on an (emptied) openpyxl sheet: titles, headers, dates, widths, print."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    if ws.max_row > 1 or ws.max_column > 1 or ws["A1"].value is not None:
        ws.delete_rows(1, ws.max_row)
    for merged in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(merged))
    for r, row in enumerate(grid.rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(value, dt.date):
                cell.number_format = "dd/mm/yyyy"
    for index in grid.title_rows:
        ws.cell(row=index + 1, column=1).font = Font(bold=True, size=14 if index == 0 else 12)
        ws.cell(row=index + 1, column=1).alignment = Alignment(wrap_text=False)
    for index in grid.header_rows:
        for c in range(1, len(grid.rows[index]) + 1):
            cell = ws.cell(row=index + 1, column=c)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="4472C4")
    for c, width in enumerate(grid.widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _localised(grid: Any, path: Path) -> Any:
    """A generated sheet named as in the workbook: an existing Suivi/Follow-up, else in its language."""
    import zipfile

    from cbpt_sheets.core.schema import DATA_SHEETS, SHEETS_BY_KEY, match_sheet
    from cbpt_sheets.ooxml.package import sheet_parts

    with zipfile.ZipFile(path) as archive:
        names = list(sheet_parts(archive))
    key = match_sheet(grid.name)
    if key is None:
        return grid
    existing = next((n for n in names if match_sheet(n) == key), None)
    english = any(n in (s.en for s in DATA_SHEETS if s.en != s.fr) for n in names)
    name = existing or SHEETS_BY_KEY[key].name("en" if english else "fr")
    return grid.model_copy(update={"name": name})


def write_back(
    path: Path,
    cells: dict[tuple[str, str], Any] | None = None,
    grids: list[Any] | None = None,
    expected: Any = None,
) -> bool:
    """Write cells and generated sheets through the safe writer; False when nothing changed."""
    from cbpt_sheets.ooxml.writer import write_changes

    grids = [_localised(grid, path) for grid in grids or []]
    by_sheet: dict[str, dict[str, Any]] = {}
    for (sheet, ref), value in (cells or {}).items():
        by_sheet.setdefault(sheet, {})[ref] = value
    result = write_changes(
        path, cells=by_sheet, sheets=grids or [], expected=expected, force=forced()
    )
    return result.written


def next_demo_sections(path: Path, day: dt.date) -> list[str]:
    """For ``demo``: the next actions and this week's follow-up list of a workbook, as text."""
    from cbpt_sheets.core.followup import followup
    from cbpt_sheets.core.rules import next_actions
    from cbpt_sheets.ooxml.reader import read_workbook
    from cbpt_sheets.render import actions_text, followup_text

    actions = next_actions(read_workbook(path), day)
    items = followup(actions, day, days=7)
    return [
        actions_text(actions, day, _width()),
        followup_text(items, day, "cette semaine", _width()),
    ]


def _warn_unknown_filter(actions: list[Any], volunteer: str | None, library: str | None) -> None:
    """Say on stderr when --volunteer or --library names nobody, with the names that exist."""
    from cbpt_sheets.core.followup import matches

    for wanted, attribute, what in (
        (volunteer, "volunteer", "bénévole"),
        (library, "library", "bibliothèque"),
    ):
        if not wanted:
            continue
        known = sorted({getattr(a, attribute) for a in actions if getattr(a, attribute)})
        if not any(matches(name, wanted) for name in known):
            listed = ", ".join(f"« {name} »" for name in known) or "aucun nom saisi"
            click.echo(
                f"Attention : aucune organisation n'a « {wanted} » comme {what}. "
                f"Noms présents dans le classeur : {listed}.",
                err=True,
            )


def _filters_subtitle(days: int | None, volunteer: str | None, library: str | None) -> str:
    parts = [
        f"bénévole : {volunteer}" if volunteer else "",
        f"bibliothèque : {library}" if library else "",
        f"échéances à {days} jour{'s' if days != 1 else ''}" if days is not None else "",
    ]
    return " · ".join(p for p in parts if p)


@cli.command("next")
@click.argument("path", type=existing_path)
@today_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help=_FORMAT_HELP)  # fmt: skip
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
    seen, book = fingerprint_and_read(path, write)
    from cbpt_sheets.core import dataset
    from cbpt_sheets.core.gc_pause import gc_paused
    from cbpt_sheets.core.rules import next_actions
    from cbpt_sheets.render import actions_text, next_json

    with progress(path, fmt), gc_paused():  # many small acyclic objects
        raw = load_raw(path, book)
        workbook = dataset.build(raw)
        if not write:
            del raw  # only --write needs the raw rows: free them before computing
        actions = next_actions(workbook, day)
        del workbook
    if write:
        cells = _computed_cells(raw, actions)
        done = write_back(path, cells, expected=seen) if cells else False
        message = (
            f"{path.name} : {len(cells)} cellule{'s' if len(cells) > 1 else ''} mise{'s' if len(cells) > 1 else ''} à jour."
            if done
            else f"{path.name} : déjà à jour, rien à écrire."
        )
        click.echo(message, err=fmt == "json")
    if fmt == "json":
        _echo_json(next_json(actions, day))
    else:
        click.echo(actions_text(actions, day, _width()))


@cli.command("followup")
@click.argument("path", type=existing_path)
@today_option
@click.option("--days", type=click.IntRange(min=0), metavar="N",
              help="Seulement les actions à échéance dans N jours au plus (les retards toujours).")  # fmt: skip
@click.option("--volunteer", metavar="NOM", help="Seulement les organisations de ce bénévole.")
@click.option("--library", metavar="NOM", help="Seulement les organisations de cette bibliothèque.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "xlsx"]), default="text",
              show_default=True, help="Texte, JSON, CSV (Excel français) ou classeur xlsx (avec --output).")  # fmt: skip
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), metavar="FICHIER",
              help="Écrire la liste dans ce fichier (obligatoire pour xlsx).")  # fmt: skip
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
      cbpt-sheets followup suivi.xlsx --write
    """
    if fmt == "xlsx" and output is None:
        raise click.UsageError("--format xlsx demande --output FICHIER (ex. --output liste.xlsx).")
    day = parse_day(today)
    seen, book = fingerprint_and_read(path, write)
    from cbpt_sheets.core.followup import followup, gdpr_list
    from cbpt_sheets.core.gc_pause import gc_paused
    from cbpt_sheets.core.rules import next_actions
    from cbpt_sheets.render import followup_csv, followup_json, followup_text, suivi_grid

    with progress(path, fmt), gc_paused():  # many small acyclic objects
        actions = next_actions(load_workbook(path, book), day)
    items = followup(actions, day, days, volunteer, library)
    subtitle = _filters_subtitle(days, volunteer, library)
    _warn_unknown_filter(actions, volunteer, library)
    if write:
        gdpr = gdpr_list(actions, volunteer, library)
        grid = suivi_grid(items, day, subtitle, gdpr)
        done = write_back(path, grids=[grid], expected=seen)
        message = "feuille Suivi réécrite" if done else "feuille Suivi déjà à jour"
        click.echo(f"{path.name} : {message}.", err=fmt in ("json", "csv") and output is None)
    if fmt == "xlsx":
        import openpyxl

        from cbpt_sheets.ooxml.template import save_atomic

        assert output is not None
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        grid = suivi_grid(items, day, subtitle, gdpr_list(actions, volunteer, library))
        sheet.title = grid.name
        _grid_to_sheet(sheet, grid)
        try:
            save_atomic(book, output)
        except OSError as exc:
            raise CbptError(f"Impossible d'écrire « {output} » : {os_error_fr(exc)}.") from exc
        click.echo(f"Liste de suivi écrite : {output}")
        return
    if fmt == "json":
        text = _json_text(followup_json(items, day), pretty=output is not None or None) + "\n"
    elif fmt == "csv":
        text = followup_csv(items)
    else:
        gdpr = gdpr_list(actions, volunteer, library)
        text = followup_text(items, day, subtitle, _width(), gdpr)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise CbptError(f"Impossible d'écrire « {output} » : {os_error_fr(exc)}.") from exc
    click.echo(f"Liste de suivi écrite : {output}")


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

    ORGANISATION est le Nom (majuscules et accents ignorés) ou l'ID.

    \b
    Exemples :
      cbpt-sheets brief suivi.xlsx "Hôpital Necker"
      cbpt-sheets brief suivi.xlsx ORG-0003 --write
    """
    day = parse_day(today)
    seen, book = fingerprint_and_read(path, write)
    from cbpt_sheets.core.brief import brief
    from cbpt_sheets.render import brief_text, fiche_grid

    result = brief(load_workbook(path, book), organisation, day)
    click.echo(brief_text(result, _width()))
    if write:
        done = write_back(path, grids=[fiche_grid(result)], expected=seen)
        click.echo(f"{path.name} : feuille Fiche {'écrite' if done else 'déjà à jour'}.")


# --- addin (issue 6) ---------------------------------------------------------


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
    from cbpt_sheets.excel.addin import install_addin

    installed = install_addin()
    click.echo(f"Complément installé : {installed}")
    click.echo("Fermez puis rouvrez Excel : l'onglet CBPT apparaît dans le ruban.")


def main() -> None:
    """Entry point of the console script."""
    try:
        cli(prog_name="cbpt-sheets")
    except SystemExit as exc:
        _exit_now(exc.code)
        raise


def _exit_now(code: object) -> None:
    """End the process at once with ``code``: skip freeing the workbook's objects one by one.

    On 100k rows, tearing down the interpreter takes a fifth of a second. The output is
    flushed and the atexit handlers run first; when anything is unusual (another
    thread, an exit code that is not a number, a flush that fails) this returns and
    the normal exit happens.
    """
    import atexit
    import threading

    if code is None:
        code = 0
    if not isinstance(code, int) or isinstance(code, bool) or threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    os._exit(code)
