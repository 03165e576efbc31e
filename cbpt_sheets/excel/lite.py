"""The CBPT buttons in xlwings Lite: Python inside Excel (Pyodide), nothing to install.

xlwings Lite is an add-in of Microsoft's store; it keeps a ``main.py`` and a
``requirements.txt`` inside the workbook and turns each ``@script`` function of
``main.py`` into a button of its task pane. ``cbpt-sheets lite`` writes those two
files (``write_lite``): ``main.py`` defines the four scripts ``verify``,
``next_actions``, ``followup_list`` and ``call_brief`` (the ribbon's entry point
names), each a thin wrapper over the function of the same name here.

Each function takes the workbook (the ``xw.Book`` xlwings Lite builds from the
JSON Excel sends: the remote engine) and runs one operation on it, with the
workbook as source and sink (``excel.book``): the same cells as ``check``,
``next --write``, ``followup --write`` and ``brief --write``. xlwings Lite has no
message boxes: what the volunteer reads goes to the task pane's output
(``print``). A refusal (``CbptError``) is printed in French and nothing is
written (the operations refuse before handing anything to the sink); any other
failure is printed in French, then raised, so that xlwings Lite applies none of
the changes queued so far.

Under Pyodide there is no rapidfuzz (``core.fuzzy`` scores instead), no calamine
(the workbook is read from Excel, not from a file) and no threads (none start on
this path).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import xlwings as xw

from cbpt_sheets import operations
from cbpt_sheets.core.brief import Brief
from cbpt_sheets.core.french import plural
from cbpt_sheets.core.models import FollowUpItem, NextAction, Report
from cbpt_sheets.errors import CbptError
from cbpt_sheets.excel.book import ExcelSink, ExcelSource

PREFIX = "CBPT : "
SCRIPTS = ("verify", "next_actions", "followup_list", "call_brief")
TITLES = {
    "verify": "Vérifier",
    "next_actions": "Prochaines actions",
    "followup_list": "Liste de suivi",
    "call_brief": "Fiche d'appel",
}
UNEXPECTED = (
    "Le bouton n'a pas pu aller au bout à cause d'une erreur inattendue ({kind} : {detail}). "
    "Rien n'a été modifié dans le classeur. Enregistrez-le, fermez-le, rouvrez-le et "
    "recommencez ; si le problème continue, envoyez le classeur au référent informatique "
    "de la bibliothèque."
)
HINT = (
    "Cliquez d'abord sur une ligne de la feuille Organisations (ou sur un appel ou un "
    "rendez-vous), ou tapez le nom de l'organisation dans le champ « organisation », "
    "puis cliquez sur « Fiche d'appel »."
)


def say(message: str) -> None:
    """A message to the volunteer, in xlwings Lite's output pane (it has no message boxes)."""
    from cbpt_sheets.core.french import typo

    print(typo(PREFIX + message), flush=True)


def _run(func: Any, book: xw.Book, *args: Any) -> Any:
    """Run one button: a refusal is printed (nothing written), anything else printed then raised."""
    try:
        return func(book, *args)
    except CbptError as exc:
        say(str(exc))
        return None
    except Exception as exc:
        say(UNEXPECTED.format(kind=type(exc).__name__, detail=exc))
        raise


# ---------------------------------------------------------------- the four buttons


def _verify(book: xw.Book, today: dt.date) -> Report:
    source = ExcelSource(book)
    result = operations.verify(source, today, ExcelSink(book, source))
    errors = result.report.counts.get("error", 0)
    warnings = result.report.counts.get("warning", 0)
    if errors or warnings:
        say(
            f"{plural(errors, 'erreur')} et {plural(warnings, 'avertissement')} : "
            f"la feuille « {result.sheet} » les liste, avec un lien vers chaque cellule. "
            "Les cellules en erreur sont colorées en rouge, les avertissements en jaune."
        )
    else:
        say(f"Aucun problème trouvé dans le classeur (feuille « {result.sheet} »).")
    return result.report


def verify(book: xw.Book, today: dt.date | None = None) -> Report | None:
    """Vérifier: the checks listed in Contrôles with links, cells marked, old marks cleared.

    Returns the report (None after a refusal, which is printed).
    """
    result: Report | None = _run(_verify, book, today or dt.date.today())
    return result


