"""The checks of checks.md across rows and sheets: duplicates, links, outcomes, GDPR."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cbpt_sheets.core import values as v
from cbpt_sheets.core.calendar import add_months
from cbpt_sheets.core.checks.cells import email_ok, phone_of
from cbpt_sheets.core.checks.engine import Columns, Run, code_of, filled, rows_with_data
from cbpt_sheets.core.checks.findings import did_you_mean, quote
from cbpt_sheets.core.dataset import settings as read_settings
from cbpt_sheets.core.french import format_date
from cbpt_sheets.core.models import RawRow, SheetData
from cbpt_sheets.core.names import NameMatcher, name_key
from cbpt_sheets.core.rgpd import retention_clock
from cbpt_sheets.core.schema import OUTCOME, PREPARATION_FIELDS, fold

PERSONAL_ORG_KEYS = ("contact", "contact_phone", "contact_email")
PERSONAL_CALL_KEYS = ("contact", "phone", "email")
STEP4_OUTCOMES = frozenset(
    e.code for e in OUTCOME.entries if e.step == "4" and e.fr.startswith("Entretien")
)


@dataclass
class Org:
    """An organisation of the sheet with the positions of its contacts and appointments."""

    row: RawRow
    name: str
    tracking: str | None
    contacts: list[int] = field(default_factory=list)  # positions in the Appels columns
    appointments: list[int] = field(default_factory=list)  # positions in the Rendez-vous ones


def check_organisations(run: Run) -> dict[str, Org]:
    """Duplicates on Organisations; returns the organisations by folded Nom and ID."""
    sheet = run.raw.sheets.get("organisations")
    index: dict[str, Org] = {}
    if sheet is None or "name" not in sheet.columns:
        return index
    rows = rows_with_data(run, "organisations")
    seen_ids: dict[str, RawRow] = {}
    seen_names: dict[str, RawRow] = {}
    seen_phones: dict[str, tuple[RawRow, str]] = {}
    seen_emails: dict[str, tuple[RawRow, str]] = {}
    by_id: dict[str, Org] = {}
    for row in rows:
        name = v.text(row.values.get("name"))
        org_id = v.text(row.values.get("id"))
        org = Org(row, name or "", code_of("Suivi", row.values.get("tracking")))
        if org_id:
            first = seen_ids.get(fold(org_id))
            if first is not None:
                run.add(
                    "duplicate-id",
                    sheet,
                    {"id": org_id, "first_row": first.row},
                    key="id",
                    row=row.row,
                    value=row.values.get("id"),
                )
            else:
                seen_ids[fold(org_id)] = row
                by_id.setdefault(fold(org_id), org)
        if name:
            key = name_key(name) or fold(name)
            first = seen_names.get(key)
            if first is not None:
                run.add(
                    "duplicate-name",
                    sheet,
                    {
                        "name": name,
                        "first_row": first.row,
                        "first_seen": quote(first.values.get("name")),
                    },
                    key="name",
                    row=row.row,
                    value=row.values.get("name"),
                )
            else:
                seen_names[key] = row
                index[key] = org
        _possible_duplicates(run, sheet, row, seen_phones, seen_emails)
    for key, org in by_id.items():
        index.setdefault("id:" + key, org)
    return index


def _possible_duplicates(
    run: Run,
    sheet: SheetData,
    row: RawRow,
    seen_phones: dict[str, tuple[RawRow, str]],
    seen_emails: dict[str, tuple[RawRow, str]],
) -> None:
    reported = False
    mine: set[str] = set()
    for key in ("switchboard", "contact_phone", "contact_email"):
        if not filled(row, key) or key not in sheet.columns:
            continue
        value = row.values.get(key)
        if key == "contact_email":
            norm = (v.text(value) or "").lower()
            if not email_ok(norm):
                continue
            seen = seen_emails
        else:
            formatted = phone_of(value)  # format_phone(parse_phone(value)), remembered
            if formatted is None:
                continue
            norm = formatted
            seen = seen_phones
        if norm in mine:
            continue
        mine.add(norm)
        first = seen.get(norm)
        if first is None:
            seen[norm] = (row, v.text(row.values.get("name")) or "")
            continue
        if reported:
            continue
        reported = True
        run.add(
            "possible-duplicate",
            sheet,
            {"seen": quote(value), "other": first[1], "other_row": first[0].row},
            "email" if key == "contact_email" else None,
            key=key,
            row=row.row,
            value=value,
        )


def _find_org(index: dict[str, Org], name: str) -> Org | None:
    return index.get(name_key(name) or fold(name)) or index.get("id:" + fold(name))


Unknown = tuple[SheetData, int, str, Any]  # sheet, Excel row, name as read, cell value


def link(run: Run, index: dict[str, Org]) -> list[Unknown]:
    """Attach contacts and appointments to their organisation; return the unknown names' rows."""
    org_sheet = run.raw.sheets.get("organisations")
    can_link = org_sheet is not None and "name" in org_sheet.columns
    unknown: list[Unknown] = []
    for key, attr in (("calls", "contacts"), ("appointments", "appointments")):
        sheet = run.raw.sheets.get(key)
        cols = run.columns(key)
        if sheet is None or cols is None or "organisation" not in sheet.columns:
            continue
        values = cols.values("organisation")
        is_filled = cols.filled("organisation")
        # each distinct name is looked up once: (name as read, its organisation)
        found = v.map_distinct(
            lambda x: (name, _find_org(index, name)) if (name := v.text(x)) else (None, None),
            values,
        )
        for p, (name, org) in enumerate(found):
            if name is None or not is_filled[p]:
                continue
            if org is not None:
                getattr(org, attr).append(p)
            elif can_link:
                unknown.append((sheet, cols.numbers[p], name, values[p]))
    return unknown


