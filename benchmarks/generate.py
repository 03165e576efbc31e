"""Generate realistic benchmark workbooks from the template, at several scales, cached by scale and seed.

The template (Tables, dropdowns, formats, Paramètres, Listes) is built with
``cbpt_sheets.ooxml.template.build``; the rows of the three data sheets are then written
as sheet XML directly (shared strings, styles of the template's first row), because
writing 100k rows cell by cell through openpyxl takes minutes. The data has the
variety of the example (every organisation type, every outcome with coherent fields,
every appointment status and Suite), the variety of real files (names with accents,
guillemets, apostrophes and ampersands; a distinct e-mail and direct phone per person)
and about 3 % of rows with a defect (misspelt list values, bad phones, text dates,
unknown organisations, bad e-mails, lost postcode zeros, calls dated after today,
call-backs before the call, required cells left empty): thousands of errors at the
large scale, as in the network files of issue 22.

Usage: python benchmarks/generate.py [--scales tiny,small,large] [--seed 1] [--force]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from cbpt_sheets.core.models import column_letter
from cbpt_sheets.core.names import name_key
from cbpt_sheets.core.schema import (
    APPOINTMENT_RESULT,
    APPOINTMENT_STATUS,
    DATA_SHEETS,
    ORG_TYPE,
    OUTCOME,
    PLACE,
    Sheet,
)
from cbpt_sheets.ooxml.package import sheet_parts
from cbpt_sheets.ooxml.template import build

GENERATOR_VERSION = 3  # part of the cache key: bump when the data changes
TODAY = dt.date(2026, 12, 1)  # the benchmark's "today" (pass --today to the commands)
DATA_DIR = Path(__file__).resolve().parent / "data"
DEFECT_RATE = 0.03  # rows with a defect: about 3 400 at the large scale, most of them errors


@dataclass(frozen=True)
class Scale:
    """How many rows of each data sheet a benchmark workbook holds."""

    organisations: int
    contacts: int
    appointments: int
    volunteers: int
    libraries: int
    defect_rate: float = DEFECT_RATE  # the share of rows spoilt the way volunteers do


SCALES: dict[str, Scale] = {
    "tiny": Scale(60, 400, 25, 4, 2),
    "library": Scale(500, 5_000, 250, 6, 1),  # one library's workbook; a city network has 20
    "volunteer": Scale(500, 2_500, 120, 4, 1),  # what one volunteer's workbook holds (issue 22)
    "small": Scale(1_000, 10_000, 500, 12, 4),
    "large": Scale(10_000, 100_000, 5_000, 60, 20),
    # the large file as a network's merged files come: a third of the rows spoilt, about
    # 40 000 findings (issue 22: check built a model per finding and 16 MB of JSON)
    "findings": Scale(10_000, 100_000, 5_000, 60, 20, defect_rate=0.35),
}

Row = dict[str, Any]

# ---------------------------------------------------------------- vocabulary

_FIRST = ("Anne", "Paul", "Claire", "Louis", "Sophie", "Karim", "Nadia", "Hugo", "Élise", "Marc",
          "Lucie", "Yves", "Agnès", "Rémi", "Odile", "Thomas", "Inès", "Julien", "Chloé", "Omar",
          "Jean-François", "Françoise", "Loïc", "Zoé", "Maëlle", "Anaïs", "Noémie", "Jérôme",
          "Hélène", "Gaëlle", "Marie-Ange", "Benoît", "Cécile", "Aïcha", "Björn", "Thuy-Linh")  # fmt: skip
_LAST = ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Roux", "Fontaine",
         "Mercier", "Blanc", "Garnier", "Faure", "Chevalier", "Robin", "Haddad", "Benali", "Noël",
         "Perrin", "Vidal", "Caron", "Picard", "Barbier", "Lemoine", "N'Diaye", "d'Arcy", "Le Gall",
         "de La Tour", "Ménard", "Lefèbvre-Dupré", "O'Neill", "Nguyễn", "Müller", "Saint-Aubin",
         "Da Costa", "Brûlé", "Œhmichen", "Ben Saïd")  # fmt: skip
_WORDS = ("Tilleuls", "Glycines", "Cèdres", "Lilas", "Peupliers", "Horizon", "Lumière", "Alésia",
          "Montsouris", "Vaugirard", "Plaisance", "Brancion", "Pernety", "Didot", "Convention",
          "Castagnary", "Brune", "Maine", "Losserand", "Cervin", "Orme", "Saules", "Acacias",
          "Marronniers", "Roseraie", "Belvédère", "Soleil", "Source", "Moulin", "Fontaine")  # fmt: skip
_CITIES = (("Paris", "750"), ("Vanves", "92170"), ("Montrouge", "92120"), ("Malakoff", "92240"),
           ("Issy-les-Moulineaux", "92130"), ("Bourg-en-Bresse", "01000"), ("Ivry-sur-Seine", "94200"))  # fmt: skip
_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # type code: name prefixes, activities, head roles
    "entreprise": (("Société", "Groupe", "Cabinet", "Laboratoires", "Banque"),
                   ("Banque de détail", "Cabinet de conseil", "BTP", "Assurances", "Bureau d'études"),
                   ("Directeur des ressources humaines", "Secrétaire du CSE", "Gérant")),
    "sante": (("Hôpital", "Clinique", "Maison de santé", "Centre de rééducation"),
              ("Hôpital de court séjour", "Clinique chirurgicale", "Soins de suite"),
              ("Directeur", "Directrice des soins", "Cadre de santé")),
    "seniors": (("EHPAD", "Résidence seniors", "Foyer-logement"),
                ("Maison de retraite médicalisée", "Résidence services seniors"),
                ("Directrice", "Responsable de résidence", "Animatrice")),
    "association": (("Association", "Club", "Centre social", "Amicale"),
                    ("Animation de quartier", "Club omnisports", "Théâtre associatif"),
                    ("Président", "Présidente", "Coordinateur")),
    "administration": (("Mairie annexe", "Caisse d'allocations", "Conservatoire"),
                       ("Services municipaux", "Organisme social", "Conservatoire municipal"),
                       ("Directeur général des services", "Directrice d'agence")),
    "education": (("École élémentaire", "Collège", "Lycée", "Crèche"),
                  ("École primaire publique", "Collège public", "Crèche associative"),
                  ("Directrice", "Principal", "Proviseur")),
    "autre": (("Paroisse", "Fondation", "Syndicat"),
              ("Association paroissiale", "Fondation d'entreprise", "Syndicat de copropriété"),
              ("Responsable", "Délégué")),
}  # fmt: skip
_STREETS = ("rue de Vaugirard", "rue Lecourbe", "avenue du Maine", "rue d'Alésia",
            "rue Raymond-Losserand", "rue de la Convention", "boulevard Brune", "rue Didot")  # fmt: skip
_SLOTS = ("mardi matin", "14h-16h", "jeudi après-midi", "entre midi et deux", "lundi 9h-11h")
_EXPECTATIONS = ("Lectures à voix haute le jeudi", "Créneau entre midi et deux",
                 "Romans policiers et BD", "Livres en gros caractères", "Activités pour les enfants")  # fmt: skip
_ROLES = ("cadre de santé", "animatrice", "assistante de direction", "secrétaire du CSE",
          "responsable RH", "chargée de communication")  # fmt: skip
_DEPARTMENTS = ("Service communication", "Ressources humaines", "Direction", "Animation")

# Outcome codes by weight when a history goes on (opt-out only ends one).
_NEXT_OUTCOMES = (("no-answer", 34), ("wrong-number", 3), ("head-absent-callback", 10),
                  ("redirected", 10), ("no-redirection", 4), ("meeting-set", 5), ("call-back", 8),
                  ("send-info", 7), ("mail-sent", 8), ("letter-sent", 4), ("not-interested", 3))  # fmt: skip
_LAST_OUTCOMES = (*_NEXT_OUTCOMES, ("opt-out", 3))
_STEP4 = {e.code for e in OUTCOME.entries if e.step == "4"}
_LABEL = {
    spec.name: {e.code: e.fr for e in spec.entries}
    for spec in (ORG_TYPE, OUTCOME, PLACE, APPOINTMENT_STATUS, APPOINTMENT_RESULT)
}
_MISSPELT = {  # list value -> a misspelling the checks must catch
    "Pas de réponse": ("pas de reponse", "Pas de répons"),
    "Entretien – RDV fixé": ("entretien - rdv fixe", "Entretien RDV"),
    "Réalisé": ("realise", "Réalisée"),
    "Chez eux": ("chez eux", "Chez-eux"),
}


def _org_name(rng: random.Random, prefixes: tuple[str, ...]) -> str:
    """An organisation's name as volunteers type them: accents, guillemets, apostrophes, &, dots."""
    prefix, word, other = rng.choice(prefixes), rng.choice(_WORDS), rng.choice(_WORDS)
    form = rng.randrange(10)
    if form == 0:
        return f"{prefix} « {word} »"
    if form == 1:
        return f"{prefix} de l'{word}" if word[0] in "AEIOUÉÈ" else f"{prefix} d'{word}-{other}"
    if form == 2:
        return f"{prefix} {word} & {other}"
    if form == 3:
        return f"{prefix} Saint-{rng.choice(_LAST).replace(' ', '-')} ({word})"
    if form == 4:
        return f"{prefix} {word}, {other} S.A.S."
    return f"{prefix} {rng.choice(('Les ', 'des ', 'du ', ''))}{word}"


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def _phone(n: int, prefix: str = "01") -> str:
    """A valid French number, unique for n < 10^7, written the French way."""
    d = f"{n:07d}"
    return f"{prefix} 4{d[0]} {d[1:3]} {d[3:5]} {d[5:7]}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(('M.', 'Mme'))} {rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _slug(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text).split()[:3])


