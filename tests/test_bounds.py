"""Hostile sizes and values: alias bombs, huge or broken imports, impossible hours.

Each case ends in a located Chinese error or a correct result, and never takes minutes or gigabytes.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exam_tools.bank.formats import ImportDefaults, import_bytes
from exam_tools.bank.load import check_questions, parse_bank_text
from exam_tools.course.load import parse_course
from exam_tools.errors import FormatError, InvalidInputError
from exam_tools.records.db import open_db
from exam_tools.records.roster import parse_roster, store_roster
from exam_tools.records.standards import load_standards

from .test_roster import GOOD as ROSTER
from .test_roster import attendance_xlsx
from .test_roster import xlsx as roster_xlsx

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


# ---- hours ------------------------------------------------------------------------------------

NOTE = "（一次最多 24 学时，全天培训一般计 8 学时，多天的培训请按天分别登记）"
HOURS_RULE = f"学时应大于 0 且不超过 24{NOTE}"


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exam_tools", *args, "--db", str(tmp_path / "t.db")],
                          capture_output=True, text=True, cwd=tmp_path)  # fmt: skip


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e9", "0", "24.5"])
def test_session_add_refuses_impossible_hours_and_records_nothing(
    tmp_path: Path, value: str
) -> None:
    (tmp_path / "花名册.xlsx").write_bytes(roster_xlsx(ROSTER))
    assert _cli(tmp_path, "roster", "import", "花名册.xlsx").returncode == 0
    result = _cli(tmp_path, "session", "add", "--date", "2026-03-10", "--org", "城关镇党委",
                  "--kind", "党课", "--hours", value, "--title", "学习党章", "--member", "李秀英")  # fmt: skip
    assert result.returncode != 0
    assert "--hours" in result.stderr and f"{HOURS_RULE}，现在是“{value}”" in result.stderr
    assert "Traceback" not in result.stderr
    assert open_db(tmp_path / "t.db")["sessions"].count == 0


def test_a_whole_day_is_accepted_and_the_record_is_valid_json(tmp_path: Path) -> None:
    (tmp_path / "花名册.xlsx").write_bytes(roster_xlsx(ROSTER))
    _cli(tmp_path, "roster", "import", "花名册.xlsx")
    added = _cli(tmp_path, "session", "add", "--date", "2026-03-10", "--org", "城关镇党委",
                 "--kind", "集中培训", "--hours", "24", "--title", "集中轮训", "--member", "李秀英")  # fmt: skip
    assert added.returncode == 0, added.stderr
    record = _cli(tmp_path, "record", "李秀英", "--year", "2026", "--format", "json")
    assert json.loads(record.stdout, parse_constant=_no_constants)["hours"] == 24


def _no_constants(name: str) -> None:
    raise AssertionError(f"not JSON: {name}")


def test_a_record_with_infinite_hours_from_an_old_database_is_an_error_not_bad_json(
    tmp_path: Path,
) -> None:
    (tmp_path / "花名册.xlsx").write_bytes(roster_xlsx(ROSTER))
    _cli(tmp_path, "roster", "import", "花名册.xlsx")
    _cli(tmp_path, "session", "add", "--date", "2026-03-10", "--org", "城关镇党委",
         "--kind", "党课", "--hours", "4", "--title", "学习党章", "--member", "李秀英")  # fmt: skip
    db = open_db(tmp_path / "t.db")
    with db.conn:  # as an earlier version, which took --hours inf, could have written it
        db.execute("update attendance set hours = ?", [math.inf])
        db.execute("update sessions set hours = ?", [math.inf])
    record = _cli(tmp_path, "record", "李秀英", "--year", "2026", "--format", "json")
    assert record.returncode == 1 and record.stdout == ""
    assert "2026-03-10“学习党章”的学时无效（inf）" in record.stderr
    assert "Traceback" not in record.stderr


def test_attendance_import_names_each_impossible_hours_cell(tmp_path: Path) -> None:
    from exam_tools.records.attendance import import_attendance

    db = open_db(tmp_path / "t.db")
    store_roster(db, parse_roster(roster_xlsx(ROSTER), "花名册.xlsx"))
    org = "城关镇党委"
    rows = [
        ["2026-04-01", org, "党课", "a", "", "nan", "", "李秀英", ""],
        ["2026-04-01", org, "党课", "b", "", "inf", "", "李秀英", ""],
        ["2026-04-01", org, "党课", "c", "", 1e9, "", "李秀英", ""],
        ["2026-04-01", org, "党课", "d", "", 4, "", "李秀英", "nan"],
        ["2026-04-01", org, "党课", "e", "", 4, "", "李秀英", "-inf"],
        ["2026-04-01", org, "党课", "f", "", 4, "", "李秀英", 5],
        ["2026-04-01", org, "党课", "g", "", 8, "", "李秀英", 0],  # came, left at once: fine
    ]
    with pytest.raises(InvalidInputError) as info:
        import_attendance(db, attendance_xlsx(rows), "签到.xlsx", load_standards())
    found = [(p.location.row, p.location.column, p.message) for p in info.value.problems]
    assert found == [
        (2, "学时", f"{HOURS_RULE}，现在是“nan”"),
        (3, "学时", f"{HOURS_RULE}，现在是“inf”"),
        (4, "学时", f"{HOURS_RULE}，现在是“1000000000”"),
        (5, "实际学时", f"实际学时应在 0 到 24 之间{NOTE}，现在是“nan”"),
        (6, "实际学时", f"实际学时应在 0 到 24 之间{NOTE}，现在是“-inf”"),
        (7, "实际学时", "实际学时不能超过本次活动的学时 4，现在是 5"),
    ]
    assert db["sessions"].count == 0 and db["attendance"].count == 0


def test_add_session_refuses_impossible_hours_in_the_library_too(tmp_path: Path) -> None:
    from datetime import date

    from exam_tools.records.sessions import add_session

    db = open_db(tmp_path / "t.db")
    store_roster(db, parse_roster(roster_xlsx(ROSTER), "花名册.xlsx"))
    li = next(db.query("select id from members where name = '李秀英'"))["id"]
    for hours, member_hours in ((math.nan, None), (4.0, {li: math.inf}), (4.0, {li: 5.0})):
        with pytest.raises(InvalidInputError, match="学时"):
            add_session(db, date(2026, 4, 1), "城关镇党委", "党课", hours, "x", None, [li],
                        member_hours)  # fmt: skip
    assert db["sessions"].count == 0


# ---- near-duplicates and import size ----------------------------------------------------------

IMPORT = ImportDefaults(domain="党章党规", difficulty="简单")


def near_copies(n: int) -> bytes:
    """``n`` versions of one question that differ only in a number: all near each other."""
    return "\n".join(
        f"// [id:c{k}]\n根据党章规定，预备党员的预备期为多长时间？第{k}题 {{=一年 ~半年 ~两年 ~三年}}\n"
        for k in range(n)
    ).encode()


def test_each_near_copy_is_warned_once_naming_an_earlier_one() -> None:
    result = import_bytes(near_copies(300), "gift", "copies.gift", IMPORT)
    near = [p for p in result.warnings if "几乎相同" in p.message]
    # One warning per question after the first, not one per pair (44,850 pairs for 300 copies).
    assert sorted(p.qid or "" for p in near) == sorted(f"c{k}" for k in range(1, 300))
    for p in near:
        earlier = re.search(r"（(c\d+)）", p.message)
        assert earlier and int(earlier.group(1)[1:]) < int((p.qid or "")[1:])
        assert p.location.path == "copies.gift" and p.field == "stem"


def test_the_near_duplicate_search_stops_at_its_bound_and_says_where(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from exam_tools.bank import similar

    questions = import_bytes(near_copies(50), "gift", "copies.gift", IMPORT).questions
    # Unrelated questions sharing the same characters: candidates that are never near.
    words = "党员组织生活会学习教育"
    others = [
        replace(
            questions[0], id=f"o{k}", stem=words[k % 11 :] + words[: k % 11] + "对吗", options=()
        )
        for k in range(40)
    ]
    assert similar.near_duplicates(others + questions).stopped_at is None
    monkeypatch.setattr(similar, "MIN_WORK", 30)
    monkeypatch.setattr(similar, "WORK_PER_QUESTION", 0)
    found = similar.near_duplicates(others + questions)
    assert found.stopped_at is not None and found.work > 30
    _, problems = check_questions(others + questions)
    stop = [p for p in problems if "检查到此停止" in p.message]
    stopped = (others + questions)[found.stopped_at]
    assert [(p.qid, p.severity, p.location) for p in stop] == [
        (stopped.id, "warning", stopped.origin)
    ]
    assert f"从本题起的 {90 - found.stopped_at} 道题没有检查是否重复" in stop[0].message


def test_an_import_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    from exam_tools.bank.formats import MAX_IMPORT_BYTES, import_file

    big = tmp_path / "big.gift"
    with big.open("wb") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(FormatError) as caught:
        import_file(big, "gift", IMPORT)
    assert str(caught.value) == (
        "big.gift: 文件有 50.0 MB，超过导入上限 10 MB（约 2.5 万道题）；请拆成几个较小的文件分别导入"
    )
    with pytest.raises(FormatError, match="超过导入上限 10 MB"):
        import_bytes(b"x" * (MAX_IMPORT_BYTES + 1), "gift", "big.gift", IMPORT)
    result = subprocess.run(
        [sys.executable, "-m", "exam_tools", "bank", "import", "big.gift", "--output", "out.yaml"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1 and "超过导入上限 10 MB" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out.yaml").exists()


# ---- a member who moves, in a roster without 编号 ----------------------------------------------


def _moved(rows: list[list[object]], name: str, org: str) -> list[list[object]]:
    out = [list(r) for r in rows]
    for r in out:
        if r[0] == name:
            r[1] = org
    return out


def test_a_member_who_moves_without_a_number_counts_once_with_hours_from_both_places(
    tmp_path: Path,
) -> None:
    from datetime import date

    from exam_tools.records.orgstats import org_statistics
    from exam_tools.records.queries import load_member_years, orgs_by_id
    from exam_tools.records.sessions import add_session

    std = load_standards()
    db = open_db(tmp_path / "t.db")
    store_roster(db, parse_roster(roster_xlsx(ROSTER), "花名册.xlsx"))
    li = next(db.query("select id from members where name = '李秀英'"))["id"]
    add_session(db, date(2026, 3, 1), "城关镇党委/花王村党支部", "党课", 4, "学习党章", None, [li])
    june = parse_roster(
        roster_xlsx(_moved(ROSTER, "李秀英", "城关镇党委/石桥村党总支")), "6月.xlsx"
    )
    assert store_roster(db, june) == (0, 1, 2)  # no new member: 李秀英 changed place
    assert june.moved == [
        f"第 2 行 李秀英（1975 年出生）：按姓名和出生年份认出是 城关镇党委/花王村党支部 的党员"
        f"（编号 {li}），原有学时保留"
    ]
    assert store_roster(
        db,
        parse_roster(roster_xlsx(_moved(ROSTER, "李秀英", "城关镇党委/石桥村党总支")), "6月.xlsx"),
    ) == (0, 0, 3)
    assert [r["id"] for r in db.query("select id from members where name = '李秀英'")] == [li]
    add_session(
        db, date(2026, 7, 1), "城关镇党委/石桥村党总支", "党课", 4, "四议两公开", None, [li]
    )
    years = load_member_years(db, 2026, std, [])
    groups = {g.org: g for g in org_statistics(years, orgs_by_id(db), "村")}
    assert groups["城关镇党委/石桥村党总支"].members == 2  # 李秀英 now, and 陈志
    assert groups["城关镇党委/石桥村党总支"].hours_total == 8  # her hours from both places
    assert groups["城关镇党委/花王村党支部"].members == 1
    assert db["members"].count == 3


def test_two_same_name_same_year_members_make_a_move_ambiguous_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    db = open_db(tmp_path / "t.db")
    twin = [
        "李秀英",
        "城关镇党委/石桥村党总支/第一党支部",
        "工人党员",
        "",
        1975,
        "",
        "正式",
        "否",
        "",
    ]
    store_roster(db, parse_roster(roster_xlsx([*ROSTER, twin]), "花名册.xlsx"))
    assert db["members"].count == 4
    before = list(db.query("select * from members order by id"))
    # Next year one 李秀英 (1975) is listed in 城关镇党委/东岭村党支部: which one?
    moved = [r for r in ROSTER if r[0] != "李秀英"]
    moved.append(
        ["李秀英", "城关镇党委/东岭村党支部", "种养业大户党员", "", 1975, "", "正式", "否", ""]
    )
    with pytest.raises(InvalidInputError) as caught:
        store_roster(db, parse_roster(roster_xlsx(moved), "2027.xlsx"))
    [problem] = caught.value.problems
    assert (problem.location.path, problem.location.sheet, problem.location.row, problem.field) == (
        "2027.xlsx",
        "花名册",
        4,
        "编号",
    )
    assert "无法确定“李秀英”（1975 年出生）是谁" in problem.message
    assert (
        "城关镇党委/花王村党支部" in problem.message
        and "城关镇党委/石桥村党总支/第一党支部" in problem.message
    )
    assert list(db.query("select * from members order by id")) == before  # nothing written
    assert db["orgs"].count == len({p for r in [*ROSTER, twin] for p in _prefixes(str(r[1]))})


def _prefixes(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: k + 1]) for k in range(len(parts))]


def test_two_new_rows_for_one_member_who_left_are_reported_with_both_rows(tmp_path: Path) -> None:
    db = open_db(tmp_path / "t.db")
    store_roster(db, parse_roster(roster_xlsx(ROSTER), "花名册.xlsx"))
    rows = [r for r in ROSTER if r[0] != "李秀英"]
    for org in ("城关镇党委/东岭村党支部", "城关镇党委/西岭村党支部"):
        rows.append(["李秀英", org, "种养业大户党员", "", 1975, "", "正式", "否", ""])
    with pytest.raises(InvalidInputError) as caught:
        store_roster(db, parse_roster(roster_xlsx(rows), "2027.xlsx"))
    first, second = caught.value.problems
    assert (first.location.row, second.location.row) == (4, 5)
    assert "花名册第 5 行也像是此人" in first.message
    assert "花名册第 4 行也像是此人" in second.message


def test_a_different_party_joining_date_is_a_different_person(tmp_path: Path) -> None:
    db = open_db(tmp_path / "t.db")
    store_roster(db, parse_roster(roster_xlsx(ROSTER), "花名册.xlsx"))
    rows = [r for r in ROSTER if r[0] != "李秀英"]
    elsewhere = ["李秀英", "城关镇党委/东岭村党支部", "种养业大户党员", "", 1975]
    # The 李秀英 of 1975 in the database joined the Party in 2001-07: this one in 2010-03.
    other = [*elsewhere, "2010-03", "正式", "否", ""]
    assert store_roster(db, parse_roster(roster_xlsx([*rows, other]), "b.xlsx")) == (1, 0, 2)
    assert db["members"].count == 4
    # The same joining date (or none given) is the member who moved.
    db = open_db(tmp_path / "u.db")
    store_roster(db, parse_roster(roster_xlsx(ROSTER), "花名册.xlsx"))
    same = [*elsewhere, "2001-07", "正式", "否", ""]
    assert store_roster(db, parse_roster(roster_xlsx([*rows, same]), "b.xlsx")) == (0, 1, 2)
    assert db["members"].count == 3


def _jaccard(a: str, b: str) -> float:
    def grams(t: str) -> set[str]:
        return {t} if len(t) < 2 else {t[k : k + 2] for k in range(len(t) - 1)}

    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y) if x | y else 0.0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="党员组织生活会学习", max_size=12), min_size=1, max_size=25),
    st.sampled_from([0.5, 0.7, 0.9]),
)
def test_near_duplicates_warn_exactly_the_questions_with_an_earlier_near_one(
    stems: list[str], threshold: float
) -> None:
    from exam_tools.bank.similar import fingerprint, near_duplicates

    base, _ = parse_bank_text(
        "- id: q\n  type: judge\n  domain: 党章党规\n  difficulty: 简单\n  stem: 题\n"
        "  answer: true\n  source: 党章\n  explanation: 解析\n",
        "x.yaml",
    )
    questions = [replace(base[0], id=f"q{k}", stem=s) for k, s in enumerate(stems)]
    texts = [fingerprint(q) for q in questions]
    found = near_duplicates(questions, threshold)
    assert found.stopped_at is None
    expected = {
        j
        for j in range(len(texts))
        if texts[j]
        and any(texts[i] and _jaccard(texts[i], texts[j]) >= threshold for i in range(j))
    }
    assert {j for _, j, _ in found.pairs} == expected
    for i, j, sim in found.pairs:
        assert i < j and sim == pytest.approx(_jaccard(texts[i], texts[j])) and sim >= threshold


def test_course_lesson_hours_and_standards_hours_must_be_sensible(tmp_path: Path) -> None:
    for value in ("1e9", ".nan", ".inf", "25"):
        text = (
            "title: 课程\ncategory: 党章党规\naudience: [全体党员]\nlessons:\n"
            f"  - notebook: 01.ipynb\n    title: 第一课\n    hours: {value}\n"
        )
        _, problems = parse_course(text, "course.yaml", "c1")
        hours = [p for p in problems if p.field == "hours"]
        assert [p.location.line for p in hours] == [7], (value, problems)
    path = tmp_path / "standards.yaml"
    path.write_text("year_hours:\n  default: .inf\n", "utf-8")
    with pytest.raises(InvalidInputError, match="每年学时要求应为正数，现在是 inf"):
        load_standards(path)
