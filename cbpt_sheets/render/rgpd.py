"""The RGPD outputs: the list past retention, one person's export (CSV), the erasure preview."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cbpt_sheets.core.french import format_date, plural
from cbpt_sheets.render import safe_cell

if TYPE_CHECKING:
    from cbpt_sheets.core.rgpd import PersonCell
    from cbpt_sheets.operations import ErasurePlan, ErasureResult, GdprListResult

EXPORT_KEYS = ("sheet", "cell", "column", "value")
"""The CSV's columns: those of the JSON (interfaces.md: a CSV has its JSON's columns)."""
NBSP = "\u00a0"
_BEFORE = re.compile(r" ([:;?!»])")
_AFTER = re.compile(r"« ")


def french_spacing(text: str) -> str:
    """A no-break space before : ; ? ! and inside « », as French typography wants."""
    return _AFTER.sub("«" + NBSP, _BEFORE.sub(NBSP + r"\1", text))


def _value(value: Any) -> str:
    if hasattr(value, "isoformat") and hasattr(value, "year"):
        return format_date(value)
    return str(value)


def cell_line(c: PersonCell) -> str:
    """``Organisations!L4  Interlocuteur : Mme Durand``."""
    return f"{c.sheet}!{c.cell}  {c.column}{NBSP}: {_value(c.value)}"


def _who(organisation: str, name: str | None) -> str:
    return f"{organisation} – {name}" if name else f"{organisation} – (sans nom)"


def list_text(result: GdprListResult, path_name: str) -> str:
    """``rgpd list`` for a terminal: each person past retention with their cells."""
    day = format_date(result.today)
    n = len(result.held)
    if not n:
        return (
            f"Aucune donnée personnelle au-delà de la durée de conservation ({result.months} "
            f"mois) au {day}.\n"
        )
    out = [
        f"Données personnelles au-delà de la durée de conservation ({result.months} mois) au "
        f"{day}{NBSP}: {plural(n, 'personne')}",
        "",
    ]
    for held in result.held:
        clock = held.clock
        since = (
            f"dernier échange le {format_date(clock.last_answered)}"
            if clock.last_answered
            else f"personne n'a jamais répondu, premier contact le {format_date(clock.first_contact)}"
        )
        out.append(f"{_who(held.person.organisation, held.person.name)}")
        out.append(f"  {since}, à effacer depuis le {format_date(held.expires)}")
        out += [f"    {cell_line(c)}" for c in held.person.sorted_cells(result.order)]
    out += ["", f"Pour les effacer{NBSP}: cbpt-sheets rgpd erase {path_name} --expired"]
    return french_spacing("\n".join(out)) + "\n"


def export_csv(cells: Iterable[PersonCell]) -> str:
    """One person's cells as CSV for a French Excel: BOM, ``;``, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_KEYS)
    for c in cells:
        data = c.as_json()
        writer.writerow([safe_cell("" if data[k] is None else data[k]) for k in EXPORT_KEYS])
    return "\ufeff" + buffer.getvalue()


def preview_text(plan: ErasurePlan) -> str:
    """What ``rgpd erase`` is about to do, before it asks."""
    name = plan.source.path.name
    out = [f"Effacement dans « {name} »{NBSP}: {plural(len(plan.people), 'personne')}", ""]
    for person in plan.people:
        out.append(_who(person.organisation, person.name))
        mine = [c for c in plan.erased if c in person.cells]
        out += [f"    {cell_line(c)}  → vidée" for c in mine]
    if plan.rewritten:
        out += [
            "",
            "Autres cellules qui les mentionnent (réécrites sans leurs données)" + f"{NBSP}:",
        ]
        out += [
            f"    {cell_line(c)}  → {_value(new) if new is not None else '(vide)'}"
            for c, new in plan.rewritten
        ]
    if plan.kept:
        out += ["", f"Laissées telles quelles (Nom ou identité de l'organisation){NBSP}:"]
        out += [f"    {cell_line(c)}" for c in plan.kept]
    if plan.markers:
        out += [
            "",
            "Refus d'être recontacté conservé (Suivi « Ne pas contacter »)"
            + f"{NBSP}: "
            + ", ".join(plan.markers),
        ]
    out += [
        "",
        f"Une ligne par personne sera ajoutée à la feuille « {plan.register} » (sans donnée personnelle).",
    ]
    if plan.copies:
        out.append(
            "Copies de sauvegarde supprimées (elles contiennent ces données)"
            + f"{NBSP}: "
            + ", ".join(p.name for p in plan.copies)
            + " ; la sauvegarde faite par cet effacement le sera aussi."
        )
    else:
        out.append(
            "La sauvegarde faite par cet effacement sera supprimée (elle contient ces données)."
        )
    return french_spacing("\n".join(out)) + "\n"


def done_text(result: ErasureResult) -> str:
    """What ``rgpd erase`` did."""
    plan = result.plan
    name = plan.source.path.name
    n = len(plan.erased) + len(plan.rewritten)
    lines = [
        f"« {name} »{NBSP}: {plural(len(plan.people), 'personne effacée', 'personnes effacées')} "
        f"({plural(n, 'cellule')}), ligne{'s' if len(plan.people) > 1 else ''} ajoutée"
        f"{'s' if len(plan.people) > 1 else ''} à la feuille « {plan.register} »."
    ]
    if result.copies_removed:
        lines.append(
            "Copies supprimées"
            + f"{NBSP}: "
            + ", ".join(p.name for p in result.copies_removed)
            + "."
        )
    return french_spacing("\n".join(lines)) + "\n"
