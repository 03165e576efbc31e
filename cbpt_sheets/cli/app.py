"""The click group of ``cbpt-sheets``: French messages, shared options, errors, the exit.

The command modules (``cli/check.py``, ``cli/actions.py``...) add their commands to ``cli``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from cbpt_sheets.core.french import typo
from cbpt_sheets.errors import CbptError

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
    """The French of one of click's messages (unchanged when not translated), French typography."""
    return typo(CLICK_FR.get(message, message))


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


class FrenchHelpFormatter(click.HelpFormatter):
    """click's help with French typography (no-break space before : ; ? ! and inside « »)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, typo(prefix) if prefix else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(typo(heading))

    def write_text(self, text: str) -> None:
        super().write_text(typo(text))

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        super().write_dl([(a, typo(b)) for a, b in rows], col_max, col_spacing)


class Natural(click.ParamType[int]):
    """A whole number, 0 or more, refused in French (click's IntRange shows ``[x>=0]`` in help)."""

    name = "nombre entier positif ou nul"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(typo(f"« {value} » n'est pas un nombre entier (ex. 7)."), param, ctx)
        if number < 0:
            self.fail(f"{number} est négatif, donnez 0 ou un nombre positif.", param, ctx)
        return number


_frenchify_click()
click.Context.formatter_class = FrenchHelpFormatter


def say(message: str, err: bool = False, nl: bool = True) -> None:
    """A French message on stdout (stderr with ``err``), with French typography."""
    click.echo(typo(message), err=err, nl=nl)


def parse_day(value: str | None) -> dt.date:
    """``--today``: ``YYYY-MM-DD`` or ``DD/MM/YYYY``; the machine's date when absent."""
    if value is None:
        return dt.date.today()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
        warn_far_today(day)
        return day
    raise click.BadParameter(
        typo(
            f"« {value} » n'est pas une date : écrivez-la AAAA-MM-JJ ou JJ/MM/AAAA (ex. 2026-12-01)."
        ),
        param_hint="--today",
    )


FAR_TODAY_DAYS = 366
"""``--today`` further than this from the machine's date (a year) draws a warning on stderr."""


def warn_far_today(day: dt.date, real: dt.date | None = None) -> bool:
    """Say on stderr (never in the JSON or CSV of stdout) that ``--today`` is far from the date.

    A mistyped year (2062 for 2026) would quietly put every due date in the past or the
    future. ``CBPT_SHEETS_TODAY_FAR_OK=1`` silences it (a test pinned on a fixed day).
    Returns whether the warning was given.
    """
    real = real or dt.date.today()
    gap = (day - real).days
    if abs(gap) <= FAR_TODAY_DAYS or os.environ.get("CBPT_SHEETS_TODAY_FAR_OK") == "1":
        return False
    years = int(abs(gap) / 365.25)
    amount = f"plus de {years} an{'s' if years > 1 else ''}"
    click.echo(
        f"Attention : --today donne le {day.strftime('%d/%m/%Y')}, à {amount} de la date "
        f"du jour ({real.strftime('%d/%m/%Y')}). Les échéances sont calculées pour ce "
        "jour-là : vérifiez l'année.",
        err=True,
    )
    return True


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
        say(f"Lecture et calcul de « {path.name} » ({mb} Mo)…", err=True, nl=False)
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
            say(f"Erreur : {exc}", err=True)
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
            say(
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


FORMAT_HELP = "Sortie lisible (text) ou JSON pour un autre programme."


def width() -> int:
    """The terminal width for the text tables (100 when piped)."""
    return max(shutil.get_terminal_size((100, 24)).columns, 60)


def echo_json(document: Any) -> None:
    """A JSON document on stdout: indented at a terminal, compact for a program."""
    from cbpt_sheets.render.formats import json_text

    click.echo(json_text(document, sys.stdout.isatty()))


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