def report_unknown(run: Run, unknown: list[Unknown], match: NameMatcher) -> None:
    """One finding per row naming no organisation, with the closest Nom as a hint."""
    org_sheet = run.raw.sheets.get("organisations")
    where = org_sheet.name if org_sheet else "Organisations"
    for sheet, row, name, value in unknown:
        hint = match(name)
        run.add(
            "unknown-organisation",
            sheet,
            {"name": name, "sheet": where, "did_you_mean": did_you_mean(hint)},
            key="organisation",
            row=row,
            value=value,
            suggestion=hint,
        )


_CALL_RULE_OUTCOMES = STEP4_OUTCOMES | {
    "redirected",
    "head-absent-callback",
    "send-info",
    "meeting-set",
}


def check_calls(run: Run, orgs: list[Org]) -> None:
    """callback-before-call, outcome-needs-data, meeting-missing, knows-cbpt-missing."""
    sheet = run.raw.sheets.get("calls")
    cols = run.columns("calls")
    if sheet is None or cols is None:
        return
    numbers = cols.numbers
    org_of: list[Org | None] = [None] * cols.n
    for owner in orgs:
        for p in owner.contacts:
            org_of[p] = owner
    apps_sheet = run.raw.sheets.get("appointments")
    apps = run.columns("appointments")
    app_dates = apps.dates("date") if apps is not None else []
    dates = cols.dates("date")
    callbacks = cols.dates("callback_date")
    for p, (date, callback) in enumerate(zip(dates, callbacks, strict=True)):
        if date is not None and callback is not None and callback < date:
            run.add(
                "callback-before-call",
                sheet,
                {"callback": format_date(callback), "date": format_date(date)},
                key="callback_date",
                row=numbers[p],
                value=cols.values("callback_date")[p],
            )
    outcomes = cols.codes("outcome", "Resultat")
    shown_values = cols.values("outcome")
    col_filled = cols.filled
    for p, outcome in enumerate(outcomes):
        if outcome not in _CALL_RULE_OUTCOMES:
            continue
        row = numbers[p]
        org = org_of[p]
        shown = shown_values[p]
        date = dates[p]
        at = {"key": "outcome", "row": row, "value": shown}
        if outcome == "redirected":
            lacking = not any(col_filled(k)[p] for k in ("phone", "email", "department"))
        elif outcome == "head-absent-callback":
            lacking = not any(col_filled(k)[p] for k in ("contact", "callback_date"))
        else:
            lacking = outcome == "send-info" and not _has_address(cols, p, org)
        if lacking:  # the wording is the outcome's (redirected: the declared one)
            variant = None if outcome == "redirected" else outcome
            run.add("outcome-needs-data", sheet, {"seen": quote(shown)}, variant, **at)
        if outcome == "meeting-set" and date is not None and org is not None and apps_sheet:
            later = [a for a in org.appointments if (d := app_dates[a]) and d >= date]
            if not later:
                fields = {"date": format_date(date), "sheet": apps_sheet.name, "name": org.name}
                run.add("meeting-missing", sheet, fields, **at)
        if outcome in STEP4_OUTCOMES and not col_filled("knows_cbpt")[p]:
            if org is not None and filled(org.row, "knows_cbpt"):
                continue
            run.add("knows-cbpt-missing", sheet, key="knows_cbpt", row=row, sheet_key="calls")


def _has_address(cols: Columns, p: int, org: Org | None) -> bool:
    """Whether a send-info contact has somewhere to send to (its row, its organisation's)."""
    email, department = cols.filled("email"), cols.filled("department")
    if email[p] or department[p]:
        return True
    if org is None:
        return False
    if filled(org.row, "contact_email") or filled(org.row, "department"):
        return True
    return any(email[c] or department[c] for c in org.contacts)


