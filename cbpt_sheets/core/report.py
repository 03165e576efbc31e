"""The campaign in figures (``report``, Tableau de bord): pure counts over the plan and the rows.

Every figure is computed from the organisations' histories (``rules.History``: the
contact and appointment rows linked to each organisation the way the rules link
them) and their next actions (``core.plan``)::

    campaign(histories, actions, contacts, today, start=None, library=None) -> Campaign

- ``stages``: organisations per current stage (every stage code of next-actions.md);
- ``funnel``: organisations that reached each step of the guide at least once, in
  the guide's order (``FUNNEL``); an organisation at a step counts at every earlier
  step, so the funnel never widens;
- ``contacts_per_week``: contact rows (Appels) per ISO week and volunteer (the row's
  Bénévole, else the organisation's, else « Non attribué ») from ``start`` (default:
  the Monday eleven weeks before this week, twelve weeks in all) to ``today``;
  ``outcomes_per_week``: the same rows per week and outcome code;
- ``conversion``: the share of organisations at one funnel step that reached the next;
- ``first_call_to_meeting``: the median number of working days from an
  organisation's first contact to its first appointment dated on or after it (a
  cancelled one left out), over the organisations that have both;
- ``overdue_per_volunteer``: next actions due before ``today``, per volunteer in charge.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cbpt_sheets.core.calendar import holidays_of
from cbpt_sheets.core.codes import STAGES, Action, Stage
from cbpt_sheets.core.followup import matches
from cbpt_sheets.core.models import Contact, NextAction, Organisation
from cbpt_sheets.core.rules import PARTNER_RESULTS, History, missing_preparation

WEEKS = 12
"""The weeks of the weekly figures when no start is given."""
UNASSIGNED = "Non attribué"
"""The volunteer of a contact or an action nobody is in charge of."""

FUNNEL: tuple[tuple[str, str], ...] = (
    ("prepared", "Préparées"),
    ("called", "Contactées"),
    ("reached", "Bon interlocuteur trouvé"),
    ("conversation", "Entretien"),
    ("meeting-set", "Rendez-vous fixé"),
    ("meeting-held", "Rendez-vous réalisé"),
    ("partner", "Partenaires"),
)
"""The steps of the guide, in order (code, French label of the chart)."""

REACHED_OUTCOMES = frozenset({"head-absent-callback", "redirected"})
"""Step 3 outcomes where the right person became known (named, or their details given)."""
CONVERSATION_OUTCOMES = frozenset(
    {"meeting-set", "call-back", "send-info", "not-interested", "opt-out"}
)
"""Step 4 outcomes: a conversation took place with the right person."""

OUTCOME_GROUPS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("unanswered", "Sans réponse ou mauvais numéro", frozenset({"no-answer", "wrong-number"})),
    ("searching", "Recherche de l'interlocuteur", frozenset({*REACHED_OUTCOMES, "no-redirection"})),
    ("conversation", "Entretien", CONVERSATION_OUTCOMES),
    ("writing", "Mail ou courrier", frozenset({"mail-sent", "letter-sent"})),
)
"""The outcomes of the weekly line chart, grouped by step of the guide (code, label, outcomes)."""


@dataclass(frozen=True)
class WeekCount:
    """A count for one ISO week (``2026-W47``) and one key (a volunteer, an outcome)."""

    week: str
    key: str
    count: int


@dataclass(frozen=True)
class Conversion:
    """The share of the organisations at step ``source`` that reached step ``target`` (None: none there)."""

    source: str
    target: str
    rate: float | None


@dataclass(frozen=True)
class Campaign:
    """The figures of one report (see the module); JSON by ``as_json``."""

    today: dt.date
    start: dt.date
    library: str | None
    organisations: int
    stages: dict[str, int]
    funnel: dict[str, int]
    weeks: list[str]
    volunteers: list[str]  # of the weekly contacts and of the overdue actions, sorted
    contacts_per_week: list[WeekCount]
    outcomes_per_week: list[WeekCount]
    conversion: list[Conversion]
    first_call_to_meeting: float | None
    first_call_to_meeting_count: int
    overdue_per_volunteer: dict[str, int]
    contacts: int = 0  # contact rows in the weeks counted

    def contacts_grid(self) -> list[list[int]]:
        """Contacts by week (rows, ``weeks`` order) and volunteer (columns, ``volunteers`` order)."""
        return _grid(self.contacts_per_week, self.weeks, self.volunteers)

    def outcome_groups_grid(self) -> list[list[int]]:
        """Contacts by week (rows) and group of outcomes (columns, ``OUTCOME_GROUPS`` order)."""
        group_of = {o: code for code, _label, outcomes in OUTCOME_GROUPS for o in outcomes}
        merged = Counter[tuple[str, str]]()
        for c in self.outcomes_per_week:
            merged[(c.week, group_of.get(c.key, "other"))] += c.count
        counts = [WeekCount(w, g, n) for (w, g), n in merged.items()]
        return _grid(counts, self.weeks, [code for code, _l, _o in OUTCOME_GROUPS])

    def as_json(self) -> dict[str, Any]:
        """The JSON of ``report --format json`` (interfaces.md, second generation)."""
        return {
            "today": self.today.isoformat(),
            "from": self.start.isoformat(),
            "library": self.library,
            "organisations": self.organisations,
            "stages": dict(self.stages),
            "funnel": [
                {"step": code, "label": label, "count": self.funnel[code]} for code, label in FUNNEL
            ],
            "conversion": [
                {"from": c.source, "to": c.target, "rate": c.rate} for c in self.conversion
            ],
            "weeks": list(self.weeks),
            "contacts_per_week": [
                {"week": c.week, "volunteer": c.key, "count": c.count}
                for c in self.contacts_per_week
            ],
            "outcomes_per_week": [
                {"week": c.week, "outcome": c.key, "count": c.count} for c in self.outcomes_per_week
            ],
            "first_call_to_meeting": {
                "median_working_days": self.first_call_to_meeting,
                "organisations": self.first_call_to_meeting_count,
            },
            "overdue_per_volunteer": dict(self.overdue_per_volunteer),
        }


def _grid(
    counts: Iterable[WeekCount], rows: Sequence[str], columns: Sequence[str]
) -> list[list[int]]:
    index = {c: i for i, c in enumerate(columns)}
    by_week = {w: [0] * len(columns) for w in rows}
    for c in counts:
        if c.week in by_week and c.key in index:
            by_week[c.week][index[c.key]] += c.count
    return [by_week[w] for w in rows]


def iso_week(day: dt.date) -> str:
    """The ISO week of a day, ``2026-W47``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def default_start(today: dt.date, weeks: int = WEEKS) -> dt.date:
    """The Monday ``weeks - 1`` weeks before the week of ``today``."""
    return today - dt.timedelta(days=today.weekday(), weeks=weeks - 1)


