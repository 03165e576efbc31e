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
from functools import lru_cache
from typing import Any

from cbpt_sheets.core.schema import fold

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
