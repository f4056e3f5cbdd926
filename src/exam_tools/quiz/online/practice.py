"""Practice on the hub: "核对答案" asks the exam service, so no key is ever in the member's kernel.

:class:`ServiceKey` is the quiz's practice :class:`~exam_tools.quiz.app.Key` answered by the service
(``POST …/check``), which answers for practice papers only and records each verdict. The service
judges the answer it has received, so the queue is sent first.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exam_tools.course.paper import Paper
from exam_tools.course.verdict import Verdict
from exam_tools.errors import QuizError
from exam_tools.quiz.online.client import ServiceAway, ServiceClient
from exam_tools.quiz.online.exam import ServiceResponseStore

if TYPE_CHECKING:
    from exam_tools.quiz.app import QuizApp


@dataclass(frozen=True)
class ServiceKeyItem:
    """What the quiz shows after a check: the answer as the member reads it, 解析, 出处."""

    text: str
    explanation: str
    source: str | None

    def answer_text(self, options: tuple[str, ...] = ()) -> str:
        return self.text


class ServiceKey:
    def __init__(self, store: ServiceResponseStore) -> None:
        self.store = store
        self._cache: dict[tuple[int, str], dict[str, Any]] = {}

    def _ask(self, n: int, response: Any) -> dict[str, Any]:
        key = (n, json.dumps(response, ensure_ascii=False, sort_keys=True))
        if key not in self._cache:
            store = self.store
            # as a tap on any other button does, wait out a "too many requests" first
            if not store.sync(patience=store.client.busy_patience):
                raise QuizError("暂时连不上考试服务，无法核对答案，请稍后再点“核对答案”。")
            cur = store.current
            assert cur is not None
            try:
                self._cache[key] = store.client.check(store.exam, store.paper.id, cur.number, n)
            except ServiceAway:
                raise QuizError("暂时连不上考试服务，无法核对答案，请稍后再试。") from None
        return self._cache[key]

    def check(self, n: int, response: Any) -> Verdict:
        d = self._ask(n, response)
        item = self.store.paper.item(n)
        manual = d["correct"] is None
        answered = response is not None and response != [] and response != ""
        return Verdict(n, float(d["score"]), item.points, d["correct"], answered, manual)

    def __getitem__(self, n: int) -> ServiceKeyItem:
        cur = self.store.current
        d = self._ask(n, cur.answers.get(n) if cur else None)
        return ServiceKeyItem(str(d["answer"]), str(d.get("explanation") or ""), d.get("source"))


def open_service_practice(
    client: ServiceClient, exam: str, folder: str | Path, *, clock: Any = time.time
) -> QuizApp:
    """The practice paper ``exam`` as the service drew it for this member, checked by the service."""
    from exam_tools.quiz.app import QuizApp

    try:
        state = client.state(exam)
    except ServiceAway:
        raise QuizError("暂时连不上考试服务，请稍后再打开练习。") from None
    paper = Paper.from_dict(state["paper_json"], "考试服务")
    responses = Path(folder) / f"{exam}.responses.json"
    store = ServiceResponseStore(responses, paper, client, exam, clock=clock, state=state)
    return QuizApp(paper, store, key=ServiceKey(store), clock=clock, timer=False)
