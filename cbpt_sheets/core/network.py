"""The network: organisations approached by more than one library (pure).

Each library's workbook gives one ``Entry`` per organisation (its stage, last
contact, phones, e-mails, postcode). Two entries of different files are the same
organisation when they share

- a phone number (switchboard, contact's phone, a number obtained in a call): ``phone``;
- an e-mail address (the contact's, one obtained in a call): ``email``;
- a name close enough (``NAME_CUTOFF``, the fuzzy matcher of ``names``) with the
  same postcode, or no postcode on one side: ``name`` (and ``postcode`` when both
  postcodes are there and equal).

The same name with a different postcode is a different organisation (a chain's two
shops, two town halls of a network): never reported. Entries linked through shared
keys form one duplicate (union-find). The keeper, the library that should keep
the contact, is the one furthest along in the guide's stages (``PROGRESS``); an
opt-out anywhere wins, since the organisation asked every library not to call.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cbpt_sheets.core.codes import Stage
from cbpt_sheets.core.models import Appointment, Contact, Organisation, Workbook
from cbpt_sheets.core.names import folded, name_key
from cbpt_sheets.core.rules import History

NAME_CUTOFF = 88
"""The lowest name similarity (0-100, token-sorted ratio of the folded names) for ``name``."""

PROGRESS: dict[str, int] = {
    Stage.DO_NOT_CONTACT: 100,  # asked not to be called: every library must know
    Stage.PARTNER: 90,
    Stage.APPOINTMENT: 80,
    Stage.CONVERSATION: 70,
    Stage.FINDING_CONTACT: 60,
    Stage.FIRST_CALL: 50,
    Stage.PAUSED: 40,
    Stage.CLOSED: 30,
    Stage.TO_CORRECT: 20,
    Stage.PREPARATION: 10,
}
"""How far along an organisation is, by stage: the keeper of a duplicate has the highest."""

REASON_ORDER = ("name", "phone", "email", "postcode")

# Words that say what kind of organisation it is, not which one: left out of names
# compared (« Association des amis de Plaisance » ~ « Amis de Plaisance »).
_GENERIC = frozenset(
    [
        "a",
        "au",
        "aux",
        "d",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "sa",
        "sas",
        "sarl",
        "the",
        "of",
        "association",
        "asso",
        "ste",
        "societe",
        "cse",
        "ce",
        "comite",
        "entreprise",
    ]
)
_WORDS = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Entry:
    """One organisation of one library's workbook, as the network sees it."""

    file: str
    library: str
    organisation: str
    id: str | None
    row: int
    stage: str
    last_contact: dt.date | None
    volunteer: str | None = None
    postcode: str | None = None
    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    worked: bool = False  # contacted at least once, or a partner

    def as_json(self) -> dict[str, Any]:
        """``{"file", "library", "organisation", "id", "row", "stage", "last_contact", "volunteer"}``."""
        return {
            "file": self.file,
            "library": self.library,
            "organisation": self.organisation,
            "id": self.id,
            "row": self.row,
            "stage": self.stage,
            "last_contact": self.last_contact.isoformat() if self.last_contact else None,
            "volunteer": self.volunteer,
        }


@dataclass
class Duplicate:
    """Entries of several libraries that are one organisation, with why and who keeps it."""

    score: int  # 0-100
    reasons: list[str]
    keeper: str  # the file of the library that should keep the contact
    entries: list[Entry] = field(default_factory=list)

    @property
    def keeper_entry(self) -> Entry:
        return next(e for e in self.entries if e.file == self.keeper)

    def as_json(self) -> dict[str, Any]:
        """``{"score", "reasons", "keeper", "entries": [Entry.as_json()]}``."""
        return {
            "score": self.score,
            "reasons": list(self.reasons),
            "keeper": self.keeper,
            "entries": [e.as_json() for e in self.entries],
        }


