"""我的档案 through the exam service: the :class:`~exam_tools.quiz.record_client.RecordClient`
the 我的学习 page uses on the hub. The service answers with the asking member's own record only."""

from __future__ import annotations

from exam_tools.quiz.online.client import ServiceAway, ServiceClient
from exam_tools.quiz.record_client import ExamResult, PublishedRecord


class ServiceRecordClient:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    def published_record(self, member: str) -> PublishedRecord | None:
        """The member's published record; None when nothing is published or the service is away
        (the page then says where the figures will appear)."""
        if member != self.client.member:
            return None  # the service would refuse it anyway
        try:
            data = self.client.record().get("record")
        except ServiceAway:
            return None
        if not data:
            return None
        practice = data.get("practice") or {}
        return PublishedRecord(
            year=int(data["year"]),
            hours=float(data["hours"]),
            required_hours=int(data["required_hours"]),
            exams=tuple(
                ExamResult(
                    str(e["title"]),
                    float(e["score"]),
                    float(e["total"]),
                    bool(e["passed"]),
                    str(e.get("course_id") or ""),
                    str(e.get("assessment_id") or ""),
                )
                for e in data.get("exams", [])
            ),
            technologies=tuple(str(t) for t in data.get("technologies", [])),
            practice_items=int(practice["items"]) if "items" in practice else None,
            practice_correct=int(practice.get("correct") or 0),
            practice_graded=int(practice.get("graded") or 0),
            name=str(data.get("name") or ""),
        )
