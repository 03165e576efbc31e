"""xlwings entry points of the CBPT ribbon tab: each button is one call into the operations.

Each button (``addin.py``, ``templates/CBPT.bas``) runs one function here on the
workbook in front of the volunteer: the workbook is the operation's source and sink
(``excel.book``), so a button sets the same cells as its command (Prochaines actions
as ``next --write``, Liste de suivi as ``followup --write``, Fiche d'appel as
``brief --write``), in bulk calls. Errors reach the volunteer as a French message box.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import xlwings as xw

from cbpt_sheets import operations
from cbpt_sheets.core.a1 import column_letter as column_letter  # used by the tests
from cbpt_sheets.core.brief import Brief
from cbpt_sheets.core.french import plural, typo
from cbpt_sheets.core.models import FollowUpItem, NextAction, Report
from cbpt_sheets.errors import CbptError
from cbpt_sheets.errors import NotInExcel as NotInExcel  # its old home
from cbpt_sheets.excel.book import ExcelSink, ExcelSource
from cbpt_sheets.excel.book import read_book as read_book  # its old home
from cbpt_sheets.operations import MARK_ERROR as MARK_ERROR
from cbpt_sheets.operations import MARK_WARNING as MARK_WARNING

TITLE = "CBPT"
F = TypeVar("F", bound=Callable[..., Any])


# ---------------------------------------------------------------- plumbing


def calling_book(book: xw.Book | None = None) -> xw.Book:
    """The workbook in front of the volunteer: ``book``, else the caller (never the add-in)."""
    if book is not None:
        return book
    try:
        caller = xw.Book.caller()
    except Exception as exc:
        raise NotInExcel("Ce bouton doit être lancé depuis Excel, sur un classeur ouvert.") from exc
    if caller.name.lower().endswith((".xlam", ".xla")):
        return caller.app.books.active
    return caller


def alert(book: xw.Book, message: str) -> None:
    """A French message box in Excel (the only way errors and summaries reach the volunteer)."""
    book.app.alert(typo(message), title=TITLE)


def entry_point(func: F) -> F:
    """Run a button's work and turn any failure into a readable French message, not a traceback."""

    @functools.wraps(func)
    def wrapper(book: xw.Book | None = None, *args: Any, **kwargs: Any) -> Any:
        target: xw.Book | None = None
        try:
            target = calling_book(book)
            return func(target, *args, **kwargs)
        except CbptError as exc:
            message = str(exc)
        except Exception as exc:
            print(f"cbpt-sheets: {type(exc).__name__}: {exc}", file=sys.stderr)
            message = (
                "Le bouton n'a pas pu aller au bout à cause d'une erreur inattendue "
                f"({type(exc).__name__} : {exc}). Enregistrez le classeur, fermez-le, "
                "rouvrez-le et recommencez ; si le problème continue, envoyez le classeur "
                "au référent informatique de la bibliothèque."
            )
        if target is None:
            raise CbptError(message)
        alert(target, message)
        return None

    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------- the buttons


@entry_point
def verify(book: xw.Book | None = None, today: dt.date | None = None) -> Report:
    """Vérifier: the checks, listed in Contrôles with links, cells in error marked, old marks cleared."""
    assert book is not None
    source = ExcelSource(book)
    result = operations.verify(source, today or dt.date.today(), ExcelSink(book, source))
    errors = result.report.counts.get("error", 0)
    warnings = result.report.counts.get("warning", 0)
    if errors or warnings:
        alert(
            book,
            f"{plural(errors, 'erreur')} et {plural(warnings, 'avertissement')} : "
            f"la feuille « {result.sheet} » les liste, avec un lien vers chaque cellule. "
            "Les cellules en erreur sont colorées en rouge, les avertissements en jaune.",
        )
    else:
        alert(book, "Aucun problème trouvé dans le classeur.")
    return result.report


@entry_point
def next_actions(book: xw.Book | None = None, today: dt.date | None = None) -> list[NextAction]:
    """Prochaines actions: the cells ``next --write`` sets (computed columns, missing IDs)."""
    assert book is not None
    today = today or dt.date.today()
    source = ExcelSource(book)
    result = operations.next_actions(source, today, ExcelSink(book, source))
    actions = result.actions
    due = sum(1 for a in actions if a.due is not None and a.due <= today and a.action != "none")
    message = f"Prochaines actions calculées pour {plural(len(actions), 'organisation')}"
    message += f", dont {due} à faire aujourd'hui ou en retard." if due else "."
    if result.ids_assigned:
        n = result.ids_assigned
        message += f" {plural(n, 'identifiant')} attribué{'s' if n > 1 else ''}."
    if result.missing_columns:
        message += (
            " Il manque dans la feuille Organisations "
            + ", ".join(f"la colonne « {m} »" for m in result.missing_columns)
            + " : ajoutez-la (en-tête exact) puis recommencez."
        )
    for notice in result.partial:  # computed without a column it reads: said
        message += f" {notice}"
    alert(book, message)
    return actions


@entry_point
def followup_list(book: xw.Book | None = None, today: dt.date | None = None) -> list[FollowUpItem]:
    """Liste de suivi: the Suivi sheet ``followup --write`` writes."""
    assert book is not None
    source = ExcelSource(book)
    result = operations.followup_list(
        source, today or dt.date.today(), sink=ExcelSink(book, source)
    )
    overdue = sum(1 for i in result.items if i.bucket == "overdue")
    alert(
        book,
        f"La feuille « {result.sheet} » est à jour : {plural(len(result.items), 'action')}"
        + (f", dont {overdue} en retard." if overdue else ".")
        + "".join(f" {notice}" for notice in result.partial),
    )
    return result.items


HINT = (
    "Cliquez d'abord sur une ligne de la feuille Organisations (ou sur un appel ou un "
    "rendez-vous), puis sur « Fiche d'appel »."
)


def _selected_organisation(book: xw.Book, source: ExcelSource) -> str:
    """The Nom (or ID) of the organisation on the selected row of a data sheet."""
    selection = book.app.selection
    if selection is None:
        raise CbptError(HINT)
    name = operations.organisation_at(source.read(), selection.sheet.name, selection.row)
    if name is None:
        raise CbptError(HINT)
    return name


@entry_point
def call_brief(book: xw.Book | None = None, today: dt.date | None = None) -> Brief:
    """Fiche d'appel: the brief of the organisation on the selected row, as ``brief --write``."""
    assert book is not None
    source = ExcelSource(book)
    name = _selected_organisation(book, source)
    result = operations.call_brief(source, name, today or dt.date.today(), ExcelSink(book, source))
    return result.brief


@entry_point
def dashboard(book: xw.Book | None = None, today: dt.date | None = None) -> Any:
    """Tableau de bord: the figures and native charts of the campaign, as ``report --write``."""
    assert book is not None
    source = ExcelSource(book)
    result = operations.campaign_report(
        source, today or dt.date.today(), sink=ExcelSink(book, source)
    )
    c = result.campaign
    overdue = sum(c.overdue_per_volunteer.values())
    alert(
        book,
        f"La feuille «\u00a0{result.sheet}\u00a0» est à jour\u00a0: {plural(c.organisations, 'organisation')}, "
        f"{plural(c.contacts, 'contact')} sur les {len(c.weeks)} dernières semaines"
        + (f", {plural(overdue, 'action')} en retard." if overdue else "."),
    )
    return c
