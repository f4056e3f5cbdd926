"""The shipped JSON Schema agrees with the checker, so editors flag what `bank check` flags."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from exam_tools.bank.load import bank_files
from exam_tools.bank.schema import schema

from .conftest import DATA, ROOT

VALIDATOR = jsonschema.Draft202012Validator(schema())


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize("path", bank_files(ROOT / "question_bank"), ids=lambda p: p.name)
def test_every_shipped_bank_file_validates(path) -> None:  # type: ignore[no-untyped-def]
    errors = list(VALIDATOR.iter_errors(yaml.safe_load(path.read_text("utf-8"))))
    assert errors == [], [e.message for e in errors[:3]]


def test_sample_bank_validates() -> None:
    assert (
        list(VALIDATOR.iter_errors(yaml.safe_load((DATA / "sample_bank.yaml").read_text("utf-8"))))
        == []
    )


BASE = {"id": "q1", "type": "single", "domain": "党章党规", "difficulty": "简单", "source": "党章 第七条",
        "stem": "预备期为（ ）。", "options": ["半年", "一年"], "answer": "B", "explanation": "党章第七条。"}  # fmt: skip


@pytest.mark.parametrize(
    "change",
    [
        {"answer": "Z"},
        {"explanaton": "typo"},
        {"type": "judge", "answer": "正确", "options": None},
        {"type": "multiple", "answer": ["A"]},
        {"difficulty": "难"},
        {"options": ["一年", "一年"]},
        {"stem": ""},
        {"domain": "实用技术", "source": None},  # technology missing
        {"explanation": ""},
    ],
)
def test_schema_rejects_what_check_rejects(change: dict[str, object]) -> None:
    q = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    assert not VALIDATOR.is_valid([q])
    from exam_tools.bank.validate import parse_question
    from exam_tools.errors import Location

    question, _ = parse_question(q, lambda f: Location("x.yaml", 1))
    assert question is None


@pytest.mark.parametrize("missing", ["source", "explanation"])
def test_missing_source_or_explanation_is_a_warning_in_both(missing: str) -> None:
    """An instructor's bank without 出处 or 解析 loads (bank check warns; --strict fails on it)."""
    from exam_tools.bank.validate import parse_question
    from exam_tools.errors import Location

    q = {k: v for k, v in BASE.items() if k != missing}
    assert VALIDATOR.is_valid([q])
    question, problems = parse_question(q, lambda f: Location("x.yaml", 1))
    assert question is not None and not getattr(question, missing)
    assert [(p.field, p.severity) for p in problems] == [(missing, "warning")]
    assert missing not in question.to_dict()


def test_review_pending_needs_a_note() -> None:
    from exam_tools.bank.validate import parse_question
    from exam_tools.errors import Location

    pending = {**BASE, "review": "pending"}
    assert not VALIDATOR.is_valid([pending])
    question, _ = parse_question(pending, lambda f: Location("x.yaml", 1))
    assert question is None
    noted = {**pending, "note": "细则2026年修订，待对照新文本复核"}
    assert VALIDATOR.is_valid([noted])
    question, _ = parse_question(noted, lambda f: Location("x.yaml", 1))
    assert question is not None and question.pending
    assert not VALIDATOR.is_valid([{**noted, "review": "done"}])


def test_schema_accepts_base() -> None:
    assert VALIDATOR.is_valid([BASE])
