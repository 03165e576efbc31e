"""Fuzzy name scores without rapidfuzz: rapidfuzz's ``WRatio`` in pure Python (pure).

rapidfuzz is a compiled package that Pyodide (xlwings Lite) does not have. This
module gives the same scores from the standard library alone, following
rapidfuzz 3's definitions (``fuzz_py``): ``ratio`` is the normalised Indel
similarity (2 × longest common subsequence / total length, in 0..100), computed
with the bit-parallel LCS of Hyyrö on Python integers; ``partial_ratio`` slides
the shorter text over the longer one (rapidfuzz's exact algorithm for a shorter
text of up to 64 characters; above that, rapidfuzz aligns differently and the
scores may differ); the token scores sort, intersect and subtract the words.

``extract_one`` and ``extract`` mirror ``rapidfuzz.process.extractOne`` and
``extract`` with ``scorer=WRatio`` and no processor: (choice, score, index), the
best score first, ties in the order of the choices.
"""

from __future__ import annotations

from collections.abc import Sequence

_UNBASE_SCALE = 0.95


def _masks(pattern: str) -> dict[str, int]:
    """Each character of ``pattern`` -> the bits of its positions."""
    masks: dict[str, int] = {}
    for i, ch in enumerate(pattern):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    return masks


def _lcs(masks: dict[str, int], width: int, text: str) -> int:
    """LCS length of a pattern (its ``_masks``, ``width`` characters) and ``text`` (Hyyrö)."""
    full = (1 << width) - 1
    v = full
    for ch in text:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return width - bin(v).count("1")


def lcs_length(a: str, b: str) -> int:
    """The length of the longest common subsequence of ``a`` and ``b`` (bit-parallel)."""
    if not a or not b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    return _lcs(_masks(a), len(a), b)


def ratio(a: str, b: str) -> float:
    """rapidfuzz's ``fuzz.ratio``: 100 × 2 × LCS / (len(a) + len(b)); 100 for two empty texts."""
    total = len(a) + len(b)
    if not total:
        return 100.0
    distance = total - 2 * lcs_length(a, b)  # Indel distance, as rapidfuzz normalises it
    return (1.0 - distance / total) * 100


def _partial_short(needle: str, text: str) -> float:
    """rapidfuzz's ``_partial_ratio_short_needle``: the best window of ``text`` (len(needle) <= len(text))."""
    chars = set(needle)
    n, m = len(needle), len(text)
    masks = _masks(needle)  # built once for every window

    def score(window: str) -> float:
        total = n + len(window)
        return (1.0 - (total - 2 * _lcs(masks, n, window)) / total) * 100

    best = 0.0
    windows = (
        *((text[:i], text[i - 1]) for i in range(1, n)),
        *((text[i : i + n], text[i + n - 1]) for i in range(m - n)),
        *((text[i:], text[i]) for i in range(m - n, m)),
    )
    for window, key in windows:
        if key not in chars:
            continue
        found = score(window)
        if found > best:
            best = found
            if best == 100:
                return best
    return best


def partial_ratio(a: str, b: str) -> float:
    """rapidfuzz's ``fuzz.partial_ratio``: the shorter text against its best window in the longer."""
    if len(a) > len(b):
        a, b = b, a
    if not a:
        return 100.0 if not b else 0.0
    best = _partial_short(a, b)
    if best != 100 and len(a) == len(b):
        best = max(best, _partial_short(b, a))
    return best


def _sorted_tokens(text: str) -> str:
    return " ".join(sorted(text.split()))


def token_sort_ratio(a: str, b: str) -> float:
    return ratio(_sorted_tokens(a), _sorted_tokens(b))


def token_set_ratio(a: str, b: str) -> float:
    """rapidfuzz's ``fuzz.token_set_ratio``."""
    tokens_a, tokens_b = set(a.split()), set(b.split())
    if not tokens_a or not tokens_b:
        return 0.0
    common = tokens_a & tokens_b
    diff_ab, diff_ba = sorted(tokens_a - tokens_b), sorted(tokens_b - tokens_a)
    if common and (not diff_ab or not diff_ba):
        return 100.0
    ab, ba = " ".join(diff_ab), " ".join(diff_ba)
    sect_len = len(" ".join(sorted(common)))
    sep = 1 if sect_len else 0
    sect_ab_len = sect_len + sep + len(ab)
    sect_ba_len = sect_len + sep + len(ba)
    total = sect_ab_len + sect_ba_len
    distance = len(ab) + len(ba) - 2 * lcs_length(ab, ba)
    result = 100.0 - 100.0 * distance / total if total else 0.0
    if not sect_len:
        return result
    sect_ab = 100.0 - 100.0 * (sep + len(ab)) / (sect_len + sect_ab_len)
    sect_ba = 100.0 - 100.0 * (sep + len(ba)) / (sect_len + sect_ba_len)
    return max(result, sect_ab, sect_ba)


def partial_token_ratio(a: str, b: str) -> float:
    """rapidfuzz's ``fuzz.partial_token_ratio``."""
    split_a, split_b = a.split(), b.split()
    tokens_a, tokens_b = set(split_a), set(split_b)
    if not tokens_a or not tokens_b:
        return 0.0 if tokens_a or tokens_b else 100.0
    if tokens_a & tokens_b:
        return 100.0
    diff_ab, diff_ba = tokens_a - tokens_b, tokens_b - tokens_a
    result = partial_ratio(" ".join(sorted(split_a)), " ".join(sorted(split_b)))
    if len(split_a) == len(diff_ab) and len(split_b) == len(diff_ba):
        return result
    return max(result, partial_ratio(" ".join(sorted(diff_ab)), " ".join(sorted(diff_ba))))


def wratio(a: str, b: str) -> float:
    """rapidfuzz's ``fuzz.WRatio`` (no processor): the weighted best of the scores above, 0..100."""
    if not a or not b:
        return 0.0
    long, short = max(len(a), len(b)), min(len(a), len(b))
    length_ratio = long / short
    best = ratio(a, b)
    if length_ratio < 1.5:
        token = max(token_sort_ratio(a, b), token_set_ratio(a, b))
        return max(best, token * _UNBASE_SCALE)
    scale = 0.6 if length_ratio > 8 else 0.9
    best = max(best, partial_ratio(a, b) * scale)
    return max(best, partial_token_ratio(a, b) * _UNBASE_SCALE * scale)


def extract_one(
    query: str, choices: Sequence[str], score_cutoff: float = 0
) -> tuple[str, float, int] | None:
    """The best choice by ``wratio`` at or above ``score_cutoff``: (choice, score, index), or None."""
    best: tuple[str, float, int] | None = None
    for i, choice in enumerate(choices):
        score = wratio(query, choice)
        if score >= score_cutoff and (best is None or score > best[1]):
            best = (choice, score, i)
            if score == 100:
                break
    return best


def extract(
    query: str, choices: Sequence[str], limit: int = 5, score_cutoff: float = 0
) -> list[tuple[str, float, int]]:
    """Up to ``limit`` choices by ``wratio`` at or above ``score_cutoff``, best first (ties: in order)."""
    hits = [(c, wratio(query, c), i) for i, c in enumerate(choices)]
    kept = [h for h in hits if h[1] >= score_cutoff]
    kept.sort(key=lambda h: (-h[1], h[2]))
    return kept[:limit]