def _digits(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 9 else None


def entries_of(
    file: str,
    library: str,
    histories: Sequence[History],
    stages: Sequence[str],
) -> list[Entry]:
    """The entries of one workbook: each organisation with its plan's stage (same order)."""
    out: list[Entry] = []
    for history, stage in zip(histories, stages, strict=True):
        org = history.org
        phones = {org.switchboard, org.contact_phone, *(c.phone for c in history.contacts)}
        emails = {org.contact_email, *(c.email for c in history.contacts)}
        dated = [c.date for c in history.contacts if c.date is not None]
        worked = bool(dated) or bool(history.appointments) or stage == Stage.PARTNER
        out.append(
            Entry(
                file=file,
                library=org.library or library,
                organisation=org.name,
                id=org.id,
                row=org.row,
                stage=stage,
                last_contact=max(dated) if dated else None,
                volunteer=org.volunteer,
                postcode=org.postcode,
                phones=frozenset(p for p in map(_digits, phones) if p),
                emails=frozenset(e.strip().lower() for e in emails if e and e.strip()),
                worked=worked,
            )
        )
    return out


def _name_words(name: str) -> str:
    words = [w for w in _WORDS.findall(folded(name)) if w not in _GENERIC]
    return " ".join(sorted(words)) or folded(name)


class _Links:
    """Groups of entries (union-find), each holding at most one entry per file.

    A workbook holds each organisation once, so two of its entries are never the same
    organisation: a link that would put two entries of one file in a group is refused.
    That also stops chains (A ~ B by name, B ~ C by phone, ...) from gluing unrelated
    organisations together. Links are offered best first (``find_duplicates``).
    """

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.parent = list(range(len(entries)))
        self.files: dict[int, set[str]] = {i: {e.file} for i, e in enumerate(entries)}
        self.pairs: dict[tuple[int, int], tuple[set[str], float]] = {}

    def root(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def link(self, i: int, j: int, reasons: set[str], score: float) -> None:
        ri, rj = self.root(i), self.root(j)
        if ri != rj:
            if self.files[ri] & self.files[rj]:
                return  # the group has this file already
            self.parent[ri] = rj
            self.files[rj] |= self.files.pop(ri)
        self.pairs[(min(i, j), max(i, j))] = (reasons, score)


def _pair_score(reasons: set[str], name_score: float) -> float:
    """100 for a shared phone or e-mail backed by the name; 90-95 for one alone; the name's score."""
    strong = {"phone", "email"} & reasons
    if strong and "name" in reasons:
        return 100.0
    if len(strong) == 2:
        return 98.0
    if "email" in strong:
        return 95.0
    if "phone" in strong:
        return 90.0
    return name_score


def _identifying(entries: Sequence[Entry], keys_of: str) -> dict[str, list[int]]:
    """Each phone (or e-mail) -> the entries holding it, keeping only the keys that name one
    organisation within each file (a number two organisations of one workbook share, a
    group's switchboard or a call centre, tells nothing about which one it is)."""
    owners: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, entry in enumerate(entries):
        for key in getattr(entry, keys_of):
            owners[(entry.file, key)].add(i)
    index: dict[str, list[int]] = defaultdict(list)
    for (_file, key), members in owners.items():
        if len(members) == 1:
            index[key].extend(members)
    return index


def _name_pairs(entries: Sequence[Entry], words: list[str]) -> Iterable[tuple[int, int, float]]:
    """(a, b, score) for names close enough (``NAME_CUTOFF``) in the same postcode, or with no
    postcode on one side, of two different files; scored in blocks by postcode."""
    from rapidfuzz import fuzz, process

    by_postcode: dict[str | None, list[int]] = defaultdict(list)
    for i, entry in enumerate(entries):
        by_postcode[entry.postcode or None].append(i)
    loose = by_postcode.pop(None, [])
    blocks = [(members, members) for members in by_postcode.values()]
    if loose:  # no postcode: compared with every name sharing a word with it
        by_word: dict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(words):
            for word in set(key.split()):
                by_word[word].append(i)
        for a in loose:
            near = sorted({j for w in set(words[a].split()) for j in by_word[w]})
            blocks.append(([a], near))
    for queries, choices in blocks:
        keys = [words[j] for j in choices]
        for a in queries:
            hits = process.extract(
                words[a], keys, scorer=fuzz.ratio, score_cutoff=NAME_CUTOFF, limit=None
            )
            for _key, score, at in hits:
                b = choices[at]
                if a != b and entries[a].file != entries[b].file:
                    yield min(a, b), max(a, b), float(score)


def find_duplicates(entries: Sequence[Entry]) -> list[Duplicate]:
    """Organisations approached by more than one library (see the module), best score first."""
    found: dict[tuple[int, int], tuple[set[str], float]] = {}
    for reason, keys_of in (("phone", "phones"), ("email", "emails")):
        for members in _identifying(entries, keys_of).values():
            for a in members:
                for b in members:
                    if a < b and entries[a].file != entries[b].file:
                        found.setdefault((a, b), (set(), 0.0))[0].add(reason)
    words = [_name_words(e.organisation) for e in entries]
    for a, b, score in _name_pairs(entries, words):
        reasons, _ = found.setdefault((a, b), (set(), 0.0))
        reasons |= {"name", "postcode"} if entries[a].postcode and entries[b].postcode else {"name"}
        found[(a, b)] = (reasons, score)
    links = _Links(entries)
    scored = sorted(
        ((_pair_score(why, score), a, b, why) for (a, b), (why, score) in found.items()),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    for score, a, b, why in scored:
        links.link(a, b, why, score)
    groups: dict[int, set[int]] = defaultdict(set)
    group_reasons: dict[int, set[str]] = defaultdict(set)
    group_score: dict[int, float] = defaultdict(float)
    for (a, b), (why, score) in links.pairs.items():
        root = links.root(a)
        if root != links.root(b):
            continue  # a link refused (its file was in the group already)
        groups[root].update((a, b))
        group_reasons[root] |= why
        group_score[root] = max(group_score[root], score)
    out: list[Duplicate] = []
    for root, grouped in groups.items():
        chosen = sorted(grouped, key=lambda i: (entries[i].file, entries[i].row))
        group = [entries[i] for i in chosen]
        out.append(
            Duplicate(
                score=round(group_score[root]),
                reasons=[r for r in REASON_ORDER if r in group_reasons[root]],
                keeper=keeper(group).file,
                entries=group,
            )
        )
    out.sort(key=lambda d: (-d.score, folded(d.entries[0].organisation)))
    return out


def keeper(entries: Iterable[Entry]) -> Entry:
    """The entry whose library should keep the contact: furthest along, then the latest contact."""
    ranked = sorted(
        entries,
        key=lambda e: (
            -PROGRESS.get(e.stage, 0),
            -(e.last_contact or dt.date.min).toordinal(),
            e.file,
            e.row,
        ),
    )
    return ranked[0]


def others_working_with(
    mine: Sequence[Entry], others: Sequence[Entry]
) -> list[tuple[Entry, Entry, list[str]]]:
    """(my entry, the other library's entry, reasons) for each of my organisations that
    another library already works with (it contacted it, or it is a partner) or was
    asked not to call (« Ne pas contacter », even with no contact logged)."""
    found: list[tuple[Entry, Entry, list[str]]] = []
    own = set(mine)
    for dup in find_duplicates([*mine, *others]):
        mine_here = [e for e in dup.entries if e in own]
        theirs = [
            e for e in dup.entries if e not in own and (e.worked or e.stage == Stage.DO_NOT_CONTACT)
        ]
        if not mine_here or not theirs:
            continue
        best = keeper(theirs)
        for entry in mine_here:
            found.append((entry, best, dup.reasons))
    return found


# ---------------------------------------------------------------- the network workbook


@dataclass
class Library:
    """One library's workbook as the network reads it: its plan and its histories."""

    file: str
    library: str
    workbook: Workbook
    histories: list[History]
    stages: list[str]
    labels: list[str] = field(default_factory=list)  # each organisation's next action
    errors: int = 0  # error findings of its check
    warnings: int = 0

    @property
    def entries(self) -> list[Entry]:
        return entries_of(self.file, self.library, self.histories, self.stages)


@dataclass
class NetworkRows:
    """The rows of the network workbook, by sheet key, and where each organisation went."""

    rows: dict[str, list[dict[str, Any]]]
    placed: dict[tuple[str, int], tuple[str, str]]  # (file, row) -> (new Nom, new ID)
    volunteers: list[str]
    libraries: list[str]


_ORG_FIELDS = tuple(k for k in Organisation.model_fields if k != "row")
_CONTACT_FIELDS = tuple(k for k in Contact.model_fields if k != "row")
_APPOINTMENT_FIELDS = tuple(k for k in Appointment.model_fields if k != "row")


NETWORK_OPT_OUT_NOTE = (
    "Ne pas contacter : l'organisation l'a demandé à la bibliothèque {library} "
    "(« {organisation} », {file})."
)
NETWORK_TO_CORRECT_NOTE = (
    "En pause dans le réseau : la fiche de la bibliothèque {library} (« {organisation} », "
    "{file}) est à corriger, peut-être un refus ; voyez avec elle avant tout appel. "
    "{label}"
)
NETWORK_KEEPER_NOTE = (
    "En pause dans le réseau : c'est la bibliothèque {library} qui garde le contact "
    "(« {organisation} », {file}) ; accordez-vous avec elle avant d'appeler."
)


def network_rows(libraries: Sequence[Library], duplicates: Sequence[Duplicate] = ()) -> NetworkRows:
    """Every organisation, contact and appointment of the libraries, in one workbook's rows.

    IDs are renumbered ``ORG-0001``... in file order (two libraries both have an
    ORG-0001); a Nom already used by an earlier library gets the library's name in
    brackets (« Hôpital X (Paris 14) »). Contacts and appointments name their
    organisation by its new Nom. A blank Bibliothèque is filled with the source's
    library. Rows that name no organisation keep their text (the check of the network
    workbook shows them, as it did in their own workbook).

    ``duplicates`` (``find_duplicates`` of the same libraries): an organisation one
    library was asked not to call is « Ne pas contacter » in every copy, and the copies
    of the libraries that do not keep the contact are « En pause », each with a note
    saying why: the plan of the network workbook never advises calling them.
    """
    rows: dict[str, list[dict[str, Any]]] = {"organisations": [], "calls": [], "appointments": []}
    placed: dict[tuple[str, int], tuple[str, str]] = {}
    used: set[str] = set()
    number = 0
    volunteers: list[str] = []
    names: list[str] = []
    for source in libraries:
        settings = source.workbook.settings
        for name in settings.volunteers:
            if name not in volunteers:
                volunteers.append(name)
        for name in [*settings.libraries, source.library]:
            if name and name not in names:
                names.append(name)
        linked: set[int] = set()
        for history in source.histories:
            org = history.org
            number += 1
            new_id = f"ORG-{number:04d}"
            new_name = org.name
            suffix = 1
            while name_key(new_name) in used:
                tag = org.library or source.library
                new_name = f"{org.name} ({tag})" if suffix == 1 else f"{org.name} ({tag} {suffix})"
                suffix += 1
            used.add(name_key(new_name))
            placed[(source.file, org.row)] = (new_name, new_id)
            record = {k: getattr(org, k) for k in _ORG_FIELDS}
            record.update(id=new_id, name=new_name, library=org.library or source.library)
            rows["organisations"].append(record)
            for contact in history.contacts:
                linked.add(id(contact))
                entry = {k: getattr(contact, k) for k in _CONTACT_FIELDS}
                entry["organisation"] = new_name
                rows["calls"].append(entry)
            for app in history.appointments:
                linked.add(id(app))
                entry = {k: getattr(app, k) for k in _APPOINTMENT_FIELDS}
                entry["organisation"] = new_name
                rows["appointments"].append(entry)
        for contact in source.workbook.contacts:
            if id(contact) not in linked:
                rows["calls"].append({k: getattr(contact, k) for k in _CONTACT_FIELDS})
        for app in source.workbook.appointments:
            if id(app) not in linked:
                rows["appointments"].append({k: getattr(app, k) for k in _APPOINTMENT_FIELDS})
    _one_voice(rows["organisations"], placed, duplicates, _to_correct(libraries))
    for sheet in ("calls", "appointments"):
        rows[sheet].sort(key=lambda r: (r.get("date") or dt.date.min, folded(r["organisation"])))
    return NetworkRows(rows, placed, volunteers, names)


_SETTLED = frozenset({Stage.DO_NOT_CONTACT, Stage.CLOSED, Stage.PARTNER})
_SETTLED_TRACKING = frozenset({"opposition", "clos", "partenaire"})


def _to_correct(libraries: Sequence[Library]) -> dict[tuple[str, int], tuple[Library, str, str]]:
    """(file, row) -> (library, Nom, next action) of each organisation its own workbook
    cannot plan (« À corriger »): an unreadable cell there may be a refusal, and the
    network workbook's rows keep only what was read."""
    out: dict[tuple[str, int], tuple[Library, str, str]] = {}
    for lib in libraries:
        for history, stage, label in zip(lib.histories, lib.stages, lib.labels, strict=False):
            if stage == Stage.TO_CORRECT:
                out[(lib.file, history.org.row)] = (lib, history.org.name, label)
    return out


def _one_voice(
    organisations: list[dict[str, Any]],
    placed: dict[tuple[str, int], tuple[str, str]],
    duplicates: Sequence[Duplicate],
    to_correct: dict[tuple[str, int], tuple[Library, str, str]] | None = None,
) -> None:
    """Set Suivi and a note on the copies of each duplicate and of each organisation to
    correct (see ``network_rows``)."""
    by_id = {r["id"]: r for r in organisations}
    to_correct = to_correct or {}

    def pause(where: tuple[str, str] | None, note: str) -> None:
        record = by_id.get(where[1]) if where else None
        if record is None or record.get("tracking") in _SETTLED_TRACKING:
            return
        record["tracking"] = "pause"
        record["notes"] = " – ".join(p for p in (note, record.get("notes")) if p)

    for (file, row), (lib, name, label) in to_correct.items():
        note = NETWORK_TO_CORRECT_NOTE.format(
            library=lib.library, organisation=name, file=file, label=label
        )
        pause(placed.get((file, row)), note)
        for dup in duplicates:  # and every copy of it in the other libraries
            if any(e.file == file and e.row == row for e in dup.entries):
                for entry in dup.entries:
                    if (entry.file, entry.row) != (file, row):
                        pause(placed.get((entry.file, entry.row)), note)
    for dup in duplicates:
        refused = [e for e in dup.entries if e.stage == Stage.DO_NOT_CONTACT]
        source = refused[0] if refused else dup.keeper_entry
        note = (NETWORK_OPT_OUT_NOTE if refused else NETWORK_KEEPER_NOTE).format(
            library=source.library, organisation=source.organisation, file=source.file
        )
        for entry in dup.entries:
            if not refused and entry is source:
                continue
            where = placed.get((entry.file, entry.row))
            record = by_id.get(where[1]) if where else None
            if record is None:
                continue
            if refused:
                if entry.stage == Stage.DO_NOT_CONTACT:
                    continue  # its own refusal, already in its rows
                record["tracking"] = "opposition"
            elif entry.stage not in _SETTLED and record.get("tracking") not in _SETTLED_TRACKING:
                record["tracking"] = "pause"
            else:
                continue
            record["notes"] = " – ".join(p for p in (note, record.get("notes")) if p)