def _email(person: str, organisation: str, n: int) -> str:
    """A person's own e-mail at an organisation (prenom.nom@organisation-n.fr), distinct per n."""
    words = _slug(person).split("-")[1:] or ["contact"]
    return f"{'.'.join(words)}@{_slug(organisation)}-{n}.fr"


def _workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


# ---------------------------------------------------------------- rows


def _organisations(rng: random.Random, scale: Scale, volunteers: list[str], libraries: list[str]) -> list[Row]:  # fmt: skip
    kinds = [e.code for e in ORG_TYPE.entries]
    seen: set[str] = set()
    rows: list[Row] = []
    for i in range(scale.organisations):
        kind = kinds[i % len(kinds)]
        prefixes, activities, roles = _KINDS[kind]
        city, postcode = rng.choice(_CITIES)
        if postcode == "750":
            postcode = f"750{rng.randint(1, 20):02d}"
        base = _org_name(rng, prefixes)
        name = f"{base} – {city}" if rng.random() < 0.5 else base
        if name_key(name) in seen:  # duplicate names come from the defects only
            name = f"{name} {i + 1}"
        seen.add(name_key(name))
        lib = rng.randrange(len(libraries))
        tracking = _pick(rng, (("", 80), ("Actif", 8), ("En pause", 3), ("Partenaire", 4),
                               ("Clos", 3), ("Ne pas contacter", 2)))  # fmt: skip
        row: Row = {
            "id": f"ORG-{i + 1:05d}" if rng.random() < 0.9 else None,
            "name": name,
            "type": _LABEL["Type"][kind],
            "activity": rng.choice(activities),
            "address": f"{rng.randint(1, 250)} {rng.choice(_STREETS)}",
            "postcode": postcode,
            "city": city,
            "staff": rng.choice((4, 12, 25, 60, 140, 420, 1200)),
            "switchboard": _phone(i),
            "head": _person(rng),
            "head_role": rng.choice(roles),
            "library": libraries[lib],
            "volunteer": volunteers[(lib + rng.randrange(3)) % len(volunteers)],
            "objective": "Adhésion collective du personnel" if kind == "entreprise" else "Faire connaître la bibliothèque",
            "offer": "Prêt de livres, conseils, animations",
            "knows_cbpt": rng.choice((None, None, "Oui", "Non")),
            "tracking": tracking or None,
            "notes": "Ancienne partenaire, à relancer" if rng.random() < 0.05 else None,
        }  # fmt: skip
        if rng.random() < 0.3:
            row.update(contact=_person(rng), contact_role=rng.choice(_ROLES),
                       contact_phone=_phone(i, "06"))  # fmt: skip
            row["contact_email"] = _email(row["contact"], name, i)
        rows.append(row)
    return rows


