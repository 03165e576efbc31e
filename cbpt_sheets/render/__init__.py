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
from cbpt_sheets.core.codes import stage_name
from cbpt_sheets.core.followup import (
    BUCKET_NAMES,
    BUCKETS,
    CATEGORY_LABELS,
    NOTHING_TO_DO,
    bucket,
    grouped,
)
from cbpt_sheets.core.french import format_date as d
from cbpt_sheets.core.french import typo
from cbpt_sheets.core.models import FollowUpItem, NextAction, SheetGrid
from cbpt_sheets.core.plan import Unmatched
from cbpt_sheets.core.schema import BRIEF_SHEET, FOLLOWUP_SHEET
from cbpt_sheets.core.texts import Sheets

NO_DUE = "Sans échéance"
TICK = "☐"
SUIVI_HEADERS = tuple(h.fr for h in Sheets.FOLLOWUP_HEADERS)
SUIVI_WIDTHS = [8, 12, 28, 60, 24, 16, 26, 14, 14]
FOLLOWUP_KEYS = tuple(FollowUpItem.model_fields)
_DANGEROUS = ("=", "+", "-", "@")
_ID = re.compile(r"^ORG-(\d+)$", re.IGNORECASE)
_KEEP_TOGETHER = re.compile(
    r"\d{2}(?: \d{2}){4}|\d{1,2}h\d{0,2}|\bà \d|«\s|\s»|\b(?:[ée]tapes?|steps?) \d"
)
_GLUE = "\ue000"  # a private-use character: a space that must not break, restored after


