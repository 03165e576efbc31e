"""The click group of ``cbpt-sheets``: French messages, shared options, errors, the exit.

The command modules (``cli/check.py``, ``cli/actions.py``...) add their commands to ``cli``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import os
import re
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

    def __init__(self, maximum: int | None = None) -> None:
        self.maximum = maximum

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
        if self.maximum is not None and number > self.maximum:
            self.fail(
                typo(f"{number} est trop grand : donnez un nombre de 0 à {self.maximum}."),
                param,
                ctx,
            )
        return number


_frenchify_click()
click.Context.formatter_class = FrenchHelpFormatter


def say(message: str, err: bool = False, nl: bool = True) -> None:
    """A French message on stdout (stderr with ``err``), with French typography."""
    click.echo(typo(message), err=err, nl=nl)


def say_partial(notices: list[str]) -> None:
    """On stderr (never in a JSON or CSV output): what the plan was made without."""
    for notice in notices:
        say(notice, err=True)


FIRST_DAY = dt.date(1900, 1, 1)  # a spreadsheet's dates start in 1900
LAST_DAY = dt.date(9999, 12, 31)


def parse_day(value: str | None) -> dt.date:
    """``--today``: ``YYYY-MM-DD`` or ``DD/MM/YYYY``, from 1900 to 9999; the machine's date when absent.

    Raises click.BadParameter (exit 2) for anything else.
    """
    if value is None:
        return dt.date.today()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
        if not FIRST_DAY <= day <= LAST_DAY:
            raise click.BadParameter(
                typo(
                    f"« {value} » est hors des dates qu'un tableur connaît : donnez une date "
                    "entre 1900 et 9999 (ex. 2026-12-01)."
                ),
                param_hint="--today",
            )
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
            click.echo("\r\033[K", file=getattr(sys.stderr, "unfiltered", sys.stderr), nl=False)


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


_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)")
_CONSOLE_FALLBACK = str.maketrans({"\u202f": "\u00a0", "\u2011": "-", "\u2212": "-"})


def clean_text(text: str) -> str:
    """Text without the control characters a cell may hide (escape sequences, bidi overrides).

    Tabs and line ends stay; a carriage return only before a line feed.
    """
    return _CONTROLS.sub("", text)


class CleanStream(io.TextIOBase):
    """A text stream (stdout, stderr) that strips control characters and never fails on a
    character the console cannot show (a Windows console in cp1252 gets ``?`` instead).

    ``unfiltered`` is the stream itself, for the progress line's own escape sequence.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self.unfiltered = stream

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.unfiltered, "encoding", None) or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return "replace"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return bool(self.unfiltered.isatty())

    def fileno(self) -> int:
        return int(self.unfiltered.fileno())

    def write(self, text: str) -> int:  # type: ignore[override]
        cleaned = clean_text(text)
        try:
            self.unfiltered.write(cleaned)
        except UnicodeEncodeError:
            encoding = self.encoding
            fallback = cleaned.translate(_CONSOLE_FALLBACK)
            self.unfiltered.write(fallback.encode(encoding, "replace").decode(encoding))
        return len(text)

    def flush(self) -> None:
        self.unfiltered.flush()


@contextlib.contextmanager
def _clean_streams() -> Iterator[None]:
    """stdout and stderr through CleanStream while a command runs."""
    saved = sys.stdout, sys.stderr
    devnull = None
    if sys.stdout is None or sys.stderr is None:  # started with a closed stdout or stderr
        devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if not isinstance(sys.stdout, CleanStream):
        sys.stdout = CleanStream(sys.stdout or devnull)
    if not isinstance(sys.stderr, CleanStream):
        sys.stderr = CleanStream(sys.stderr or devnull)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        if devnull is not None:
            devnull.close()


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stop like Ctrl-C (temporary files removed, nothing half-written)."""


def _terminate(signum: int, _frame: Any) -> None:
    raise Terminated(signum)


def _install_signals() -> None:
    """SIGTERM and SIGHUP stop the command the way Ctrl-C does (main thread only)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) in (signal.SIG_DFL, None):
            signal.signal(signum, _terminate)


