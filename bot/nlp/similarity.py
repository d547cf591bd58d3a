"""Did a grid member forward the town's notice? Character 3-gram shingle matching.

Both texts are folded (NFKC, lowercase) and stripped to letters, digits and Chinese
characters, so punctuation, spaces, line breaks and emoji never matter. Each becomes the set
of its overlapping 3-character shingles. Two shares are measured on those sets:

- containment = |C ∩ O| / |C|: how much of the candidate comes from the original. An added
  greeting ("各位村民请注意：") or a few edited characters lower it only a little; a different
  anti-fraud text, which shares words (诈骗, 国家反诈中心, 96110, 验证码) but not their order,
  stays low, typically below 0.3.
- coverage = |C ∩ O| / |O|: how much of the original the candidate carries. It is high for a
  full forward, about 0.6 when the last 40 % was cut, and tiny for a quoted title.

Word-level keyword overlap (jieba TF-IDF) was left out on purpose: the words two notices
share are exactly the anti-fraud vocabulary that must not count as a match, while shingles
also capture the order of the characters.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

SHINGLE_SIZE = 3
# Coverage at which a trimmed forward costs nothing: keeping half the notice still carries it.
FULL_COVERAGE = 0.5
# Below this share of the original's shingles the candidate is a quote (a title, a phone
# number, "国家反诈中心APP"), not a forward.
MIN_COVERAGE = 0.35
# A forward has at least this many folded characters (fewer when the original is shorter).
MIN_CANDIDATE_CHARS = 20
# is_forward_of threshold on content_similarity. A full or trimmed forward with a greeting
# scores 0.8-1.0; a different notice on the same topic scores below 0.3 even when it reuses
# the same office boilerplate. 0.6 leaves room for a longer intro or several edits.
FORWARD_THRESHOLD = 0.6


def fold(text: str) -> str:
    """Reduce a text to its lowercase letters, digits and Chinese characters (NFKC first)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


def _shingles(folded: str) -> frozenset[str]:
    if len(folded) <= SHINGLE_SIZE:
        return frozenset((folded,)) if folded else frozenset()
    return frozenset(folded[i : i + SHINGLE_SIZE] for i in range(len(folded) - SHINGLE_SIZE + 1))


@lru_cache(maxsize=1024)
def _profile(text: str) -> tuple[int, frozenset[str]]:
    folded = fold(text)
    return len(folded), _shingles(folded)


def _shares(original: str, candidate: str) -> tuple[float, float, int, int]:
    orig_len, orig = _profile(original)
    cand_len, cand = _profile(candidate)
    if not orig or not cand:
        return 0.0, 0.0, orig_len, cand_len
    common = len(orig & cand)
    return common / len(cand), common / len(orig), orig_len, cand_len


def content_similarity(original: str, candidate: str) -> float:
    """Score in 0..1 how completely `candidate` reproduces `original`.

    The score is containment (share of the candidate taken from the original) times
    min(1, coverage / FULL_COVERAGE) (share of the original carried, saturating at half).
    It is not symmetric: a short quote of the original scores low.
    """
    containment, coverage, _, _ = _shares(original, candidate)
    return containment * min(1.0, coverage / FULL_COVERAGE)


def is_forward_of(original: str, candidate: str) -> bool:
    """Tell whether `candidate` is a (possibly edited or trimmed) forward of `original`.

    Requires a minimum folded length, at least MIN_COVERAGE of the original's shingles and a
    content_similarity of at least FORWARD_THRESHOLD.
    """
    containment, coverage, orig_len, cand_len = _shares(original, candidate)
    if cand_len < min(MIN_CANDIDATE_CHARS, orig_len) or coverage < MIN_COVERAGE:
        return False
    return containment * min(1.0, coverage / FULL_COVERAGE) >= FORWARD_THRESHOLD
