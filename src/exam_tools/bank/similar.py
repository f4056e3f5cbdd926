"""Find near-duplicate questions: the same question written twice with small changes.

Each question becomes the set of character bigrams of its normalised stem and options; two
questions are near-duplicates when the Jaccard similarity of their sets reaches a threshold.

Candidates come from prefix filtering (Bayardo et al., "Scaling up all pairs similarity search",
WWW 2007): only the rarest tokens of each set are indexed, so a 20,000-question bank needs some
160,000 candidate checks instead of 200 million comparisons. The token table (bigrams, their
frequencies and each question's rarest ones) is built with numpy in a few array operations. Each
question is reported once, with
the first earlier question found to be near it (not with every one): a file of 8,000 copies of one
question with a changing number gave 32 million pairs, and reporting them took minutes. The work
is bounded: after :data:`WORK_PER_QUESTION` candidate checks per question (at least
:data:`MIN_WORK`) the search stops and says where, so no bank, however hostile, takes long.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from exam_tools.bank.model import BLANK_RE, Question

DEFAULT_THRESHOLD = 0.7
_DROP = re.compile(r"[\W_]+", re.UNICODE)


def fingerprint(q: Question) -> str:
    """Stem and options with punctuation, spaces, blanks and width differences removed."""
    stem = BLANK_RE.sub("", unicodedata.normalize("NFKC", q.stem))
    opts = sorted(unicodedata.normalize("NFKC", o) for o in q.options)
    return _DROP.sub("", stem + "".join(opts)).lower()


@dataclass
class _Tokens:
    """Every question's bigram ids and the prefix of them to index, computed with numpy at once.

    ``ids[starts[i]:starts[i + 1]]`` are question ``i``'s distinct tokens (sorted); ``prefix[i]`` its
    rarest tokens that some other question has too, as many as prefix filtering needs.
    """

    ids: Any
    starts: list[int]
    prefix: list[list[int]]


def _run_starts(a: Any) -> Any:
    """Where each run of equal values in the sorted array ``a`` starts (a boolean mask)."""
    import numpy as np

    mask = np.ones(len(a), dtype=bool)
    mask[1:] = a[1:] != a[:-1]
    return mask


def _tokens(texts: Sequence[str], threshold: float) -> _Tokens:
    import numpy as np

    n = len(texts)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    # Code points of all texts, a 0 after each (no text has one: fingerprints keep only \w).
    codes = np.frombuffer("\0".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), lengths + 1)[: len(codes)]
    # A bigram (a, b) is a << 21 | b; a text of one character is that character (below 2**21).
    pair = (codes[:-1] != 0) & (codes[1:] != 0)
    grams = (codes[:-1][pair] << 21) | codes[1:][pair]
    gram_owner = owner[:-1][pair]
    single = np.flatnonzero(lengths == 1)
    starts_at = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    grams = np.concatenate((grams, codes[starts_at[single]]))
    gram_owner = np.concatenate((gram_owner, single))
    # Distinct (question, token) pairs, by question then token.
    # (Sorting, not np.unique: numpy 2's hash-based unique is several times slower here.)
    keys = np.sort((gram_owner << 42) | grams)
    keys = keys[_run_starts(keys)]
    qid = keys >> 42
    gram = keys & ((1 << 42) - 1)
    order = np.argsort(gram, kind="stable")
    ordered = gram[order]
    group = np.cumsum(_run_starts(ordered)) - 1
    ids = np.empty_like(group)
    ids[order] = group
    counts = np.bincount(group)
    # One global order, rarest first (prefix filtering is only correct with a shared order).
    rank = np.empty(len(counts), dtype=np.int64)
    rank[np.argsort(counts, kind="stable")] = np.arange(len(counts))
    sizes = np.bincount(qid, minlength=n)
    starts = np.concatenate(([0], np.cumsum(sizes)))
    # Tokens of one question only can never make a pair: they come first and are left out.
    uniques = np.bincount(qid[counts[ids] == 1], minlength=n)
    needed = sizes - np.ceil(threshold * sizes).astype(np.int64) + 1
    by_rank = np.argsort((qid << 32) | rank[ids])  # by question, then rarest first
    position = np.arange(len(keys)) - starts[qid[by_rank]]
    keep = (position >= uniques[qid[by_rank]]) & (position < needed[qid[by_rank]])
    kept = by_rank[keep]
    bounds = np.searchsorted(qid[kept], np.arange(n + 1))
    ranked = rank[ids[kept]].tolist()
    b = bounds.tolist()
    return _Tokens(ids, starts.tolist(), [ranked[b[i] : b[i + 1]] for i in range(n)])


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
    tokens = _tokens([fingerprint(q) for q in questions], threshold)
    flat, starts = tokens.ids.tolist(), tokens.starts
    sets = [frozenset(flat[a:b]) for a, b in itertools.pairwise(starts)]
    budget = max(MIN_WORK, WORK_PER_QUESTION * len(sets)) if max_work is None else max_work
    index: dict[int, list[int]] = defaultdict(list)
    first_of: dict[frozenset[int], int] = {}  # identical token sets: one stands for all
    found = NearDuplicates()
    work = 0
    for i, prefix in enumerate(tokens.prefix):
        if work > budget:
            found.stopped_at = i
            break
        toks = sets[i]
        size = len(toks)
        if size == 0:
            continue
        twin = first_of.setdefault(toks, i)
        if twin != i:
            found.pairs.append((twin, i, 1.0))
            continue
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
