"""Organisation names and list entries matched as volunteers type them (pure).

One way to compare names everywhere: ``name_key`` (no case, accents, spaces or
punctuation) links contacts to organisations in the checks and in the rules;
``closest``, ``NameMatcher`` and ``closest_names`` (rapidfuzz's ``WRatio``, imported
on first need) suggest what a volunteer meant. Where rapidfuzz cannot be installed
(xlwings Lite: Pyodide has no wheel of it), ``core.fuzzy`` gives the same scores in
pure Python.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cbpt_sheets.core.schema import (
    EXACT_LABELS,
    LABEL_WORD_INDEX,
    LISTS,
    SYNONYM_INDEX,
    fold,
    list_code,
    word_key,
)

_PUNCT = re.compile(r"[\W_]+")
_WORD = re.compile(r"\w{4,}")


@lru_cache(maxsize=262_144)
def folded(text: str) -> str:
    """``schema.fold`` remembered: the same names and labels come back on every row."""
    return fold(text)


@lru_cache(maxsize=262_144)
def name_key(name: str) -> str:
    """An organisation name folded for comparison: no case, accents, spaces, punctuation."""
    return _PUNCT.sub("", folded(name))


class _PurePython:
    """rapidfuzz's ``process`` API, as these functions call it, over ``core.fuzzy``."""

    @staticmethod
    def extractOne(
        query: str, choices: Sequence[str], *, score_cutoff: float = 0, **_: Any
    ) -> tuple[str, float, int] | None:
        from cbpt_sheets.core import fuzzy

        return fuzzy.extract_one(query, choices, score_cutoff)

    @staticmethod
    def extract(
        query: str, choices: Sequence[str], *, limit: int = 5, score_cutoff: float = 0, **_: Any
    ) -> list[tuple[str, float, int]]:
        from cbpt_sheets.core import fuzzy

        return fuzzy.extract(query, choices, limit, score_cutoff)


@lru_cache(maxsize=1)
def _scoring() -> tuple[Any, Any]:
    """(process, WRatio): rapidfuzz's when it is installed, else the pure-Python ones."""
    try:
        from rapidfuzz import fuzz, process
    except ImportError:
        from cbpt_sheets.core import fuzzy

        return _PurePython, fuzzy.wratio
    return process, fuzz.WRatio


@lru_cache(maxsize=1)
def _ratio() -> Any:
    """rapidfuzz's ``fuzz.ratio`` when it is installed, else ``core.fuzzy.ratio`` (same scores)."""
    try:
        from rapidfuzz import fuzz
    except ImportError:
        from cbpt_sheets.core import fuzzy

        return fuzzy.ratio
    return fuzz.ratio


def closest(
    value: str, choices: Iterable[str], cutoff: float = 60, folded_choices: list[str] | None = None
) -> str | None:
    """The choice closest to ``value`` (case and accents ignored), or None if none is close.

    ``folded_choices``: the choices already folded, in the same order (saves refolding
    long lists).
    """
    if folded_choices is not None:
        options = list(choices)
    else:
        options = list(dict.fromkeys(c for c in choices if c))
    if not options:
        return None
    keys = folded_choices if folded_choices is not None else [folded(c) for c in options]
    wanted = folded(value)
    # The beginning of an entry typed ("Pas de rep"): WRatio may prefer a longer entry.
    if len(wanted) >= 3:
        starts = [i for i, key in enumerate(keys) if key.startswith(wanted)]
        if starts:
            return options[min(starts, key=lambda i: len(keys[i]))]
    process, wratio = _scoring()
    hit = process.extractOne(wanted, keys, scorer=wratio, score_cutoff=cutoff)
    return options[hit[2]] if hit is not None else None


def closest_names(value: str, names: list[str], limit: int = 3, cutoff: float = 60) -> list[str]:
    """Up to ``limit`` names close to ``value`` (case and accents ignored), closest first."""
    process, wratio = _scoring()
    keys = [fold(n) for n in names]
    hits = process.extract(fold(value), keys, scorer=wratio, limit=limit, score_cutoff=cutoff)
    return [names[i] for _, _, i in hits]


class NameMatcher:
    """``closest(value, names)`` for many values against one long list of names.

    Same answers, faster: the prefix search bisects the sorted folded names, and each
    distinct value is matched once.
    """

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.folded = [folded(n) for n in names]
        self.order = sorted((key, i) for i, key in enumerate(self.folded))
        self.keys = [key for key, _ in self.order]
        self.memo: dict[str, str | None] = {}
        self.words: dict[str, list[int]] | None = None  # word -> indexes of the names using it

    def __call__(self, value: str) -> str | None:
        if value in self.memo:
            return self.memo[value]
        hint = self._match(value)
        self.memo[value] = hint
        return hint

    def _match(self, value: str) -> str | None:
        if not self.names:
            return None
        wanted = folded(value)
        if len(wanted) >= 3:
            best: tuple[int, int] | None = None
            at = bisect.bisect_left(self.keys, wanted)
            while at < len(self.keys) and self.keys[at].startswith(wanted):
                candidate = (len(self.keys[at]), self.order[at][1])
                if best is None or candidate < best:
                    best = candidate
                at += 1
            if best is not None:
                return self.names[best[1]]
        process, wratio = _scoring()
        # Names sharing a word with the value first: a sure match there (score >= 85)
        # spares scoring every Nom; otherwise every Nom is scored.
        candidates = self._sharing_a_word(wanted)
        if candidates:
            keys = [self.folded[i] for i in candidates]
            hit = process.extractOne(wanted, keys, scorer=wratio, score_cutoff=85)
            if hit is not None:
                return self.names[candidates[int(hit[2])]]
        hit = process.extractOne(wanted, self.folded, scorer=wratio, score_cutoff=60)
        return self.names[hit[2]] if hit is not None else None

    def _sharing_a_word(self, wanted: str) -> list[int]:
        """Indexes of the names sharing a word of four letters or more with ``wanted``."""
        if self.words is None:
            self.words = {}
            for i, key in enumerate(self.folded):
                for word in set(_WORD.findall(key)):
                    self.words.setdefault(word, []).append(i)
        found: set[int] = set()
        for word in set(_WORD.findall(wanted)):
            found.update(self.words.get(word, ()))
        return sorted(found)


