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
from collections import defaultdict
from collections.abc import Sequence

from exam_tools.bank.model import BLANK_RE, Question

DEFAULT_THRESHOLD = 0.7
_DROP = re.compile(r"[\W_]+", re.UNICODE)


def fingerprint(q: Question) -> str:
    """Stem and options with punctuation, spaces, blanks and width differences removed."""
    stem = BLANK_RE.sub("", unicodedata.normalize("NFKC", q.stem))
    opts = sorted(unicodedata.normalize("NFKC", o) for o in q.options)
    return _DROP.sub("", stem + "".join(opts)).lower()


def _token_ids(text: str, vocab: dict[str, int]) -> frozenset[int]:
    grams = [text] if len(text) < 2 else [text[i : i + 2] for i in range(len(text) - 1)]
    return frozenset(vocab.setdefault(g, len(vocab)) for g in grams)


def near_duplicates(
    questions: Sequence[Question], threshold: float = DEFAULT_THRESHOLD
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, similarity)`` with ``i < j`` whose similarity is at least ``threshold``."""
    vocab: dict[str, int] = {}
    sets = [_token_ids(fingerprint(q), vocab) for q in questions]
    freq = [0] * len(vocab)
    for s in sets:
        for t in s:
            freq[t] += 1
    # One global order, rarest first (prefix filtering is only correct with a shared order).
    rank = [0] * len(vocab)
    for r, t in enumerate(sorted(range(len(vocab)), key=freq.__getitem__)):
        rank[t] = r
    order = sorted(range(len(sets)), key=lambda i: len(sets[i]))
    index: dict[int, list[int]] = defaultdict(list)
    pairs: list[tuple[int, int, float]] = []
    for i in order:
        toks = sets[i]
        size = len(toks)
        if size == 0:
            continue
        # Tokens of one question only can never make a pair: they fill the front of the prefix.
        shared = [t for t in toks if freq[t] > 1]
        prefix = size - math.ceil(threshold * size) + 1 - (size - len(shared))
        if prefix <= 0:
            continue
        shared.sort(key=rank.__getitem__)
        min_size = threshold * size
        seen: set[int] = set()
        for tok in shared[:prefix]:
            bucket = index[tok]
            for j in bucket:
                if j in seen or len(sets[j]) < min_size:
                    continue
                seen.add(j)
                inter = len(toks & sets[j])
                sim = inter / (size + len(sets[j]) - inter)
                if sim >= threshold:
                    pairs.append((min(i, j), max(i, j), sim))
            bucket.append(i)
    pairs.sort()
    return pairs