def _history(rng: random.Random, count: int, today: dt.date, last: str | None = None) -> list[tuple[dt.date, str]]:  # fmt: skip
    """Dates and outcome codes of one organisation's contacts, oldest first (``last``: the latest's)."""
    span = rng.choice((60, 200, 400, 1400))
    days = sorted(rng.randint(0, span) for _ in range(count))
    start = today - dt.timedelta(days=span)
    out: list[tuple[dt.date, str]] = []
    for k, offset in enumerate(days):
        table = _LAST_OUTCOMES if k == count - 1 else _NEXT_OUTCOMES
        out.append((_workday(start + dt.timedelta(days=offset)), _pick(rng, table)))
    if out and last is not None:
        out[-1] = (out[-1][0], last)
    return out


def _contact(rng: random.Random, org: Row, org_index: int, day: dt.date, outcome: str, volunteers: list[str], serial: int = 0) -> Row:  # fmt: skip
    """One row of Appels; ``serial`` (the row's number) makes its direct phone and e-mail distinct."""
    row: Row = {
        "date": day,
        "time": dt.time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))) if rng.random() < 0.8 else None,
        "organisation": org["name"],
        "volunteer": org["volunteer"] if rng.random() < 0.9 else rng.choice(volunteers),
        "channel": {"mail-sent": "Mail", "letter-sent": "Courrier"}.get(outcome, rng.choice((None, "Téléphone"))),
        "outcome": _LABEL["Resultat"][outcome],
    }  # fmt: skip
    if outcome == "head-absent-callback":
        row.update(contact=_person(rng), role=rng.choice(_ROLES),
                   callback_date=day + dt.timedelta(days=rng.randint(1, 10)),
                   callback_slot=rng.choice(_SLOTS))  # fmt: skip
    elif outcome == "redirected":
        row.update(contact=_person(rng), role=rng.choice(_ROLES))
        what = rng.randrange(3)
        if what == 0:
            row["phone"] = _phone(5_000_000 + serial, rng.choice(("06", "07")))
        elif what == 1:
            row["email"] = _email(row["contact"], org["name"], serial)
        else:
            row["department"] = rng.choice(_DEPARTMENTS)
    elif outcome in _STEP4:
        row.update(contact=org.get("contact") or org["head"], knows_cbpt=rng.choice(("Oui", "Non")))
        if rng.random() < 0.4:
            row["expectations"] = rng.choice(_EXPECTATIONS)
        if outcome == "call-back" and rng.random() < 0.6:
            row["callback_date"] = day + dt.timedelta(days=rng.randint(3, 30))
            row["callback_slot"] = rng.choice(_SLOTS)
        if outcome == "send-info":
            row["email"] = (_email(row["contact"], org["name"], serial) if rng.random() < 0.7
                            else f"accueil@{_slug(org['name'])}-{org_index}.fr")  # fmt: skip
        if rng.random() < 0.35:  # a direct line, given during the call
            row["phone"] = _phone(5_000_000 + serial, rng.choice(("01", "06", "07")))
    if rng.random() < 0.1:
        row["notes"] = "Message laissé au standard"
    return row