# ---------------------------------------------------------------- organisations named

_ORG_ID = re.compile(r"^(?:org)?[\s._-]*0*(\d+)$")


def id_number(text: str | None) -> int | None:
    """The number of an organisation ID in any padding and case: ORG-0002, org-2, 2 -> 2."""
    if not text:
        return None
    m = _ORG_ID.match(fold(text))
    return int(m[1]) if m else None


def find_named(wanted: str, names: list[str], ids: list[str | None]) -> list[int]:
    """The indexes of the organisations ``wanted`` designates (several: ambiguous; none: unknown).

    In order: its Nom or ID exactly (case and accents ignored; the first such row);
    else its ID number in any padding (``ORG-2``, ``org-0002``, ``2``); else the
    organisations whose Nom contains it (case, accents, then spaces and punctuation
    ignored).
    """
    key = fold(wanted)
    if not key:
        return []
    for i, (name, oid) in enumerate(zip(names, ids, strict=True)):
        if fold(name) == key or (oid and fold(oid) == key):
            return [i]
    number = id_number(wanted)
    if number is not None:
        by_id = [i for i, oid in enumerate(ids) if id_number(oid) == number]
        if by_id:
            return by_id
    parts = [i for i, name in enumerate(names) if key in fold(name)]
    if not parts and (compact := name_key(wanted)):
        parts = [i for i, name in enumerate(names) if compact in name_key(name)]
    return parts


# ---------------------------------------------------------------- list entries

_NEGATIONS = frozenset({"pas", "ne", "non", "aucun", "aucune", "sans", "not", "no", "dont"})
"""Words that turn a list value's meaning around: a hint must have them where the value has."""


@dataclass(frozen=True)
class ListReading:
    """How a static list value is read: ``code`` (None: not read) and how it was found.

    ``kind``: ``exact`` (the label as in the list), ``spelling`` (the label typed
    another way: case, accents, spaces, punctuation), ``synonym`` (a volunteers' word,
    or the label in the workbook's other language), ``unknown`` (not read; ``hint``:
    the code of the entry it most likely means, or None when no entry is safe to
    suggest).
    """

    code: str | None
    kind: str
    hint: str | None = None


def _negated(key: str) -> bool:
    return not _NEGATIONS.isdisjoint(key.split())


@lru_cache(maxsize=4096)
def list_reading(list_name: str, value: str, lang: str = "fr") -> ListReading:
    """How ``value`` (text) is read in a static list of a workbook in ``lang``."""
    if value in EXACT_LABELS[lang][list_name]:
        return ListReading(EXACT_LABELS[lang][list_name][value], "exact")
    own = {fold(e.label(lang)): e.code for e in LISTS[list_name].entries}
    code = own.get(fold(value))
    if code is not None:
        return ListReading(code, "spelling")
    key = word_key(value)
    own_words = {word_key(e.label(lang)): e.code for e in LISTS[list_name].entries}
    if key in own_words:
        return ListReading(own_words[key], "spelling")
    code = list_code(list_name, value)  # the other language's label, or a volunteers' word
    if code is not None:
        return ListReading(code, "synonym")
    return ListReading(None, "unknown", list_hint(list_name, value))


@lru_cache(maxsize=64)
def _known_words(list_name: str) -> tuple[list[str], list[str]]:
    """Every label (both languages) and volunteers' word of a list, as word_keys, with codes."""
    pairs = {**LABEL_WORD_INDEX[list_name], **SYNONYM_INDEX.get(list_name, {})}
    return list(pairs), list(pairs.values())


def list_hint(list_name: str, value: str, cutoff: float = 88) -> str | None:
    """The code of the entry a value not in the list most likely means, or None.

    Only a typo of a label or of a volunteers' word is suggested: a beginning that
    only one entry's words start with (``Pas de rep``, half a word at least), or a near spelling (rapidfuzz
    ``ratio`` >= ``cutoff``) closer to one entry than to any other. A value with a
    negation (« pas », « ne », « non »...) is never matched to words without one, or
    the other way round: « Intéressé » suggests nothing rather than « pas intéressé ».
    """
    wanted = word_key(value)
    if not wanted:
        return None
    keys, codes = _known_words(list_name)
    negated = _negated(wanted)
    if len(wanted) >= 4:
        starting = {c for k, c in zip(keys, codes, strict=True) if k.startswith(wanted)}
        if len(starting) > 1:
            return None  # the beginning of words of several entries
        begun = [k for k in keys if k.startswith(wanted) and 2 * len(wanted) >= len(k)]
        if starting and begun:  # half a word at least
            return starting.pop()
    ratio = _ratio()
    scored: dict[str, float] = {}
    for k, c in zip(keys, codes, strict=True):
        if _negated(k) != negated:
            continue
        score = ratio(wanted, k)
        if score > scored.get(c, 0):
            scored[c] = score
    ranked = sorted(scored.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < cutoff:
        return None
    if len(ranked) > 1 and ranked[1][1] >= ranked[0][1] - 5:
        return None  # as close to two entries: no safe suggestion
    return ranked[0][0]