def week_labels(start: dt.date, today: dt.date) -> list[str]:
    """The ISO weeks from the week of ``start`` to the week of ``today``, in order."""
    out: list[str] = []
    day = start - dt.timedelta(days=start.weekday())
    while day <= today:
        out.append(iso_week(day))
        day += dt.timedelta(weeks=1)
    return out


def working_days_between(first: dt.date, last: dt.date) -> int:
    """The working days after ``first`` up to and including ``last`` (0 when last <= first).

    Whole weeks count five days each, then the public holidays on weekdays are taken
    off: a few steps whatever the distance (a report reads one interval per organisation).
    """
    if last <= first:
        return 0
    weeks, rest = divmod((last - first).days, 7)
    count = 5 * weeks
    day = first + dt.timedelta(weeks=weeks)
    for _ in range(rest):
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    off = sum(
        1
        for year in range(first.year, last.year + 1)
        for holiday in holidays_of(year)
        if first < holiday <= last and holiday.weekday() < 5
    )
    return count - off


def funnel_level(history: History, action: NextAction) -> int:
    """How far in ``FUNNEL`` an organisation went: 0 (not prepared) to len(FUNNEL) (partner)."""
    org, contacts, appointments = history.org, history.contacts, history.appointments
    outcomes = {c.outcome for c in contacts}
    if (
        action.stage == Stage.PARTNER
        or org.tracking == "partenaire"
        or any(a.result in PARTNER_RESULTS for a in appointments)
    ):
        return 7
    if any(a.status == "held" for a in appointments):
        return 6
    if appointments or "meeting-set" in outcomes:
        return 5
    if outcomes & CONVERSATION_OUTCOMES:
        return 4
    if outcomes & REACHED_OUTCOMES:
        return 3
    if contacts:
        return 2
    if not missing_preparation(org):
        return 1
    return 0