def _next_actions(book: xw.Book, today: dt.date) -> list[NextAction]:
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
    if result.unmatched:
        message += (
            f" {plural(len(result.unmatched), 'ligne')} ne "
            f"{'nomment' if len(result.unmatched) > 1 else 'nomme'} aucune organisation "
            "connue : cliquez sur « Vérifier » pour les voir."
        )
    say(message)
    for notice in result.partial:  # computed without a column it reads: said
        say(notice)
    return actions


def next_actions(book: xw.Book, today: dt.date | None = None) -> list[NextAction] | None:
    """Prochaines actions: the cells ``next --write`` sets (computed columns, missing IDs)."""
    result: list[NextAction] | None = _run(_next_actions, book, today or dt.date.today())
    return result


def _followup_list(
    book: xw.Book, today: dt.date, filters: operations.FollowUpFilters
) -> list[FollowUpItem]:
    source = ExcelSource(book)
    result = operations.followup_list(source, today, filters, ExcelSink(book, source))
    for notice in result.partial:
        say(notice)
    for unknown in result.unknown:
        listed = ", ".join(f"« {name} »" for name in unknown.known) or "aucun nom saisi"
        say(
            f"Attention : aucune organisation n'a « {unknown.wanted} » comme {unknown.what}. "
            f"Noms présents dans le classeur : {listed}."
        )
    overdue = sum(1 for i in result.items if i.bucket == "overdue")
    say(
        f"La feuille « {result.sheet} » est à jour : {plural(len(result.items), 'action')}"
        + (f", dont {overdue} en retard." if overdue else ".")
    )
    return result.items


def followup_list(
    book: xw.Book,
    volunteer: str | None = None,
    today: dt.date | None = None,
    days: int | None = None,
    library: str | None = None,
) -> list[FollowUpItem] | None:
    """Liste de suivi: the Suivi sheet ``followup --write`` writes, for one volunteer if given.

    ``volunteer``, ``library``: as ``--volunteer`` and ``--library`` (blank: everyone);
    ``days``: as ``--days`` (None or 0 and below: every due date).
    """
    filters = operations.FollowUpFilters(
        days if days is not None and days > 0 else None,
        (volunteer or "").strip() or None,
        (library or "").strip() or None,
    )
    result: list[FollowUpItem] | None = _run(
        _followup_list, book, today or dt.date.today(), filters
    )
    return result


def _selected_organisation(book: xw.Book, source: ExcelSource) -> str:
    """The Nom (or ID) of the organisation on the selected row of a data sheet."""
    try:
        selection = book.app.selection
    except Exception:  # no selection sent with the workbook
        selection = None
    if selection is None:
        raise CbptError(HINT)
    name = operations.organisation_at(source.read(), selection.sheet.name, selection.row)
    if name is None:
        raise CbptError(HINT)
    return name


def _call_brief(book: xw.Book, today: dt.date, organisation: str | None) -> Brief:
    source = ExcelSource(book)
    name = organisation or _selected_organisation(book, source)
    result = operations.call_brief(source, name, today, ExcelSink(book, source))
    say(
        f"Fiche d'appel de « {result.brief.organisation} » écrite dans la feuille « {result.sheet} »."
    )
    return result.brief


def call_brief(
    book: xw.Book, organisation: str | None = None, today: dt.date | None = None
) -> Brief | None:
    """Fiche d'appel: ``brief ORGANISATION --write`` for the organisation typed (Nom or ID),
    else for the organisation of the selected row."""
    result: Brief | None = _run(
        _call_brief, book, today or dt.date.today(), (organisation or "").strip() or None
    )
    return result


# ---------------------------------------------------------------- main.py, requirements.txt

