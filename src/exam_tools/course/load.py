"""Read ``courses/<id>/course.yaml`` and check courses, on their own and against the bank.

Problems are reported like ``bank check``'s: ``path:line: assessment: field: message``, all of them
at once; a course with an error is not loaded.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exam_tools.bank.model import DIFFICULTIES, DOMAINS, TECH_DOMAIN, QType
from exam_tools.bank.validate import ID_RE
from exam_tools.bank.yamlio import YamlSyntaxError, load_yaml, locator
from exam_tools.categories import ALL_MEMBERS, COURSE_CATEGORIES, MEMBER_CATEGORIES, TECH_CATEGORY
from exam_tools.course.model import (
    CASE_FILTERS,
    GRADING_NAMES,
    REVIEW_FILTERS,
    Assessment,
    Certification,
    Course,
    Drawable,
    DrawRule,
    Grading,
    Lesson,
    Mode,
)
from exam_tools.errors import (
    CourseError,
    Location,
    PaperError,
    Problem,
    ProblemList,
    ProblemReport,
    errors_of,
)
from exam_tools.records.hours import MAX_SESSION_HOURS

COURSE_FILE = "course.yaml"
COURSE_FIELDS = (
    "title",
    "category",
    "technology",
    "audience",
    "description",
    "lessons",
    "certification",
    "assessments",
)
LESSON_FIELDS = ("notebook", "title", "hours")
ASSESSMENT_FIELDS = (
    "id",
    "title",
    "mode",
    "rules",
    "pass_percent",
    "time_limit",
    "attempts",
    "grading",
    "shuffle_questions",
    "shuffle_options",
    "variants",
)
RULE_FIELDS = (
    "count", "domain", "technology", "tags", "type", "difficulty", "source", "points", "case",
    "review",
)  # fmt: skip
MODES = {"practice": Mode.PRACTICE, "练习": Mode.PRACTICE, "exam": Mode.EXAM, "考试": Mode.EXAM}
TYPES = {**{t.value: t for t in QType}, **{t.label: t for t in QType}}

Locate = Callable[[str | None], Location]


@dataclass(frozen=True)
class CourseCheck(ProblemReport):
    courses: list[Course]
    problems: list[Problem]
    #: Pool warnings (:mod:`exam_tools.course.coverage`): advice to grow the bank, listed after
    #: ``problems`` and kept out of ``--strict``'s failure set.
    coverage: list[Problem] = field(default_factory=list)


def _hint(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.5)
    return f"，是不是“{close[0]}”？" if close else ""


def _one_of(value: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    return f"应为 {'、'.join(choices)} 之一{_hint(value, choices)}"


class _Parser:
    def __init__(self, path: str, course_id: str) -> None:
        self.path = path
        self.course_id = course_id
        self.problems = ProblemList()

    def err(self, locate: Locate, where: str | None, fld: str | None, msg: str) -> None:
        self.problems.add(locate(fld), where, fld, msg)

    def unknown_fields(
        self, raw: Mapping[str, Any], allowed: tuple[str, ...], locate: Locate, where: str | None
    ) -> None:
        for key in raw:
            if key not in allowed:
                self.err(locate, where, key, f"未知字段“{key}”{_hint(key, allowed)}")

    def text(
        self, raw: Mapping[str, Any], fld: str, locate: Locate, where: str | None, required: bool
    ) -> str | None:
        value = raw.get(fld)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.err(locate, where, fld, "不能为空")
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.err(locate, where, fld, "应为文字")
            return None
        return str(value).strip()

    def number(
        self,
        raw: Mapping[str, Any],
        fld: str,
        locate: Locate,
        where: str | None,
        *,
        integer: bool = False,
        maximum: float | None = None,
    ) -> float | None:
        value = raw.get(fld)
        if value is None:
            return None
        kind = "正整数" if integer else "正数"
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (integer and not isinstance(value, int))
            or not math.isfinite(value)
            or value <= 0
        ):
            self.err(locate, where, fld, f"应为{kind}，现在是“{value}”")
            return None
        if maximum is not None and value > maximum:
            self.err(locate, where, fld, f"不能大于 {maximum:g}，现在是 {value:g}")
            return None
        return float(value)

    def flag(
        self, raw: Mapping[str, Any], fld: str, default: bool, locate: Locate, where: str | None
    ) -> bool:
        value = raw.get(fld, default)
        if not isinstance(value, bool):
            self.err(locate, where, fld, f"应为 true 或 false，现在是“{value}”")
            return default
        return value

    def strings(
        self, raw: Mapping[str, Any], fld: str, locate: Locate, where: str | None
    ) -> tuple[str, ...]:
        value = raw.get(fld)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.err(locate, where, fld, "应为文字列表，如 [甲, 乙]")
            return ()
        return tuple(v.strip() for v in value)

    # ---- parts ------------------------------------------------------------------------------

    def lessons(self, raw: Any, locate: Locate) -> tuple[Lesson, ...]:
        if not isinstance(raw, list) or not raw:
            self.err(locate, None, "lessons", "至少要有一课（notebook、title、hours）")
            return ()
        out = []
        for i, item in enumerate(raw, 1):
            where = f"第{i}课"
            loc = locator(self.path, item, getattr(raw, "line", None))
            if not isinstance(item, Mapping):
                self.err(loc, where, None, "每一课应写成 notebook、title、hours 三项")
                continue
            self.unknown_fields(item, LESSON_FIELDS, loc, where)
            notebook = self.text(item, "notebook", loc, where, True)
            title = self.text(item, "title", loc, where, True)
            if "hours" not in item:
                self.err(loc, where, "hours", "缺少学时（hours）")
            hours = self.number(item, "hours", loc, where, maximum=MAX_SESSION_HOURS)
            if notebook and not notebook.endswith(".ipynb"):
                self.err(loc, where, "notebook", f"应为 .ipynb 笔记本文件，现在是“{notebook}”")
            if notebook and title and hours:
                out.append(Lesson(notebook, title, hours))
        return tuple(out)

    def rule(self, item: Any, where: str, loc: Locate, mode: Mode | None) -> DrawRule | None:
        if not isinstance(item, Mapping):
            self.err(loc, where, None, "抽题规则应写成 count、domain、technology 等字段")
            return None
        self.unknown_fields(item, RULE_FIELDS, loc, where)
        before = len(self.problems.errors)
        if "count" not in item:
            self.err(loc, where, "count", "缺少抽题数量（count）")
        count = self.number(item, "count", loc, where, integer=True)
        domain = self.text(item, "domain", loc, where, False)
        if domain and domain not in DOMAINS:
            self.err(loc, where, "domain", f"未知领域“{domain}”，{_one_of(domain, DOMAINS)}")
        qtype = None
        type_text = self.text(item, "type", loc, where, False)
        if type_text:
            qtype = TYPES.get(type_text)
            if qtype is None:
                self.err(loc, where, "type", f"未知题型“{type_text}”，{_one_of(type_text, TYPES)}")
        difficulty = self.strings(item, "difficulty", loc, where)
        for d in difficulty:
            if d not in DIFFICULTIES:
                self.err(loc, where, "difficulty", f"未知难度“{d}”，{_one_of(d, DIFFICULTIES)}")
        points = self.number(item, "points", loc, where)
        case = self.text(item, "case", loc, where, False) or "exclude"
        if case not in CASE_FILTERS:
            names = "、".join(f"{k}（{v}）" for k, v in CASE_FILTERS.items())
            self.err(loc, where, "case", f"未知的案例题选项“{case}”，应为 {names} 之一")
        # questions awaiting review: practice draws them, exams leave them out unless asked
        default_review = "include" if mode is Mode.PRACTICE else "exclude"
        review = self.text(item, "review", loc, where, False) or default_review
        if review not in REVIEW_FILTERS:
            names = "、".join(f"{k}（{v}）" for k, v in REVIEW_FILTERS.items())
            self.err(loc, where, "review", f"未知的待复核题选项“{review}”，应为 {names} 之一")
        if len(self.problems.errors) > before or count is None:
            return None
        return DrawRule(
            count=int(count),
            domain=domain,
            technology=self.text(item, "technology", loc, where, False),
            tags=self.strings(item, "tags", loc, where),
            type=qtype,
            difficulty=difficulty,
            source=self.strings(item, "source", loc, where),
            points=points,
            case=case,
            review=review,
            line=getattr(item, "line", None),
        )

    def assessment(self, item: Any, i: int, loc: Locate, seen: set[str]) -> Assessment | None:
        if not isinstance(item, Mapping):
            self.err(loc, f"第{i}个考核", None, "考核应写成 id、title、mode、rules 等字段")
            return None
        aid = self.text(item, "id", loc, f"第{i}个考核", True)
        where = aid or f"第{i}个考核"
        before = len(self.problems.errors)
        self.unknown_fields(item, ASSESSMENT_FIELDS, loc, where)
        if aid is not None and not ID_RE.match(aid):
            self.err(loc, where, "id", "编号只能用字母、数字、-、_、.，如 cert")
        elif aid is not None and aid in seen:
            self.err(loc, where, "id", f"考核编号“{aid}”重复")
        if aid:
            seen.add(aid)
        title = self.text(item, "title", loc, where, True)
        mode_text = self.text(item, "mode", loc, where, True)
        mode = MODES.get(mode_text or "")
        if mode_text and mode is None:
            self.err(
                loc, where, "mode", f"未知方式“{mode_text}”，应为 practice（练习）或 exam（考试）"
            )
        pass_percent = self.number(item, "pass_percent", loc, where, maximum=100)
        time_limit = self.number(item, "time_limit", loc, where, integer=True)
        attempts = self.number(item, "attempts", loc, where, integer=True)
        grading = self.grading(item, loc, where)
        flags = {
            f: self.flag(item, f, f != "variants", loc, where)
            for f in ("shuffle_questions", "shuffle_options", "variants")
        }
        raw_rules = item.get("rules")
        rules: list[DrawRule] = []
        if not isinstance(raw_rules, list) or not raw_rules:
            self.err(
                loc,
                where,
                "rules",
                "至少要有一条抽题规则（如 - {technology: 水稻种植, count: 10}）",
            )
        else:
            for j, raw_rule in enumerate(raw_rules, 1):
                rloc = locator(self.path, raw_rule, getattr(raw_rules, "line", None))
                rule = self.rule(raw_rule, f"{where} 第{j}条规则", rloc, mode)
                if rule:
                    rules.append(rule)
        if len(self.problems.errors) > before or not (aid and title and mode):
            return None
        return Assessment(
            id=aid,
            title=title,
            mode=mode,
            rules=tuple(rules),
            pass_percent=pass_percent if pass_percent is not None else 60.0,
            time_limit=int(time_limit) if time_limit else None,
            attempts=int(attempts) if attempts else (None if mode is Mode.PRACTICE else 1),
            grading=grading,
            line=getattr(item, "line", None),
            **flags,
        )

    def grading(self, item: Mapping[str, Any], loc: Locate, where: str) -> Grading:
        """``grading:`` of an assessment (default highest); an unknown method is reported."""
        raw = item.get("grading")
        if raw is None:
            return Grading.HIGHEST
        method = GRADING_NAMES.get(str(raw).strip()) if isinstance(raw, str) else None
        if method is None:
            names = "、".join(f"{g.value}（{g.label}）" for g in Grading)
            self.err(loc, where, "grading", f"未知的计分方式“{raw}”，应为 {names} 之一"
                     "（也可写 最高分、最后一次、第一次、平均分）")  # fmt: skip
            return Grading.HIGHEST
        return method

    def course(self, data: Any) -> Course | None:
        loc = locator(self.path, data, 1)
        if not isinstance(data, Mapping):
            self.err(loc, None, None, "course.yaml 的顶层应是 title、category、lessons 等字段")
            return None
        self.unknown_fields(data, COURSE_FIELDS, loc, None)
        title = self.text(data, "title", loc, None, True)
        category = self.text(data, "category", loc, None, True)
        if category and category not in COURSE_CATEGORIES:
            self.err(
                loc,
                None,
                "category",
                f"未知类别“{category}”，{_one_of(category, COURSE_CATEGORIES)}",
            )
        audience = self.strings(data, "audience", loc, None)
        allowed = (*MEMBER_CATEGORIES, ALL_MEMBERS)
        for a in audience:
            if a not in allowed:
                self.err(loc, None, "audience", f"未知党员类别“{a}”，{_one_of(a, allowed)}")
        technology = self.text(data, "technology", loc, None, False)
        if category == TECH_CATEGORY and not technology:
            self.err(loc, None, "technology", "实用技术课程要写明认证的技术（technology）")
        if technology and category != TECH_CATEGORY:
            self.err(
                loc, None, "technology", "只有实用技术课程才认证技术，请删去 technology 或改类别"
            )
        lessons = self.lessons(data.get("lessons"), loc)
        seen: set[str] = set()
        assessments: list[Assessment] = []
        raw_assessments = data.get("assessments") or []
        if not isinstance(raw_assessments, list):
            self.err(loc, None, "assessments", "考核应写成列表")
            raw_assessments = []
        for i, item in enumerate(raw_assessments, 1):
            parsed = self.assessment(
                item, i, locator(self.path, item, getattr(data, "line", 1)), seen
            )
            if parsed:
                assessments.append(parsed)
        certification = self.certification(data.get("certification"), loc, technology, assessments)
        if self.problems.errors or not (title and category):
            return None
        return Course(
            id=self.course_id,
            title=title,
            category=category,
            lessons=lessons,
            assessments=tuple(assessments),
            audience=audience,
            description=self.text(data, "description", loc, None, False) or "",
            technology=technology,
            certification=certification,
            path=self.path,
        )

    def certification(
        self, raw: Any, loc: Locate, technology: str | None, assessments: list[Assessment]
    ) -> Certification | None:
        if raw is None:
            if technology:
                self.err(
                    loc,
                    None,
                    "certification",
                    "实用技术课程要写明认证考核和合格线（certification）",
                )
            return None
        cloc = locator(self.path, raw, loc("certification").line)
        if not isinstance(raw, Mapping):
            self.err(cloc, None, "certification", "应写成 {assessment: 考核编号, pass_percent: 80}")
            return None
        self.unknown_fields(raw, ("assessment", "pass_percent"), cloc, "certification")
        aid = self.text(raw, "assessment", cloc, "certification", True)
        target = next((a for a in assessments if a.id == aid), None)
        if aid and target is None:
            known = "、".join(a.id for a in assessments) or "无"
            self.err(cloc, "certification", "assessment", f"没有编号为“{aid}”的考核；已有：{known}")
        pct = self.number(raw, "pass_percent", cloc, "certification", maximum=100)
        if not aid or target is None:
            return None
        return Certification(aid, pct if pct is not None else target.pass_percent)


def parse_course(text: str, path: str, course_id: str) -> tuple[Course | None, list[Problem]]:
    """Parse one ``course.yaml`` (pure: no file access)."""
    parser = _Parser(path, course_id)
    try:
        data = load_yaml(text, path)
    except YamlSyntaxError as exc:
        parser.problems.add(Location(path, exc.line), None, None, str(exc))
        return None, parser.problems.items
    course = parser.course(data)
    return course, parser.problems.items


def course_folders(courses_dir: str | Path) -> list[Path]:
    root = Path(courses_dir)
    if (root / COURSE_FILE).is_file():
        return [root]
    if not root.is_dir():
        raise CourseError(f"找不到课程目录：{root}")
    return sorted(p.parent for p in root.glob(f"*/{COURSE_FILE}"))


def read_course(folder: str | Path) -> tuple[Course | None, list[Problem]]:
    """Read a course folder: its ``course.yaml`` and that its lesson notebooks exist."""
    from exam_tools.bank.load import display_path
    from exam_tools.fileio import decode_text

    folder = Path(folder)
    path = folder / COURSE_FILE
    shown = display_path(path)
    if not path.is_file():
        return None, [Problem(Location(shown), folder.name, None, f"缺少 {COURSE_FILE}")]
    course, problems = parse_course(decode_text(path.read_bytes()), shown, folder.name)
    if not ID_RE.match(folder.name):
        problems.append(
            Problem(Location(shown), folder.name, None, "课程目录名只能用字母、数字、-、_、.")
        )
        course = None
    if course is not None:
        listed = set()
        for lesson in course.lessons:
            listed.add(lesson.notebook)
            if not (folder / lesson.notebook).is_file():
                problems.append(
                    Problem(
                        Location(shown),
                        course.id,
                        "lessons",
                        f"找不到第“{lesson.title}”课的笔记本 {lesson.notebook}",
                    )
                )
        for nb in sorted(folder.glob("*.ipynb")):
            if nb.name not in listed:
                problems.append(
                    Problem(
                        Location(display_path(nb)),
                        course.id,
                        "lessons",
                        "这个笔记本没有列在 lessons 里，学员看不到它",
                        "warning",
                    )
                )
        if errors_of(problems):
            course = None
    return course, problems


def check_against_bank(course: Course, bank: Iterable[Drawable]) -> list[Problem]:
    """Technologies and tags the bank does not know, and rules the bank cannot satisfy."""
    questions = list(bank)
    technologies = {q.technology for q in questions if q.technology}
    tags = {t for q in questions for t in q.tags}
    problems = ProblemList()
    path = course.path or COURSE_FILE
    if course.technology and course.technology not in technologies:
        problems.add(
            Location(path, 1),
            course.id,
            "technology",
            f"题库中没有技术“{course.technology}”的题目{_hint(course.technology, technologies)}",
        )
    for a in course.assessments:
        for j, rule in enumerate(a.rules, 1):
            where = f"{a.id} 第{j}条规则"
            loc = Location(path, rule.line)
            if rule.domain and rule.technology and rule.domain != TECH_DOMAIN:
                problems.add(loc, where, "technology", f"只有“{TECH_DOMAIN}”领域的题目有技术")
            if rule.technology and rule.technology not in technologies:
                hint = _hint(rule.technology, technologies)
                problems.add(loc, where, "technology", f"题库中没有技术“{rule.technology}”{hint}")
            for t in rule.tags:
                if t not in tags:
                    problems.add(loc, where, "tags", f"题库中没有知识点“{t}”{_hint(t, tags)}")
        if not problems.errors:
            from exam_tools.course.paper import draw_questions
            from exam_tools.grading.assign import assign_problems

            try:
                draw_questions(questions, course, a, member=None, seed=0)
            except PaperError as exc:
                problems.extend(exc.problems)
            problems.extend(assign_problems(questions, course, a))  # what assign would refuse
    return problems.items


def check_courses(courses_dir: str | Path, bank: Iterable[Drawable] | None) -> CourseCheck:
    """Check every course below ``courses_dir`` (and against ``bank`` when given)."""
    from exam_tools.course.coverage import coverage_problems

    questions = list(bank) if bank is not None else None
    courses: list[Course] = []
    problems: list[Problem] = []
    coverage: list[Problem] = []
    for folder in course_folders(courses_dir):
        course, found = read_course(folder)
        problems.extend(found)
        if course is not None and questions is not None:
            found = check_against_bank(course, questions)
            problems.extend(found)
            if errors_of(found):
                course = None
            else:
                coverage.extend(coverage_problems(course, questions))
        if course is not None:
            courses.append(course)
    return CourseCheck(courses, problems, coverage)


def load_course(name: str | Path, courses_dir: str | Path | None = None) -> Course:
    """A course by folder path or by id under ``courses_dir``; raises :class:`CourseError`."""
    folder = Path(name)
    if not (folder / COURSE_FILE).is_file():
        from exam_tools.paths import find_bundled

        base = Path(courses_dir) if courses_dir is not None else find_bundled("courses")
        folder = base / str(name)
        if not (folder / COURSE_FILE).is_file():
            ids = (
                sorted(p.parent.name for p in base.glob(f"*/{COURSE_FILE}"))
                if base.is_dir()
                else []
            )
            raise CourseError(
                f"找不到课程“{name}”（在 {base} 下）{_hint(str(name), ids)}"
                + (f"；已有课程：{'、'.join(ids)}" if ids else "")
            )
    course, problems = read_course(folder)
    if course is None:
        raise CourseError(
            f"课程 {folder} 有错误，请先运行 exam-tools course check", errors_of(problems)
        )
    return course