def _in_library(org: Organisation, library: str | None) -> bool:
    return matches(org.library, library)


def _contact_volunteer(contact: Contact, org: Organisation | None) -> str:
    return contact.volunteer or (org.volunteer if org else None) or UNASSIGNED


def _first_call_to_meeting(history: History) -> int | None:
    firsts = [c.date for c in history.contacts if c.date is not None]
    if not firsts:
        return None
    first = min(firsts)
    meetings = [
        a.date
        for a in history.appointments
        if a.date is not None and a.date >= first and a.status != "cancelled"
    ]
    return working_days_between(first, min(meetings)) if meetings else None


def campaign(
    histories: Sequence[History],
    actions: Sequence[NextAction],
    contacts: Sequence[Contact],
    today: dt.date,
    start: dt.date | None = None,
    library: str | None = None,
    volunteers: Sequence[str] = (),
) -> Campaign:
    """The figures of the campaign on ``today`` (see the module).

    ``histories`` and ``actions``: one per organisation, in the same order (``rules.link``
    and ``rules.next_action``); ``contacts``: every contact row of the workbook, each
    counted once in the weekly figures (a row naming no organisation counts only when
    no ``library`` is asked). ``volunteers``: the names of Paramètres, listed with 0
    when they have nothing overdue. Raises ValueError when ``start`` is after ``today``.
    """
    start = start or default_start(today)
    if start > today:
        raise ValueError("start after today")
    chosen = [
        (h, a) for h, a in zip(histories, actions, strict=True) if _in_library(h.org, library)
    ]
    stages = dict.fromkeys(STAGES, 0)
    levels = Counter[int]()
    delays: list[int] = []
    overdue = Counter[str]()
    org_of: dict[int, Organisation] = {}
    for h in histories:
        for c in h.contacts:
            org_of.setdefault(id(c), h.org)
    for h, a in chosen:
        stages[a.stage] = stages.get(a.stage, 0) + 1
        levels[funnel_level(h, a)] += 1
        delay = _first_call_to_meeting(h)
        if delay is not None:
            delays.append(delay)
        if a.due is not None and a.action != Action.NONE and a.due < today:
            overdue[a.volunteer or UNASSIGNED] += 1
    funnel = {
        code: sum(n for level, n in levels.items() if level >= i)
        for i, (code, _label) in enumerate(FUNNEL, start=1)
    }
    conversion = [
        Conversion(
            a_code,
            b_code,
            round(funnel[b_code] / funnel[a_code], 4) if funnel[a_code] else None,
        )
        for (a_code, _a), (b_code, _b) in itertools.pairwise(FUNNEL)
    ]
    weeks = week_labels(start, today)
    per_volunteer = Counter[tuple[str, str]]()
    per_outcome = Counter[tuple[str, str]]()
    counted = 0
    for c in contacts:
        if c.date is None or not (start <= c.date <= today):
            continue
        org = org_of.get(id(c))
        if library and (org is None or not _in_library(org, library)):
            continue
        week = iso_week(c.date)
        counted += 1
        per_volunteer[(week, _contact_volunteer(c, org))] += 1
        if c.outcome:
            per_outcome[(week, c.outcome)] += 1
    names = sorted(
        {v for _w, v in per_volunteer} | set(overdue) | set(volunteers),
        key=lambda n: (n == UNASSIGNED, n.casefold()),
    )
    overdue_all = {name: overdue.get(name, 0) for name in names if name != UNASSIGNED}
    if overdue.get(UNASSIGNED):
        overdue_all[UNASSIGNED] = overdue[UNASSIGNED]
    return Campaign(
        today=today,
        start=start,
        library=library,
        organisations=len(chosen),
        stages=stages,
        funnel=funnel,
        weeks=weeks,
        volunteers=names,
        contacts_per_week=[
            WeekCount(w, v, n) for (w, v), n in sorted(per_volunteer.items(), key=_week_order)
        ],
        outcomes_per_week=[
            WeekCount(w, o, n) for (w, o), n in sorted(per_outcome.items(), key=_week_order)
        ],
        conversion=conversion,
        first_call_to_meeting=statistics.median(delays) if delays else None,
        first_call_to_meeting_count=len(delays),
        overdue_per_volunteer=overdue_all,
        contacts=counted,
    )


def _week_order(item: tuple[tuple[str, str], int]) -> tuple[str, str]:
    (week, key), _n = item
    return (week, key.casefold())