def _appointment(rng: random.Random, org: Row, day: dt.date, today: dt.date) -> Row:
    if day >= today:
        status = rng.choice(("proposed", "confirmed", None))
    else:
        status = _pick(rng, (("held", 70), ("cancelled", 8), ("postponed", 7), ("confirmed", 10), ("proposed", 5)))  # fmt: skip
    result = None
    if status == "held" and rng.random() < 0.9:
        result = rng.choice([e.code for e in APPOINTMENT_RESULT.entries])
    place = rng.choice(("theirs", "library"))
    return {
        "organisation": org["name"],
        "date": day,
        "time": dt.time(rng.choice((9, 10, 11, 14, 15, 16, 18)), 0),
        "place": _LABEL["Lieu"][place],
        "library_visit": "Oui" if place == "library" else rng.choice((None, "Non")),
        "contact": org.get("contact") or org["head"],
        "volunteer": org["volunteer"],
        "status": _LABEL["Statut"][status] if status else None,
        "result": _LABEL["Suite"][result] if result else None,
        "welcome_event": "Café littéraire d'accueil" if result == "event" else None,
        "notes": None,
    }


def _defect(rng: random.Random, key: str, row: Row) -> None:
    """Spoil one cell of a row the way volunteers do (about 1 % of rows)."""
    kind = rng.randrange(9)
    if kind == 0:  # misspelt list value
        for column in ("outcome", "status", "place"):
            if row.get(column) in _MISSPELT:
                row[column] = rng.choice(_MISSPELT[row[column]])
                return
        if key == "organisations":
            row["type"] = row["type"].lower()
        else:
            row["volunteer"] = "Bénévole inconnu"
    elif kind == 1:  # bad or badly written phone
        phone_column = {"organisations": "switchboard", "calls": "phone"}.get(key)
        if phone_column:
            row[phone_column] = rng.choice(
                ("01 23 45", "12345", "01.45.30.10.10", "+33 1 45 30 10 10")
            )
    elif kind == 2:  # a date typed as text
        column = "callback_date" if key == "calls" and row.get("callback_date") else "date"
        if isinstance(row.get(column), dt.date):
            row[column] = row[column].strftime("%d/%m/%Y")
    elif kind == 3:  # an organisation that is not in Organisations
        if "organisation" in row:
            row["organisation"] = row["organisation"][:-1] + "x"
    elif kind == 4:  # a bad e-mail
        email_column = {"organisations": "contact_email", "calls": "email"}.get(key)
        if email_column:
            row[email_column] = "jean.dupont@"
    elif kind == 6 and key == "calls":  # a call dated after today (typed the wrong year)
        if isinstance(row.get("date"), dt.date):
            row["date"] = TODAY + dt.timedelta(days=rng.randint(20, 300))
    elif kind == 7 and key == "calls":  # a call-back asked before the call
        if isinstance(row.get("date"), dt.date):
            row["callback_date"] = row["date"] - dt.timedelta(days=3)
    elif kind == 8:  # a required cell left empty
        row["date" if key != "organisations" else "type"] = None
    elif key == "organisations":  # a postcode that lost its leading zero
        row["postcode"] = int(row["postcode"]) if row["postcode"].startswith("0") else 1000


