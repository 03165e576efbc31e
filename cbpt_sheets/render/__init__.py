"""Renderings of next actions, follow-up lists and briefs (text, JSON, CSV, sheet grids), pure."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from cbpt_sheets.core.brief import Brief
from cbpt_sheets.core.followup import BUCKETS, CATEGORY_LABELS, bucket, grouped
from cbpt_sheets.core.french import format_date as d
from cbpt_sheets.core.models import FollowUpItem, NextAction, SheetGrid
from cbpt_sheets.core.plan import Unmatched
from cbpt_sheets.core.rules import STAGES
from cbpt_sheets.core.schema import BRIEF_SHEET, FOLLOWUP_SHEET

NO_DUE = "Sans échéance"
TICK = "☐"
SUIVI_HEADERS = (
    "À faire",
    "Échéance",
    "Organisation",
    "Action",
    "Interlocuteur",
    "Téléphone",
    "Email",
    "Bénévole",
    "Bibliothèque",
)
SUIVI_WIDTHS = [8, 12, 28, 60, 24, 16, 26, 14, 14]
FOLLOWUP_KEYS = tuple(FollowUpItem.model_fields)
_DANGEROUS = ("=", "+", "-", "@")
_ID = re.compile(r"^ORG-(\d+)$", re.IGNORECASE)
_KEEP_TOGETHER = re.compile(r"\d{2}(?: \d{2}){4}|\d{1,2}h\d{0,2}|\bà \d|«\s|\s»")
_NBSP = "\u00a0"


def _wrap(text: str, width: int) -> list[str]:
    """Wrap a text without cutting a phone number or a time, nor at hyphens (e-mails, names)."""
    glued = _KEEP_TOGETHER.sub(lambda m: m[0].replace(" ", _NBSP), text)
    return [
        line.replace(_NBSP, " ") for line in textwrap.wrap(glued, width, break_on_hyphens=False)
    ]


# ---------------------------------------------------------------- JSON


def next_json(
    actions: Iterable[NextAction], today: dt.date, unmatched: Iterable[Unmatched] = ()
) -> dict[str, Any]:
    """The JSON document of ``next --format json`` (interfaces.md, next-actions.md)."""
    return {
        "today": today.isoformat(),
        "actions": [a.model_dump(mode="json") for a in actions],
        "unmatched": [u.as_json() for u in unmatched],
    }


def followup_json(
    items: Iterable[FollowUpItem], today: dt.date, unmatched: Iterable[Unmatched] = ()
) -> dict[str, Any]:
    """The JSON document of ``followup --format json`` (interfaces.md, next-actions.md)."""
    return {
        "today": today.isoformat(),
        "items": [i.model_dump(mode="json") for i in items],
        "unmatched": [u.as_json() for u in unmatched],
    }


def unmatched_line(unmatched: Sequence[Unmatched]) -> str | None:
    """The closing line of a text output when rows named no organisation (None when all did)."""
    if not unmatched:
        return None
    n = len(unmatched)
    cells = ", ".join(f"{u.sheet}!{u.cell}" for u in unmatched[:5]) + (" …" if n > 5 else "")
    return (
        f"{n} ligne{'s' if n > 1 else ''} d'appel ou de rendez-vous "
        f"{'ne nomment' if n > 1 else 'ne nomme'} aucune organisation connue et "
        f"{'ont été laissées' if n > 1 else 'a été laissée'} de côté ({cells}) : "
        "lancez « cbpt-sheets check » pour les corriger."
    )


# ---------------------------------------------------------------- text


def _table(rows: Sequence[tuple[str, str, str]], width: int) -> list[str]:
    """Three columns (date, organisation, text), the last one wrapped to the terminal width."""
    org_width = min(max((len(r[1]) for r in rows), default=12), 32)
    text_width = max(width - 12 - org_width - 4, 30)
    lines: list[str] = []
    for day, org, text in rows:
        name = org if len(org) <= org_width else org[: org_width - 1] + "…"
        wrapped = _wrap(text, text_width) or [""]
        lines.append(f"  {day:<10}  {name:<{org_width}}  {wrapped[0]}".rstrip())
        lines.extend(" " * (org_width + 16) + more for more in wrapped[1:])
    return lines


def actions_text(
    actions: Sequence[NextAction],
    today: dt.date,
    width: int = 100,
    unmatched: Sequence[Unmatched] = (),
) -> str:
    """The next actions for a terminal, grouped by bucket (then the actions without due date)."""
    groups: dict[str, list[NextAction]] = {code: [] for code in (*BUCKETS, "none")}
    for action in actions:
        groups["none" if action.due is None else bucket(action.due, today)].append(action)
    out = [
        f"Prochaines actions au {d(today)} : {len(actions)} organisation{'s' if len(actions) > 1 else ''}"
    ]
    for code, members in groups.items():
        if not members:
            continue
        members.sort(key=lambda a: (a.due or today, a.organisation.casefold()))
        title = BUCKETS.get(code, NO_DUE)
        out += ["", f"{title} ({len(members)})"]
        out += _table([(d(a.due), a.organisation, a.label) for a in members], width)
    if line := unmatched_line(unmatched):
        out += ["", line]
    return "\n".join(out) + "\n"


GDPR_TITLE = "Données personnelles à revoir (RGPD)"
GDPR_LABEL = (
    "Plus de contact depuis la durée de conservation : revoyez ou effacez les données "
    "personnelles (interlocuteurs, téléphones, e-mails)"
)


def followup_text(
    items: Sequence[FollowUpItem],
    today: dt.date,
    subtitle: str = "",
    width: int = 100,
    gdpr: Sequence[NextAction] = (),
    unmatched: Sequence[Unmatched] = (),
) -> str:
    """The follow-up list for a terminal: a section per bucket, the RGPD list, the rows left out."""
    head = f"Liste de suivi au {d(today)}" + (f" – {subtitle}" if subtitle else "")
    out = [head]
    if not items:
        out += ["", "Rien à faire : aucune action à échéance."]
    for code, members in grouped(items).items():
        out += ["", f"{BUCKETS[code]} ({len(members)})"]
        rows = []
        for item in members:
            extra = " · ".join(p for p in (item.volunteer, item.library) if p)
            text = f"[{CATEGORY_LABELS.get(item.category, item.category)}] {item.label}"
            rows.append((d(item.due), item.organisation, text + (f" ({extra})" if extra else "")))
        out += _table(rows, width)
    if gdpr:
        out += ["", f"{GDPR_TITLE} ({len(gdpr)})"]
        out += _table([("", a.organisation, GDPR_LABEL) for a in gdpr], width)
    if line := unmatched_line(unmatched):
        out += ["", line]
    return "\n".join(out) + "\n"


def brief_text(b: Brief, width: int = 100) -> str:
    """The call brief for a terminal: file, history, next action, talking points, assets."""
    wrap = max(width - 4, 40)

    def bullets(lines: Iterable[str]) -> list[str]:
        out: list[str] = []
        for line in lines:
            parts = _wrap(line, wrap) or [""]
            out.append("  • " + parts[0])
            out.extend("    " + p for p in parts[1:])
        return out

    action = b.next_action
    title = f"Fiche d'appel : {b.organisation}" + (f" ({b.id})" if b.id else "")
    out = [title, "=" * min(len(title), width), f"Au {d(b.today)} – étape : {b.stage}", ""]
    out.append("Prochaine action")
    due = f" (échéance {d(action.due)})" if action.due else ""
    out += bullets([action.label + due, "Motif : " + action.reason])
    out += ["", "Fiche"]
    label_width = max((len(f.label) for f in b.fields), default=10)
    for f in b.fields:
        parts = _wrap(f.value, max(wrap - label_width - 3, 30)) or [""]
        out.append(f"  {f.label:<{label_width}} : {parts[0]}")
        out.extend(" " * (label_width + 5) + p for p in parts[1:])
    out += ["", "Historique des contacts"]
    out += bullets(b.history) if b.history else ["  Aucun contact enregistré."]
    if b.appointments:
        out += ["", "Rendez-vous"]
        out += bullets(b.appointments)
    if b.talking_points:
        out += ["", "Quoi dire (étape 4)"]
        out += bullets(b.talking_points)
    out += ["", "Nos atouts"]
    out += bullets(b.assets)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- CSV


def safe_cell(value: Any) -> Any:
    """A cell value that a spreadsheet will not run as a formula (= + - @ get a leading apostrophe)."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def followup_csv(items: Iterable[FollowUpItem]) -> str:
    """The follow-up list as CSV for a French Excel: BOM, ``;`` separators, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(FOLLOWUP_KEYS)
    for item in items:
        data = item.model_dump(mode="json")
        writer.writerow([safe_cell("" if data[k] is None else data[k]) for k in FOLLOWUP_KEYS])
    return "\ufeff" + buffer.getvalue()


# ---------------------------------------------------------------- sheet grids


def suivi_grid(
    items: Sequence[FollowUpItem],
    today: dt.date,
    subtitle: str = "",
    gdpr: Sequence[NextAction] = (),
) -> SheetGrid:
    """The printable Suivi sheet: a title, a section per bucket with a column to tick, RGPD."""
    title = f"Liste de suivi au {d(today)}" + (f" – {subtitle}" if subtitle else "")
    rows: list[list[Any]] = [
        [title],
        [
            "Cochez « À faire » quand c'est fait. Feuille réécrite par cbpt-sheets : n'y saisissez rien."
        ],
    ]
    title_rows = [0]
    header_rows: list[int] = []
    sections = grouped(items)
    if not sections:
        rows += [[], ["Rien à faire : aucune action à échéance."]]
    for code, members in sections.items():
        rows.append([])
        title_rows.append(len(rows))
        rows.append([f"{BUCKETS[code]} ({len(members)})"])
        header_rows.append(len(rows))
        rows.append(list(SUIVI_HEADERS))
        for item in members:
            rows.append(
                [
                    TICK,
                    item.due,
                    item.organisation,
                    item.label,
                    item.contact or "",
                    item.phone or "",
                    item.email or "",
                    item.volunteer or "",
                    item.library or "",
                ]
            )
    if gdpr:
        rows.append([])
        title_rows.append(len(rows))
        rows.append([f"{GDPR_TITLE} ({len(gdpr)})"])
        for action in gdpr:
            rows.append(
                [
                    TICK,
                    None,
                    action.organisation,
                    GDPR_LABEL,
                    action.contact or "",
                    action.phone or "",
                    action.email or "",
                    action.volunteer or "",
                    action.library or "",
                ]
            )
    return SheetGrid(
        name=FOLLOWUP_SHEET.fr,
        rows=rows,
        widths=list(map(float, SUIVI_WIDTHS)),
        title_rows=title_rows,
        header_rows=header_rows,
        wrap_columns=[SUIVI_HEADERS.index("Action")],
    )


def fiche_grid(b: Brief) -> SheetGrid:
    """The Fiche sheet: the call brief laid out in two columns for printing."""
    action = b.next_action
    rows: list[list[Any]] = [[f"Fiche d'appel : {b.organisation}" + (f" ({b.id})" if b.id else "")]]
    rows.append([f"Au {d(b.today)} – étape : {b.stage}"])
    title_rows = [0]

    def section(title: str, lines: list[list[Any]]) -> None:
        rows.append([])
        title_rows.append(len(rows))
        rows.append([title])
        rows.extend(lines)

    section(
        "Prochaine action",
        [
            ["Action", action.label],
            ["Échéance", action.due or ""],
            ["Motif", action.reason],
        ],
    )
    section("Fiche", [[f.label, f.value] for f in b.fields])
    section(
        "Historique des contacts",
        [["", h] for h in b.history] or [["", "Aucun contact enregistré."]],
    )
    if b.appointments:
        section("Rendez-vous", [["", a] for a in b.appointments])
    if b.talking_points:
        section("Quoi dire (étape 4)", [["•", p] for p in b.talking_points])
    section("Nos atouts", [["•", p] for p in b.assets])
    return SheetGrid(
        name=BRIEF_SHEET.fr,
        rows=rows,
        widths=[26.0, 100.0],
        title_rows=title_rows,
        wrap_columns=[1],
    )


# ---------------------------------------------------------------- computed columns


def computed_values(action: NextAction) -> dict[str, Any]:
    """The computed columns of an organisation's row: Étape, Prochaine action, Échéance, Motif."""
    return {
        "stage": STAGES[action.stage],
        "next_action": action.label,
        "due": action.due,
        "reason": action.reason,
    }


def new_ids(existing: Iterable[str | None], count: int) -> list[str]:
    """``count`` fresh ``ORG-0001``-style IDs after the highest one in use (never reusing one)."""
    used = {e.strip().upper() for e in existing if e}
    numbers = [int(m[1]) for e in used if (m := _ID.match(e))]
    start = max(numbers, default=0) + 1
    out: list[str] = []
    n = start
    while len(out) < count:
        candidate = f"ORG-{n:04d}"
        if candidate not in used:
            out.append(candidate)
        n += 1
    return out