def check_appointments(run: Run) -> None:
    """result-before-held, held-in-future."""
    sheet = run.raw.sheets.get("appointments")
    cols = run.columns("appointments")
    if sheet is None or cols is None:
        return
    dates = dict(zip(cols.numbers, cols.dates("date"), strict=True))  # yearless ones read
    for row in rows_with_data(run, "appointments"):
        status = (
            code_of("Statut", row.values.get("status")) if filled(row, "status") else "proposed"
        )
        if status is None:
            continue  # not-in-list already says it
        if filled(row, "result") and status != "held":
            result = row.values.get("result")
            run.add(
                "result-before-held",
                sheet,
                {"seen": quote(result)},
                key="result",
                row=row.row,
                value=result,
            )
        date = dates.get(row.row)
        if status == "held" and date is not None and date > run.today:
            run.add(
                "held-in-future",
                sheet,
                {"date": format_date(date)},
                key="status",
                row=row.row,
                value=row.values.get("status"),
            )


def check_per_organisation(run: Run, orgs: list[Org]) -> None:
    """contacted-after-opt-out, preparation-missing, retention-expired."""
    org_sheet = run.raw.sheets["organisations"]
    calls = run.raw.sheets.get("calls")
    cols = run.columns("calls")
    settings = read_settings(run.raw)
    cutoff = add_months(run.today, -settings.retention_months)
    dates: list[dt.date | None] = cols.dates("date") if cols is not None else []
    numbers = cols.numbers if cols is not None else []
    outcomes: list[str | None] = cols.codes("outcome", "Resultat") if cols is not None else []
    opted_out = [c == "opt-out" for c in outcomes]
    # contacts in date order (undated first), then row order: positions follow the rows
    order = [d or dt.date.min for d in dates]
    with_opt_out: set[int] = set()  # the organisations with a refusal noted
    if any(opted_out):
        with_opt_out = {id(o) for o in orgs for p in o.contacts if opted_out[p]}
    for org in orgs:
        contacts = sorted(org.contacts, key=order.__getitem__)
        # contacted-after-opt-out
        if calls is not None and (org.tracking == "opposition" or id(org) in with_opt_out):
            raw_outcomes = calls.data.get("outcome") or [None] * len(numbers)
            unread = [outcomes[p] is None and raw_outcomes[p] not in (None, "") for p in range(len(outcomes))]  # fmt: skip
            _contacted_after_opt_out(run, calls, org, contacts, order, opted_out, numbers, unread)
        # preparation-missing
        if contacts:
            r = org.row
            present = [
                f
                for f in PREPARATION_FIELDS
                if not any(filled(r, k) for k in f.keys) and f.key in org_sheet.columns
            ]
            if present:
                names = ", ".join(f.label for f in present)
                run.add(
                    "preparation-missing",
                    org_sheet,
                    {"name": org.name, "fields": names},
                    key=min(present, key=lambda f: org_sheet.columns[f.key]).key,
                    row=org.row.row,
                )
        # retention-expired: the clock restarts only on a contact someone answered (RGPD)
        clock = retention_clock((dates[p], outcomes[p]) for p in contacts)
        last = clock.start
        if last is not None and last < cutoff:
            assert cols is not None
            personal_org = [k for k in PERSONAL_ORG_KEYS if filled(org.row, k)]
            personal_calls = any(cols.filled(k)[p] for p in contacts for k in PERSONAL_CALL_KEYS)
            if personal_org or personal_calls:
                key = (
                    min(personal_org, key=lambda k: org_sheet.columns.get(k, 0))
                    if personal_org
                    else "name"
                )
                run.add(
                    "retention-expired",
                    org_sheet,
                    {
                        "name": org.name,
                        "date": format_date(last),
                        "months": settings.retention_months,
                    },
                    key=key,
                    row=org.row.row,
                    value=org.row.values.get(key),
                )


def _contacted_after_opt_out(
    run: Run,
    calls: SheetData,
    org: Org,
    contacts: list[int],
    order: list[dt.date],
    opted_out: list[bool],
    numbers: list[int],
    unread: list[bool] | None = None,
) -> None:
    """Contacts after a refusal to be contacted, or of an organisation marked Ne pas contacter.

    ``unread[p]``: the Résultat of contact ``p`` is typed but not readable (its own
    ``not-in-list`` error): it may be the refusal itself, so it is not reproached.
    """
    opt_outs = [p for p in contacts if opted_out[p]]
    if org.tracking == "opposition":
        start = opt_outs[-1] if opt_outs else None
    else:
        start = opt_outs[0] if opt_outs else None
    if org.tracking != "opposition" and start is None:
        return
    if org.tracking != "opposition" and start is not None and order[start] == dt.date.min:
        return  # the refusal's date is unreadable: nobody can tell what came after it
    values = calls.data.get("date") or [None] * len(numbers)
    for p in contacts:
        # after the refusal: later in date order, or the same date on a later row
        if start is not None and (order[p], numbers[p]) <= (order[start], numbers[start]):
            continue
        if opted_out[p] or (unread is not None and unread[p]):
            continue
        after_refusal = bool(opt_outs) and start is not None
        run.add(
            "contacted-after-opt-out",
            calls,
            {"name": org.name, "refusal_row": numbers[start] if start is not None else None},
            None if after_refusal else "marked",
            key="date",
            row=numbers[p],
            value=values[p],
        )
