"""The 错题本: questions a member got wrong in practice, to practise again later.

A small JSON file in the member's own folder; a question leaves the book when the member answers it
right while reviewing the book.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exam_tools.errors import QuizError
from exam_tools.fileio import write_atomic

MISTAKES_FORMAT = "exam-tools/mistakes"


@dataclass
class Mistake:
    qid: str
    wrong: int
    last: float
    course: str | None = None


class MistakeBook:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.entries: dict[str, Mistake] = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                for e in data["questions"]:
                    self.entries[e["qid"]] = Mistake(
                        e["qid"], int(e["wrong"]), float(e["last"]), e.get("course")
                    )
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise QuizError(f"错题本 {self.path} 已损坏，无法读取（{exc}）") from None

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, qid: object) -> bool:
        return qid in self.entries

    def qids(self) -> list[str]:
        """Most-missed first, then most recent."""
        ranked = sorted(self.entries.values(), key=lambda m: (-m.wrong, -m.last, m.qid))
        return [m.qid for m in ranked]

    def add(self, qid: str, course: str | None = None) -> None:
        entry = self.entries.get(qid)
        if entry is None:
            self.entries[qid] = Mistake(qid, 1, time.time(), course)
        else:
            entry.wrong += 1
            entry.last = time.time()
        self.save()

    def remove(self, qid: str) -> None:
        if self.entries.pop(qid, None) is not None:
            self.save()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MISTAKES_FORMAT,
            "questions": [
                {"qid": m.qid, "wrong": m.wrong, "last": m.last, "course": m.course}
                for m in self.entries.values()
            ],
        }

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.to_dict(), ensure_ascii=False, indent=1))