def _wrap(text: str, width: int) -> list[str]:
    """Wrap a text without cutting a phone number or a time, nor at hyphens (e-mails, names).

    No-break spaces (French typography) never break either: textwrap splits on ASCII
    whitespace only.
    """
    glued = _KEEP_TOGETHER.sub(lambda m: m[0].replace(" ", _GLUE), typo(text))
    return [
        line.replace(_GLUE, " ") for line in textwrap.wrap(glued, width, break_on_hyphens=False)
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
    return typo(
        f"{n} ligne{'s' if n > 1 else ''} d'appel ou de rendez-vous "
        f"{'ne nomment' if n > 1 else 'ne nomme'} aucune organisation connue et "
        f"{'ont été laissées' if n > 1 else 'a été laissée'} de côté ({cells}) : "
        f"lancez « cbpt-sheets check » pour {'les' if n > 1 else 'la'} corriger."
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
    return typo("\n".join(out) + "\n")


GDPR_TITLE = Sheets.GDPR_TITLE.fr
GDPR_LABEL = Sheets.GDPR_LABEL.fr


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
    return typo("\n".join(out) + "\n")


DRAFTS_LINE = {
    "fr": "Brouillons (cbpt-sheets drafts)\u00a0: ",
    "en": "Drafts (cbpt-sheets drafts): ",
}
"""How the brief names the drafts of its action (followed by their file names)."""


def brief_text(b: Brief, width: int = 100, lang: str = "fr") -> str:
    """The call brief for a terminal: file, history, next action, talking points, assets.

    ``lang``: the workbook's language, that of the brief's texts (headings follow it).
    """
    wrap = max(width - 4, 40)

    def bullets(lines: Iterable[str]) -> list[str]:
        out: list[str] = []
        for line in lines:
            parts = _wrap(line, wrap) or [""]
            out.append("  • " + parts[0])
            out.extend("    " + p for p in parts[1:])
        return out

    action = b.next_action
    title = Sheets.BRIEF_TITLE(lang, name=b.organisation + (f" ({b.id})" if b.id else ""))
    stage = Sheets.BRIEF_STAGE(lang, day=d(b.today), stage=b.stage)
    out = [title, "=" * min(len(title), width), stage, ""]
    out.append(Sheets.NEXT_ACTION(lang))
    shown_due = action.due and d(action.due) not in action.label  # one date per line
    due = f" ({Sheets.DUE(lang).lower()} {d(action.due)})" if shown_due else ""
    colon = ":" if lang == "en" else " :"
    out += bullets([action.label + due, f"{Sheets.REASON(lang)}{colon} {action.reason}"])
    if b.drafts:
        out += bullets([DRAFTS_LINE[lang] + ", ".join(b.drafts)])
    out += ["", Sheets.FILE(lang)]
    label_width = max((len(f.label) for f in b.fields), default=10)
    for f in b.fields:
        parts = _wrap(f.value, max(wrap - label_width - 3, 30)) or [""]
        out.append(f"  {f.label:<{label_width}} : {parts[0]}")
        out.extend(" " * (label_width + 5) + p for p in parts[1:])
    out += ["", Sheets.HISTORY(lang)]
    out += bullets(b.history) if b.history else ["  " + Sheets.NO_CONTACT(lang)]
    if b.appointments:
        out += ["", Sheets.APPOINTMENTS(lang)]
        out += bullets(b.appointments)
    if b.talking_points:
        out += ["", Sheets.WHAT_TO_SAY(lang)]
        out += bullets(b.talking_points)
    if b.assets:
        out += ["", Sheets.ASSETS(lang)]
        out += bullets(b.assets)
    text = "\n".join(out) + "\n"
    return typo(text) if lang != "en" else text


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


def _typo_rows(rows: list[list[Any]]) -> list[list[Any]]:
    """A generated sheet's texts with French typography (no-break spaces)."""
    return [[typo(c) if isinstance(c, str) else c for c in row] for row in rows]


def _upper_first(text: str) -> str:
    """``text`` with its first letter in capitals and the rest as it is (names keep theirs)."""
    return text[:1].upper() + text[1:]


def suivi_grid(
    items: Sequence[FollowUpItem],
    today: dt.date,
    subtitle: str = "",
    gdpr: Sequence[NextAction] = (),
    lang: str = "fr",
    volunteer: str | None = None,
) -> SheetGrid:
    """The printable Suivi sheet: a title, one header row, a section per bucket, RGPD.

    The header row comes once, under the title, so that it repeats at the top of
    every printed page; each action row has a box to tick in « À faire ». An action
    with nothing to do now (``recontact-later``) has no box to tick.
    ``lang``: the workbook's language, for the sheet's own texts (the labels come in it).
    ``volunteer``: the volunteer the list is filtered on, printed at the top of each page.
    """
    day_title = Sheets.FOLLOWUP_TITLE(lang, day=d(today))
    title = day_title + (f" – {subtitle}" if subtitle else "")
    rows: list[list[Any]] = [[title], [Sheets.FOLLOWUP_HINT(lang)]]
    title_rows = [0]
    header_rows: list[int] = []
    sections = grouped(items)
    if not sections and not gdpr:
        rows += [[], [Sheets.NOTHING_DUE(lang)]]
    else:
        header_rows.append(len(rows))
        rows.append([h(lang) for h in Sheets.FOLLOWUP_HEADERS])

    def section(heading: str) -> None:
        if len(rows) > header_rows[0] + 1:
            rows.append([])
        title_rows.append(len(rows))
        rows.append([heading])

    for code, members in sections.items():
        section(f"{BUCKET_NAMES[code].pick(lang)} ({len(members)})")
        for item in members:
            rows.append(
                [
                    "" if item.action in NOTHING_TO_DO else TICK,
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
        section(f"{Sheets.GDPR_TITLE(lang)} ({len(gdpr)})")
        for action in gdpr:
            rows.append(
                [
                    TICK,
                    None,
                    action.organisation,
                    Sheets.GDPR_LABEL(lang),
                    action.contact or "",
                    action.phone or "",
                    action.email or "",
                    action.volunteer or "",
                    action.library or "",
                ]
            )
    return SheetGrid(
        name=FOLLOWUP_SHEET.name(lang),
        rows=_typo_rows(rows) if lang != "en" else rows,
        widths=list(map(float, SUIVI_WIDTHS)),
        title_rows=title_rows,
        header_rows=header_rows,
        wrap_columns=list(range(len(SUIVI_HEADERS))),  # all: each cell starts at the top
        page_header=_upper_first(Sheets.VOLUNTEER(lang, name=volunteer)) if volunteer else "",
        page_footer=day_title,
    )


def fiche_grid(b: Brief, lang: str = "fr") -> SheetGrid:
    """The Fiche sheet: the call brief laid out in two columns for printing (texts in ``lang``)."""
    action = b.next_action
    name = b.organisation + (f" ({b.id})" if b.id else "")
    rows: list[list[Any]] = [[Sheets.BRIEF_TITLE(lang, name=name)]]
    rows.append([Sheets.BRIEF_STAGE(lang, day=d(b.today), stage=b.stage)])
    title_rows = [0]

    def section(title: str, lines: list[list[Any]]) -> None:
        rows.append([])
        title_rows.append(len(rows))
        rows.append([title])
        rows.extend(lines)

    section(
        Sheets.NEXT_ACTION(lang),
        [
            [Sheets.ACTION(lang), action.label],
            [Sheets.DUE(lang), action.due or ""],
            [Sheets.REASON(lang), action.reason],
            *([[DRAFTS_LINE[lang].split(" (")[0], ", ".join(b.drafts)]] if b.drafts else []),
        ],
    )
    section(Sheets.FILE(lang), [[f.label, f.value] for f in b.fields])
    section(
        Sheets.HISTORY(lang),
        [["", h] for h in b.history] or [["", Sheets.NO_CONTACT(lang)]],
    )
    if b.appointments:
        section(Sheets.APPOINTMENTS(lang), [["", a] for a in b.appointments])
    if b.talking_points:
        section(Sheets.WHAT_TO_SAY(lang), [["•", p] for p in b.talking_points])
    if b.assets:
        section(Sheets.ASSETS(lang), [["•", p] for p in b.assets])
    return SheetGrid(
        name=BRIEF_SHEET.name(lang),
        rows=_typo_rows(rows) if lang != "en" else rows,
        widths=[26.0, 100.0],
        title_rows=title_rows,
        wrap_columns=[0, 1],
        page_footer=Sheets.BRIEF_TITLE(lang, name=b.organisation) + f" – {d(b.today)}",
    )


# ---------------------------------------------------------------- computed columns


def computed_values(action: NextAction, lang: str = "fr") -> dict[str, Any]:
    """The computed columns of an organisation's row: Étape, Prochaine action, Échéance, Motif.

    The stage is named in ``lang`` (the label and reason come in the workbook's language).
    """
    return {
        "stage": stage_name(action.stage, lang),
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
