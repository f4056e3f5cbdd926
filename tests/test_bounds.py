"""Hostile sizes and values: alias bombs, huge or broken imports, impossible hours.

Each case ends in a located Chinese error or a correct result, and never takes minutes or gigabytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exam_tools.bank.load import parse_bank_text
from exam_tools.course.load import parse_course
from exam_tools.errors import InvalidInputError
from exam_tools.records.standards import load_standards

# Nine levels of nine aliases: 9**9 (387 million) strings written in ten lines.
BOMB = """\
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def _bomb_line(text: str) -> int:
    """The line of the first list that expands past 10,000 values (9**5 = 59,049: list ``e``)."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("  e:"))


def test_an_alias_bomb_in_a_bank_file_is_refused_with_its_line() -> None:
    text = (
        "- id: q1\n  type: single\n  domain: 党章党规\n  difficulty: 简单\n  stem: 题干\n"
        "  options: [甲, 乙]\n  answer: A\n" + BOMB.replace("  i: &i", "  explanation: &i")
    )
    questions, problems = parse_bank_text(text, "bomb.yaml")
    assert questions == []
    assert [str(p) for p in problems] == [
        f"bomb.yaml:{_bomb_line(text)}: -: -: YAML 格式错误：别名（*…）展开后的值超过 10,000 个"
        "（上限：文件的字符数，至少 10,000），疑似“别名炸弹”；请不要用锚点（&…）和别名层层引用"
    ]


def test_an_alias_bomb_in_a_course_file_is_refused_with_its_line() -> None:
    text = "title: 课程\ncategory: 党章党规\nextra:\n" + BOMB
    course, problems = parse_course(text, "course.yaml", "c1")
    assert course is None
    assert len(problems) == 1 and problems[0].location.line == _bomb_line(text)
    assert "别名炸弹" in problems[0].message


def test_an_alias_bomb_in_a_standards_file_is_refused_with_its_line(tmp_path: Path) -> None:
    text = "year_hours:\n  default: 32\nextra:\n" + BOMB
    path = tmp_path / "standards.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(InvalidInputError, match="别名炸弹") as caught:
        load_standards(path)
    assert caught.value.location is not None and caught.value.location.line == _bomb_line(text)


def test_a_reused_tag_list_and_stars_in_text_still_load() -> None:
    text = (
        "title: 课程\ncategory: 党章党规\naudience: [全体党员]\n"
        "lessons:\n  - {notebook: 01.ipynb, title: 第一课, hours: 1}\n"
        "assessments:\n  - id: quiz\n    title: 小测\n    mode: exam\n    rules:\n"
        "      - {tags: &t [党章, 党费], type: single, count: 2}\n"
        "      - {tags: *t, type: judge, count: 2}\n"
    )
    course, problems = parse_course(text, "course.yaml", "c1")
    assert problems == [] and course is not None
    assert [r.tags for r in course.assessments[0].rules] == [("党章", "党费"), ("党章", "党费")]
    bank = (
        "- id: q1\n  type: judge\n  domain: 党章党规\n  difficulty: 简单\n"
        "  stem: 党员每月*按时*交纳党费。\n  answer: true\n  source: 党章 第八条\n"
        "  explanation: 党章第八条。\n"
    )
    questions, problems = parse_bank_text(bank, "star.yaml")
    assert [q.stem for q in questions] == ["党员每月*按时*交纳党费。"]