def generate_rows(scale: Scale, seed: int = 1, today: dt.date = TODAY) -> tuple[dict[str, list[Row]], list[str], list[str]]:  # fmt: skip
    """The rows of each data sheet (cell values as typed, lists as labels), volunteers, libraries."""
    rng = random.Random(seed)
    volunteers = [f"{_FIRST[i % len(_FIRST)]} {_LAST[(i * 7) % len(_LAST)]}" + (f" {i // 20 + 1}" if i >= 20 else "")
                  for i in range(scale.volunteers)]  # fmt: skip
    libraries = [f"Paris {i + 1} – {_WORDS[i % len(_WORDS)]}" for i in range(scale.libraries)]
    orgs = _organisations(rng, scale, volunteers, libraries)
    # Contacts: a skewed number per organisation; a tenth still untouched, and those marked
    # "Ne pas contacter" never contacted (a contact would be an error for the checks).
    weights = [
        0.0
        if rng.random() < 0.1 or o["tracking"] == "Ne pas contacter"
        else rng.lognormvariate(0, 0.8)
        for o in orgs
    ]
    counts = [0] * len(orgs)
    for index in rng.choices(range(len(orgs)), weights, k=scale.contacts):
        counts[index] += 1
    for org, count in zip(orgs, counts, strict=True):
        if count == 0 and rng.random() < 0.3:  # preparation still under way (rules 14 and 15)
            org[rng.choice(("activity", "staff", "switchboard", "objective"))] = None
    contacts: list[Row] = []
    meetings: list[tuple[int, dt.date]] = []
    every_outcome = [e.code for e in OUTCOME.entries]  # the first histories end on each outcome
    for index, (org, count) in enumerate(zip(orgs, counts, strict=True)):
        last = every_outcome.pop() if count and every_outcome else None
        for day, outcome in _history(rng, count, today, last):
            contacts.append(_contact(rng, org, index, day, outcome, volunteers, len(contacts)))
            if outcome == "meeting-set":
                meetings.append((index, day))
    contacts.sort(key=lambda r: (r["date"], r["time"] or dt.time(0)))
    rng.shuffle(meetings)
    appointments: list[Row] = []
    for index, day in meetings[: scale.appointments]:
        when = _workday(day + dt.timedelta(days=rng.randint(3, 30)))
        appointments.append(_appointment(rng, orgs[index], when, today))
    while len(appointments) < scale.appointments:
        org = rng.choice(orgs)
        when = _workday(today + dt.timedelta(days=rng.randint(-300, 60)))
        appointments.append(_appointment(rng, org, when, today))
    appointments.sort(key=lambda r: r["date"])
    rows = {"organisations": orgs, "calls": contacts, "appointments": appointments}
    for key, sheet_rows in rows.items():
        for row in sheet_rows:
            if rng.random() < scale.defect_rate:
                _defect(rng, key, row)
    return rows, volunteers, libraries


