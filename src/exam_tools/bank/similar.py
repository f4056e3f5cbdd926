"""Find near-duplicate questions: the same question written twice with small changes.

Each question becomes the set of character bigrams of its normalised stem and options; two
questions are near-duplicates when the Jaccard similarity of their sets reaches a threshold.

Candidates come from prefix filtering (Bayardo et al., "Scaling up all pairs similarity search",
WWW 2007): only the rarest tokens of each set are indexed, which keeps a 20,000-question bank to a
few tens of milliseconds instead of 200 million comparisons. Each question is reported once, with
the first earlier question found to be near it (not with every one): a file of 8,000 copies of one
question with a changing number gave 32 million pairs, and reporting them took minutes. The work
is bounded: after :data:`WORK_PER_QUESTION` candidate checks per question (at least
:data:`MIN_WORK`) the search stops and says where, so no bank, however hostile, takes long.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from exam_tools.bank.model import BLANK_RE, Question

DEFAULT_THRESHOLD = 0.7
_DROP = re.compile(r"[\W_]+", re.UNICODE)


def fingerprint(q: Question) -> str:
    """Stem and options with punctuation, spaces, blanks and width differences removed."""
    stem = BLANK_RE.sub("", unicodedata.normalize("NFKC", q.stem))
    opts = sorted(unicodedata.normalize("NFKC", o) for o in q.options)
    return _DROP.sub("", stem + "".join(opts)).lower()


def _bigrams(text: str) -> frozenset[str]:
    # map(str.__add__, ...) builds the bigrams in C: this runs over every character of the bank.
    return frozenset([text] if len(text) < 2 else map(str.__add__, text, text[1:]))


#: Candidate checks allowed per question, on average, and in any case.
WORK_PER_QUESTION = 50
MIN_WORK = 200_000


@dataclass
class NearDuplicates:
    """``pairs``: ``(i, j, similarity)``, ``i < j``, at most one per ``j`` (in order of ``j``).

    ``stopped_at`` is the index of the first question not checked when the work bound was reached
    (``None`` when every question was checked).
    """

    pairs: list[tuple[int, int, float]] = field(default_factory=list)
    stopped_at: int | None = None
    work: int = 0  # candidate checks made


def near_duplicates(
    questions: Sequence[Question],
    threshold: float = DEFAULT_THRESHOLD,
    max_work: int | None = None,
) -> NearDuplicates:
    """For each question, the first earlier one whose similarity is at least ``threshold``."""
    sets = [_bigrams(fingerprint(q)) for q in questions]
    freq: Counter[str] = Counter()
    for s in sets:
        freq.update(s)
    # One global order, rarest first (prefix filtering is only correct with a shared order);
    # tokens of one question only come first and can never make a pair.
    order = sorted(freq, key=freq.__getitem__)
    rank = {t: r for r, t in enumerate(order)}
    singles = bisect.bisect_right([freq[t] for t in order], 1)
    budget = max(MIN_WORK, WORK_PER_QUESTION * len(sets)) if max_work is None else max_work
    index: dict[int, list[int]] = defaultdict(list)
    first_of: dict[frozenset[str], int] = {}  # identical token sets: one stands for all
    found = NearDuplicates()
    work = 0
    for i, toks in enumerate(sets):
        if work > budget:
            found.stopped_at = i
            break
        size = len(toks)
        if size == 0:
            continue
        twin = first_of.setdefault(toks, i)
        if twin != i:
            found.pairs.append((twin, i, 1.0))
            continue
        ranks = sorted(map(rank.__getitem__, toks))
        unique = bisect.bisect_left(ranks, singles)
        prefix = ranks[unique : size - math.ceil(threshold * size) + 1]
        if not prefix:
            continue
        low, high = threshold * size, size / threshold
        seen: set[int] = set()
        match: tuple[int, float] | None = None
        for tok in prefix:
            bucket = index[tok]
            if match is None:
                for j in bucket:
                    if j in seen:
                        continue
                    seen.add(j)
                    work += 1
                    other = len(sets[j])
                    if other < low or other > high:
                        continue
                    inter = len(toks & sets[j])
                    sim = inter / (size + other - inter)
                    if sim >= threshold:
                        match = (j, sim)
                        break
            bucket.append(i)
        if match is not None:
            found.pairs.append((match[0], i, match[1]))
    found.work = work
    return found
