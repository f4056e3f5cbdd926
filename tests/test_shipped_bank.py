"""The shipped question bank: size, coverage, and the facts of domain.md keyed correctly."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from exam_tools.bank.load import check_bank
from exam_tools.bank.model import DIFFICULTIES, QType, Question

from .conftest import ROOT


@pytest.fixture(scope="module")
def bank() -> list[Question]:
    # A fixed "today": review dates fall due on the calendar (jiceng_zhili every 12 months), and
    # the review is an editor's job, not a reason for CI to fail one morning.
    result = check_bank(ROOT / "question_bank", today=date(2026, 12, 6))
    assert result.errors == [], [str(p) for p in result.errors[:5]]
    assert result.warnings == [], [str(p) for p in result.warnings[:5]]
    return list(result.bank)


def test_size_per_domain(bank: list[Question]) -> None:
    by_domain = Counter(q.domain for q in bank)
    assert len(bank) >= 400
    assert by_domain["党章党规"] >= 120
    assert by_domain["政策理论"] >= 120
    assert by_domain["实用技术"] >= 160


def test_at_least_eight_technologies_with_fifteen_questions(bank: list[Question]) -> None:
    techs = Counter(q.technology for q in bank if q.technology)
    assert sum(1 for n in techs.values() if n >= 15) >= 8


@pytest.mark.parametrize("domain", ["党章党规", "政策理论", "实用技术"])
def test_every_type_and_difficulty_in_each_domain(bank: list[Question], domain: str) -> None:
    qs = [q for q in bank if q.domain == domain]
    assert {q.type for q in qs} == set(QType)
    counts = Counter(q.difficulty for q in qs)
    assert all(counts[d] >= len(qs) * 0.1 for d in DIFFICULTIES), counts


def test_every_question_is_explained_and_sourced(bank: list[Question]) -> None:
    for q in bank:
        assert len(q.explanation) >= 8, q.id
        if q.domain != "实用技术":
            assert q.source and len(q.source) >= 3, q.id


def test_explanations_do_not_point_at_option_letters(bank: list[Question]) -> None:
    """Options are shuffled per member, so "选项A" or "所以B错误" in a 解析 would mislead."""
    import re

    pattern = re.compile(r"(选项\s*[A-H]|[A-H]\s*项|所以\s*[A-H]|[A-H]\s*(错误|正确|不对))")
    assert [q.id for q in bank if pattern.search(q.explanation)] == []


def keyed(q: Question) -> str:
    """The text of the keyed answer, whatever the type."""
    if q.type.is_choice:
        return "、".join(q.options[i] for i in q.correct_indices)
    return q.answer_text()


# The checked facts of domain.md ("Facts: cite, never invent") and the questions that ask them:
# (id, cited article, keyed answer). A wrong key or a wrong citation fails here.
FACTS = [
    ("dz-0012", "党章 第一条", "错误"),  # 年满十八岁, not 十六岁
    ("dz-0026", "党章 第五条", "两名正式党员"),
    ("dz-0035", "党章 第七条", "一年/1年"),  # 预备期为一年
    ("dz-0036", "党章 第七条", "一年"),  # 延长不超过一年
    ("dz-0037", "党章 第七条", "表决权、选举权和被选举权"),
    ("dz-0040", "党章 第七条", "错误"),  # 党龄从转为正式党员之日算起
    (
        "dz-0046",
        "党章 第九条",
        "连续六个月不参加党的组织生活、连续六个月不交纳党费、连续六个月不做党所分配的工作",
    ),
    ("dz-0054", "党章 第三十条", "三人"),
    ("dz-0057", "党章 第三十一条", "三年至五年"),
    ("dz-0061", "党章 第三十四条", "基础组织"),
    ("tl-0001", "第二十条", "32"),
    ("tl-0002", "第十六条", "每月"),
    ("tl-0003", "第十七条", "1次"),
    ("zs-0016", "第十八条", "每年"),
    # 三至七人: 第六条 of the 2018 text (checked), 第八条 of the 2025 text (new 第五条, 第七条)
    ("zl-0034", "（2025年修正）第八条", "三至七/3至7/3-7/3～7/3~7/三到七/3到7"),
    ("zl-0040", "（2025年修正）第六条", "错误"),  # 2018 第五条: 乡镇政府不得干预
    ("zl-0030", "（2018年修正）第十一条", "五年"),  # the current number is not confirmed
    ("zs-0038", "（2014年版）第十八条", "预审"),  # 支部委员会 review; 第十九条 is the 预审 itself
]


def test_laws_are_cited_with_their_version(bank: list[Question]) -> None:
    """A law amended in 2025 and a 细则 revised in 2026: every citation says which text it means."""
    law = "《中华人民共和国村民委员会组织法》第"
    assert [q.id for q in bank if law in (q.source or "")] == []
    细则 = "《中国共产党发展党员工作细则》"
    cited = [q for q in bank if 细则 in (q.source or "")]
    assert len(cited) == 33
    for q in cited:
        assert f"{细则}（2014年版）" in (q.source or ""), q.id
        assert "2014年版" in q.explanation, q.id
        assert q.pending and q.note, q.id
    # nothing else awaits review but zl-0039, whose options need the 2025 text
    assert {q.id for q in bank if q.pending} == {q.id for q in cited} | {"zl-0039"}


def test_case_explanations_say_it_is_one_places_practice(bank: list[Question]) -> None:
    assert [q.id for q in bank if q.case and "不是全国统一规定" not in q.explanation] == []


def test_jq_0008_dates_the_compulsory_vaccination(bank: list[Question]) -> None:
    q = next(q for q in bank if q.id == "jq-0008")
    assert "截至2025年，我国对高致病性禽流感实行强制免疫" in q.explanation


@pytest.mark.parametrize(("qid", "source", "answer"), FACTS)
def test_domain_facts_are_keyed_and_cited_correctly(
    bank: list[Question], qid: str, source: str, answer: str
) -> None:
    q = next(q for q in bank if q.id == qid)
    assert q.source is not None and source in q.source
    assert keyed(q) == answer


def test_case_questions_are_tagged_and_say_whose_practice_they_are(bank: list[Question]) -> None:
    """案例 questions ask one place's practice: the stem names the place, so none reads as a rule."""
    cases = [q for q in bank if q.case]
    assert len(cases) >= 30
    places = ("云竹镇", "XX镇", "XX村", "××市", "芦溪县", "班庄镇")
    assert [q.id for q in cases if not any(p in q.stem for p in places)] == []
    # the seed reports' own practices are all marked
    seeds = ("云竹镇", "XX镇", "××市", "芦溪县", "班庄镇")
    assert [q.id for q in bank if any(p in (q.source or "") for p in seeds) and not q.case] == []


def test_zl_0051_has_one_defensible_answer(bank: list[Question]) -> None:
    q = next(q for q in bank if q.id == "zl-0051")
    assert keyed(q) == "农业技术"
    assert not any("生产技术" in o for o in q.options)