# ---------------------------------------------------------------- xlsx


_EPOCH = dt.date(1899, 12, 30)
_SST_CT = '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
_SST_REL = '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdSst" />'
_ROW2_CELL = re.compile(r'<c r="([A-Z]+)2" s="(\d+)"')


class _Strings:
    """The shared strings table, filled as cells are written."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0

    def ref(self, text: str) -> int:
        self.count += 1
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def xml(self) -> bytes:
        parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{self.count}" uniqueCount="{len(self.index)}">']  # fmt: skip
        for text in self.index:
            space = ' xml:space="preserve"' if text != text.strip() else ""
            parts.append(f"<si><t{space}>{escape(text)}</t></si>")
        parts.append("</sst>")
        return "".join(parts).encode("utf-8")


def _cell(ref: str, style: str, value: Any, strings: _Strings) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}"{style} t="s"><v>{strings.ref(value)}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}"{style}><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, dt.time):
        fraction = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
        return f'<c r="{ref}"{style}><v>{fraction!r}</v></c>'
    return f'<c r="{ref}"{style}><v>{value}</v></c>'


def _sheet_rows(sheet: Sheet, rows: list[Row], styles: dict[str, str], strings: _Strings) -> Iterator[str]:  # fmt: skip
    letters = [column_letter(i) for i in range(len(sheet.columns))]
    keys = [c.key for c in sheet.columns]
    style = [f' s="{styles[letter]}"' if letter in styles else "" for letter in letters]
    for r, row in enumerate(rows, start=2):
        cells = [
            _cell(f"{letters[i]}{r}", style[i], row[key], strings)
            for i, key in enumerate(keys)
            if row.get(key) is not None
        ]
        yield f'<row r="{r}">{"".join(cells)}</row>'


def _stretch(xml: str, last_row: int) -> str:
    """Make dropdowns and formats reach the last data row (the template stops at row 5000)."""
    if last_row <= 5000:
        return xml
    return re.sub(r'sqref="([A-Z]+)2:([A-Z]+)5000"', rf'sqref="\g<1>2:\g<2>{last_row}"', xml)


def write_workbook(path: Path, rows: dict[str, list[Row]], volunteers: list[str], libraries: list[str], lang: str = "fr") -> Path:  # fmt: skip
    """Write a template workbook holding ``rows`` (values as typed), via sheet XML for speed."""
    with tempfile.TemporaryDirectory() as tmp:
        template_path = Path(tmp) / "template.xlsx"
        build(lang, None, volunteers, libraries).save(template_path)
        with zipfile.ZipFile(template_path) as src:
            parts = sheet_parts(src)
            names = src.namelist()
            contents = {name: src.read(name) for name in names}
    strings = _Strings()
    sheet_xml: dict[str, bytes] = {}
    for sheet in DATA_SHEETS:
        part = parts[sheet.name(lang)]
        xml = contents[part].decode("utf-8")
        head, rest = xml.split("<sheetData>", 1)
        body, tail = rest.split("</sheetData>", 1)
        header_row = body[: body.index("</row>") + len("</row>")]
        styles = dict(_ROW2_CELL.findall(body))
        data = rows.get(sheet.key, [])
        last_row = len(data) + 1
        last_col = column_letter(len(sheet.columns) - 1)
        head = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:{last_col}{last_row}"', head)
        chunks = [head, "<sheetData>", header_row, *_sheet_rows(sheet, data, styles, strings),
                  "</sheetData>", _stretch(tail, last_row)]  # fmt: skip
        sheet_xml[part] = "".join(chunks).encode("utf-8")
        table_ref = f"A1:{last_col}{max(last_row, 2)}"
        for name in names:
            if (
                name.startswith("xl/tables/")
                and f'displayName="{sheet.table}"'.encode() in contents[name]
            ):
                contents[name] = re.sub(rb'ref="A1:[A-Z]+\d+"', f'ref="{table_ref}"'.encode(), contents[name])  # fmt: skip
    contents["[Content_Types].xml"] = contents["[Content_Types].xml"].replace(b"</Types>", _SST_CT.encode() + b"</Types>")  # fmt: skip
    rels = "xl/_rels/workbook.xml.rels"
    contents[rels] = contents[rels].replace(b"</Relationships>", _SST_REL.encode() + b"</Relationships>")  # fmt: skip
    sheet_xml_bytes = sheet_xml  # the sheets first, so the strings table is complete
    tmp_out = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp_out, "w", zipfile.ZIP_DEFLATED) as out:
        for name in names:
            out.writestr(name, sheet_xml_bytes.get(name, contents[name]))
            if name == rels:
                out.writestr("xl/sharedStrings.xml", strings.xml())
    tmp_out.replace(path)
    return path


# ---------------------------------------------------------------- cache


def workbook_path(scale: str, seed: int = 1, data_dir: Path = DATA_DIR) -> Path:
    """The cached workbook of a scale and seed."""
    return data_dir / f"{scale}-seed{seed}-v{GENERATOR_VERSION}.xlsx"


def ensure(scale: str, seed: int = 1, force: bool = False, data_dir: Path = DATA_DIR) -> tuple[Path, float | None]:  # fmt: skip
    """The workbook of a scale (generated unless cached) and its generation time (None if cached)."""
    path = workbook_path(scale, seed, data_dir)
    if path.exists() and not force:
        return path, None
    data_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows, volunteers, libraries = generate_rows(SCALES[scale], seed)
    write_workbook(path, rows, volunteers, libraries)
    seconds = time.perf_counter() - start
    path.with_suffix(".json").write_text(
        json.dumps({"scale": scale, "seed": seed, "seconds": seconds})
    )
    return path, seconds


def generation_seconds(path: Path) -> float | None:
    """The generation time recorded beside a cached workbook, if any."""
    try:
        return float(json.loads(path.with_suffix(".json").read_text())["seconds"])
    except (OSError, ValueError, KeyError):
        return None


def main(argv: list[str] | None = None) -> int:
    """Generate (or find in the cache) the benchmark workbooks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scales", default="tiny,small,large", help="comma-separated: " + ",".join(SCALES)
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="regenerate even when cached")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    for scale in args.scales.split(","):
        if scale not in SCALES:
            parser.error(f"unknown scale {scale!r}")
        path, seconds = ensure(scale, args.seed, args.force, args.out)
        size = path.stat().st_size / 1e6
        how = f"generated in {seconds:.1f} s" if seconds is not None else "cached"
        print(f"{scale:6} {path} ({size:.1f} MB, {how})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
