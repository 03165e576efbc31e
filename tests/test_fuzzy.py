"""The pure-Python scores (``core.fuzzy``, used where rapidfuzz cannot be installed) against rapidfuzz.

Two levels: the scores themselves on random texts (short and long, accented,
with spaces), and the suggestions the checks and the brief make on the test corpus
(every list label, column header and example organisation, each misspelled in the
ways volunteers misspell), with rapidfuzz and without it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest
from rapidfuzz import fuzz, process

from cbpt_sheets.core import example, fuzzy, names
from cbpt_sheets.core.schema import DATA_SHEETS, LISTS

SCORES: list[tuple[str, Callable[..., float], Callable[[str, str], float]]] = [
    ("ratio", fuzz.ratio, fuzzy.ratio),
    ("partial_ratio", fuzz.partial_ratio, fuzzy.partial_ratio),
    ("token_sort_ratio", fuzz.token_sort_ratio, fuzzy.token_sort_ratio),
    ("token_set_ratio", fuzz.token_set_ratio, fuzzy.token_set_ratio),
    ("partial_token_ratio", fuzz.partial_token_ratio, fuzzy.partial_token_ratio),
    ("WRatio", fuzz.WRatio, fuzzy.wratio),
]


def _texts(seed: int, count: int, longest: int) -> Iterator[tuple[str, str]]:
    rng = random.Random(seed)
    alphabet = "abcdeéèfghilmnoprstuç -'"
    for _ in range(count):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest * 2)))
        yield a, b


@pytest.mark.parametrize(("name", "theirs", "ours"), SCORES, ids=[s[0] for s in SCORES])
def test_each_score_is_rapidfuzz_s(
    name: str, theirs: Callable[..., float], ours: Callable[[str, str], float]
) -> None:
    pairs = [*_texts(1, 1500, 30), *_texts(2, 150, 90)]  # above 64 characters too
    for a, b in pairs:
        assert ours(a, b) == pytest.approx(theirs(a, b), abs=1e-9), (name, a, b)
        assert ours(b, a) == pytest.approx(theirs(b, a), abs=1e-9), (name, b, a)


def test_lcs_length_on_known_pairs() -> None:
    assert fuzzy.lcs_length("", "abc") == 0
    assert fuzzy.lcs_length("abc", "abc") == 3
    assert fuzzy.lcs_length("pas de reponse", "pas de réponse") == 13
    assert fuzzy.lcs_length("ABCBDAB", "BDCABA") == 4  # the textbook example


def test_extract_orders_as_rapidfuzz() -> None:
    choices = ["pas de reponse", "rappel convenu", "refus", "pas interesse", "pas de reponse"]
    for query in ("pas de rep", "rapel", "refu", "zzz", "pas"):
        theirs = process.extract(query, choices, scorer=fuzz.WRatio, limit=3, score_cutoff=40)
        ours = fuzzy.extract(query, choices, 3, 40)
        assert [(c, i) for c, _, i in ours] == [(c, i) for c, _, i in theirs], query
        best = process.extractOne(query, choices, scorer=fuzz.WRatio, score_cutoff=40)
        mine = fuzzy.extract_one(query, choices, 40)
        assert (mine and mine[2]) == (best and best[2]), query


def _misspellings(text: str) -> list[str]:
    """How volunteers misspell: a letter dropped, two swapped, one doubled, accents
    left out, the beginning only, a word left out, upper case, a word added."""
    out = {text.lower(), text.upper(), text[: max(3, len(text) // 2)]}
    plain = text.translate(str.maketrans("éèêàçôîÉ", "eeeacoiE"))
    out.add(plain)
    for i in range(1, len(text) - 1, max(1, len(text) // 3)):
        out.add(text[:i] + text[i + 1 :])
        out.add(text[:i] + text[i + 1] + text[i] + text[i + 2 :])
        out.add(text[:i] + text[i] + text[i:])
    words = text.split()
    if len(words) > 1:
        out.add(" ".join(words[1:]))
        out.add(" ".join(words[:-1]))
    out.add(text + " (bis)")
    return sorted(out - {text})


def _corpus() -> tuple[list[str], list[str], list[str]]:
    labels = sorted({label for spec in LISTS.values() for label in spec.labels("fr")})
    headers = sorted({c.fr for s in DATA_SHEETS for c in s.columns})
    orgs = [str(o["name"]) for o in example.organisations()]
    return labels, headers, orgs


@pytest.fixture
def pure_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(names, "_scoring", lambda: (names._PurePython, fuzzy.wratio))


def _suggestions() -> dict[tuple[str, str], object]:
    labels, headers, orgs = _corpus()
    out: dict[tuple[str, str], object] = {}
    matcher = names.NameMatcher(orgs)
    for choices, kind in ((labels, "label"), (headers, "header")):
        for text in choices:
            for typo in _misspellings(text):
                out[(kind, typo)] = names.closest(typo, choices)
    for org in orgs:
        for typo in _misspellings(org):
            out[("organisation", typo)] = matcher(typo)
            out[("brief", typo)] = names.closest_names(typo, orgs)
    return out


def test_the_suggestions_on_the_test_corpus_are_rapidfuzz_s(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_rapidfuzz = _suggestions()
    monkeypatch.setattr(names, "_scoring", lambda: (names._PurePython, fuzzy.wratio))
    without = _suggestions()
    assert len(with_rapidfuzz) > 1000
    assert sum(1 for v in with_rapidfuzz.values() if v) > 500  # most typos find their entry
    differ = {k: (v, without[k]) for k, v in with_rapidfuzz.items() if without[k] != v}
    assert not differ, differ


def test_the_fallback_is_used_when_rapidfuzz_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_rapidfuzz(name: str, *args: object, **kwargs: object) -> object:
        if name.partition(".")[0] == "rapidfuzz":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    names._scoring.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_rapidfuzz)
    try:
        assert names._scoring() == (names._PurePython, fuzzy.wratio)
        assert names.closest("Pas de reponce", ["Pas de réponse", "Refus"]) == "Pas de réponse"
    finally:
        names._scoring.cache_clear()