def _quiet_stdout() -> None:
    """Point stdout at the null device (its reader is gone): nothing fails when flushing at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ else 1)
        os.close(devnull)


def _output_failed(exc: OSError) -> None:
    """stdout could not be written (a reader that quit, a full disk): say so, exit accordingly.

    The workbook is always written before anything is printed: when it was written,
    the exit code stays 0; otherwise a reader that quit (``| head``) is not an error
    (0), and any other failure of the output is (3).
    """
    import errno

    _quiet_stdout()
    from cbpt_sheets.ooxml.files import WRITTEN

    if exc.errno == errno.EPIPE or isinstance(exc, BrokenPipeError):
        sys.exit(0)
    done = " (le classeur a bien été écrit)" if WRITTEN else ""
    with contextlib.suppress(OSError, ValueError):
        click.echo(
            "Erreur : le résultat n'a pas pu être affiché : la sortie est pleine ou fermée"
            f"{done}. Redirigez-la vers un autre fichier ou un autre disque.",
            err=True,
        )
    sys.exit(0 if WRITTEN else 3)


def _flush_stdout() -> None:
    if sys.stdout is not None:
        sys.stdout.flush()


def handle_errors(func: F) -> F:
    """Turn the library's exceptions into a French message on stderr and exit code 3.

    Also: control characters stripped from what is printed (CleanStream), SIGTERM and
    SIGHUP handled like Ctrl-C, a failing stdout (closed, full) never a traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _install_signals()
        with _clean_streams():
            try:
                result = func(*args, **kwargs)
                _flush_stdout()
                return result
            except SystemExit as exc:
                try:
                    _flush_stdout()
                except OSError as out:
                    _output_failed(out)
                raise exc from None
            except CbptError as exc:
                say(f"Erreur : {exc}", err=True)
                sys.exit(exc.exit_code)
            except KeyboardInterrupt as exc:  # Ctrl-C 130; SIGTERM 143, SIGHUP 129
                say("Interrompu.", err=True)
                signum = exc.args[0] if isinstance(exc, Terminated) and exc.args else 2
                sys.exit(128 + int(signum))
            except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
                raise
            except OverflowError:  # a date computed past 9999
                say(
                    "Erreur : les dates calculées dépassent l'année 9999. Choisissez une date "
                    "--today plus proche (ou un nombre --days plus petit).",
                    err=True,
                )
                sys.exit(2)
            except OSError as exc:
                if exc.errno is not None and _is_stdout_error(exc):
                    _output_failed(exc)
                from cbpt_sheets.ooxml.files import file_error

                target = exc.filename or "le fichier"
                say(f"Erreur : {file_error(target, exc)}", err=True)
                sys.exit(3)
            except Exception as exc:  # a bug, not the volunteer's fault: no traceback for them
                if os.environ.get("CBPT_DEBUG"):
                    raise
                say(
                    f"Erreur inattendue ({type(exc).__name__} : {exc}). Ce n'est pas de votre "
                    "faute : signalez-la aux responsables de cbpt-sheets avec le classeur "
                    "concerné (relancez avec CBPT_DEBUG=1 pour le détail technique).",
                    err=True,
                )
                sys.exit(3)

    return wrapper  # type: ignore[return-value]


def _is_stdout_error(exc: OSError) -> bool:
    """Whether an OSError came from writing stdout (no file name, a pipe or device error)."""
    import errno

    return exc.filename is None and (
        isinstance(exc, BrokenPipeError) or exc.errno in (errno.EPIPE, errno.ENOSPC, errno.EIO)
    )


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
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        _quiet_stdout()  # the reader is gone: what was to be said cannot be
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    os._exit(code)
