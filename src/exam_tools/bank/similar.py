"""Find near-duplicate questions: the same question written twice with small changes.

Each question becomes the set of character bigrams of its normalised stem and options; two
questions are near-duplicates when the Jaccard similarity of their sets reaches a threshold. All
pairs are found with prefix filtering (Bayardo et al., "Scaling up all pairs similarity search",
WWW 2007): only the rarest tokens of each set are indexed, which keeps a 20,000-question bank to a
few tens of milliseconds instead of 200 million comparisons.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence

from exam_tools.bank.model import BLANK_RE, Question

DEFAULT_THRESHOLD = 0.7
_DROP = re.compile(r"[\W_]+", re.UNICODE)


def fingerprint(q: Question) -> str:
    """Stem and options with punctuation, spaces, blanks and width differences removed."""
    stem = BLANK_RE.sub("", unicodedata.normalize("NFKC", q.stem))
    opts = sorted(unicodedata.normalize("NFKC", o) for o in q.options)
    return _DROP.sub("", stem + "".join(opts)).lower()


def _tokens(text: str) -> frozenset[str]:
    if len(text) < 2:
        return frozenset({text})
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def near_duplicates(
    questions: Sequence[Question], threshold: float = DEFAULT_THRESHOLD
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, similarity)`` with ``i < j`` whose similarity is at least ``threshold``."""
    sets = [_tokens(fingerprint(q)) for q in questions]
    freq: Counter[str] = Counter()
    for s in sets:
        freq.update(s)
    ordered = [sorted(s, key=lambda t: (freq[t], t)) for s in sets]
    order = sorted(range(len(sets)), key=lambda i: len(sets[i]))
    index: dict[str, list[int]] = defaultdict(list)
    pairs: list[tuple[int, int, float]] = []
    for i in order:
        toks = ordered[i]
        size = len(toks)
        if size == 0:
            continue
        prefix = size - math.ceil(threshold * size) + 1
        min_size = threshold * size
        seen: set[int] = set()
        for tok in toks[:prefix]:
            for j in index[tok]:
                if j in seen or len(sets[j]) < min_size:
                    continue
                seen.add(j)
                inter = len(sets[i] & sets[j])
                sim = inter / (size + len(sets[j]) - inter)
                if sim >= threshold:
                    pairs.append((min(i, j), max(i, j), sim))
            index[tok].append(i)
    pairs.sort()
    return pairs