MAIN_PY = '''"""
# CBPT : le suivi des prises de contact

Les boutons du classeur de suivi CBPT (cbpt-sheets {version}). Choisissez un
bouton, remplissez au besoin ses champs, puis cliquez dessus : les messages
s'affichent dans la fenêtre « Output » en bas de ce volet.

Fichier écrit par « cbpt-sheets lite » : ne le modifiez pas à la main.
"""

from __future__ import annotations

import datetime as dt

import xlwings as xw
from xlwings import script

from cbpt_sheets.excel import lite


@script(name="Vérifier")
def verify(book: xw.Book, date: dt.date | None = None) -> None:
    """Contrôle tout le classeur : la feuille **Contrôles** liste chaque problème avec un
    lien vers sa cellule ; les cellules en erreur sont colorées en rouge, les
    avertissements en jaune. Date : le jour des contrôles (vide : aujourd'hui)."""
    lite.verify(book, date)


@script(name="Prochaines actions")
def next_actions(book: xw.Book, date: dt.date | None = None) -> None:
    """Remplit dans **Organisations** les colonnes Étape, Prochaine action, Échéance et
    Motif, et les identifiants manquants. Date : le jour du calcul (vide : aujourd'hui)."""
    lite.next_actions(book, date)


@script(name="Liste de suivi")
def followup_list(book: xw.Book, benevole: str = "", date: dt.date | None = None) -> None:
    """Réécrit la feuille **Suivi** : les actions en retard, de la semaine et à venir.
    Bénévole : sa liste seulement (vide : tout le monde). Date : le jour de la liste
    (vide : aujourd'hui)."""
    lite.followup_list(book, benevole, date)


@script(name="Fiche d'appel")
def call_brief(book: xw.Book, organisation: str = "", date: dt.date | None = None) -> None:
    """Écrit la feuille **Fiche** de l'organisation tapée (nom ou identifiant) ou, champ
    vide, de la ligne sélectionnée : sa fiche, son historique, la prochaine action et
    les points du guide d'entretien."""
    lite.call_brief(book, organisation, date)
'''


class BadWheel(CbptError):
    """``--wheel-url`` names no pure-Python wheel of this version of cbpt-sheets."""

    exit_code = 2


_WHEEL = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)-[^-]+-[^-]+-[^-]+\.whl$")


def wheel_version(url: str) -> str:
    """The version in a wheel's URL (``…/cbpt_sheets-0.1.0-py3-none-any.whl``); CbptError if not one.

    Only a pure-Python wheel of cbpt-sheets fits: xlwings Lite (Pyodide) installs nothing else.
    """
    if not url.startswith(("https://", "http://")):
        raise BadWheel(
            f"« {url} » n'est pas une adresse web : --wheel-url attend l'adresse (https://…) "
            "d'une roue cbpt_sheets-VERSION-py3-none-any.whl."
        )
    name = url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    found = _WHEEL.match(name)
    if (
        found is None
        or found["name"].lower().replace(".", "_") != "cbpt_sheets"
        or not name.endswith("-py3-none-any.whl")
    ):
        raise BadWheel(
            f"« {name} » n'est pas une roue de cbpt-sheets pour xlwings Lite : il faut un "
            "fichier cbpt_sheets-VERSION-py3-none-any.whl (construit par « python -m build »)."
        )
    return found["version"]


def requirements_txt(version: str, wheel_url: str | None = None) -> str:
    """The requirements.txt of xlwings Lite: xlwings and cbpt-sheets at exactly ``version``.

    ``wheel_url``: the wheel's address instead of the published package (its version
    must be ``version``). Raises CbptError for a wheel that does not fit.
    """
    if wheel_url is not None:
        found = wheel_version(wheel_url)
        if found != version:
            raise BadWheel(
                f"La roue donnée est la version {found} de cbpt-sheets, mais cette commande "
                f"est la version {version} : les deux doivent être la même."
            )
        package = wheel_url
    else:
        package = f"cbpt-sheets=={version}"
    return f"xlwings>=0.33\n{package}\n"


def main_py(version: str) -> str:
    """The main.py of xlwings Lite: the four scripts."""
    return MAIN_PY.format(version=version)


def write_lite(folder: Path, version: str, wheel_url: str | None = None) -> list[Path]:
    """Write main.py and requirements.txt into ``folder`` (created if needed); their paths.

    Raises CbptError for a wheel that does not fit or a folder that cannot be written.
    """
    from cbpt_sheets.errors import os_error_fr

    files = {
        "main.py": main_py(version),
        "requirements.txt": requirements_txt(version, wheel_url),
    }
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            path = folder / name
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(path)
    except OSError as exc:
        raise CbptError(f"Impossible d'écrire dans « {folder} » : {os_error_fr(exc)}.") from exc
    return written
