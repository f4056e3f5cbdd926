"""What instructors hand to the exam service (``exam open``): an exam's keyless spec and its key.

Pure: built from the files (an nbgrader assignment, or a course's practice over the bank); the
caller stores them with :meth:`~exam_tools.service.store.ServiceStore.put_exam`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exam_tools.bank.model import Bank
    from exam_tools.course.model import Assessment, Course
    from exam_tools.course.pool import ExamSpec


def assignment_handout(course_dir: Path, name: str) -> tuple[ExamSpec, str, dict[str, Any]]:
    """The assignment ``name`` that ``exam-tools assign`` wrote under ``course_dir``."""
    from exam_tools.course.pool import read_exam_spec
    from exam_tools.grading.assign import spec_file
    from exam_tools.grading.grade import read_assignment_key

    path = spec_file(course_dir, name)  # kept beside the key once handed to the service
    spec, text = read_exam_spec(path), path.read_text("utf-8")
    key = {qid: dict(v) for qid, v in read_assignment_key(course_dir, name).key.items()}
    return spec, text, key


def practice_handout(
    bank: Bank, course: Course, assessment: Assessment
) -> tuple[ExamSpec, str, dict[str, Any]]:
    """A course's practice: its pool over the bank, and a key with 解析 and 出处 (the service
    explains answers in practice)."""
    from exam_tools.course.key import compact_key
    from exam_tools.course.pool import ExamSpec, exam_spec

    text = exam_spec(bank, course, assessment, seed=0)
    spec = ExamSpec.from_dict(json.loads(text))
    wanted = {q.id for q in spec.questions}
    key = {qid: dict(v) for qid, v in compact_key(q for q in bank if q.id in wanted).items()}
    for q in bank:
        if q.id in wanted:
            key[q.id]["explanation"], key[q.id]["source"] = q.explanation, q.source
    return spec, text, key
