"""Counts over a bank: by domain, type, difficulty, technology and tag."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from exam_tools.bank.model import DIFFICULTIES, DOMAINS, QType, Question


def bank_stats(questions: Iterable[Question]) -> dict[str, Any]:
    """One JSON-ready object; the keys are stable (scripts read them)."""
    qs = list(questions)
    by_tag: Counter[str] = Counter(t for q in qs for t in q.tags)
    by_domain = Counter(q.domain for q in qs)
    by_type = Counter(str(q.type) for q in qs)
    by_difficulty = Counter(q.difficulty for q in qs)
    return {
        "total": len(qs),
        "by_domain": {d: by_domain[d] for d in DOMAINS if by_domain[d]},
        "by_type": {t.value: by_type[t.value] for t in QType if by_type[t.value]},
        "by_difficulty": {d: by_difficulty[d] for d in DIFFICULTIES if by_difficulty[d]},
        "by_technology": dict(
            Counter(q.technology for q in qs if q.technology is not None).most_common()
        ),
        "by_tag": dict(by_tag.most_common()),
        "by_domain_and_type": {
            d: {t.value: sum(1 for q in qs if q.domain == d and q.type is t) for t in QType}
            for d in DOMAINS
            if by_domain[d]
        },
    }


def format_stats(stats: dict[str, Any], top_tags: int = 15) -> str:
    """The counts as a short Chinese report for the terminal."""
    labels = {t.value: t.label for t in QType}

    def line(title: str, counts: dict[str, int], names: dict[str, str] | None = None) -> str:
        cells = [f"{(names or {}).get(k, k)} {v}" for k, v in counts.items()]
        return f"{title}：" + ("，".join(cells) if cells else "无")

    tags = dict(list(stats["by_tag"].items())[:top_tags])
    more = len(stats["by_tag"]) - len(tags)
    lines = [
        f"题目总数：{stats['total']}",
        line("按领域", stats["by_domain"]),
        line("按题型", stats["by_type"], labels),
        line("按难度", stats["by_difficulty"]),
        line("按实用技术", stats["by_technology"]),
        line("常见知识点", tags) + (f"（另有 {more} 个）" if more > 0 else ""),
    ]
    return "\n".join(lines)
