"""pandas DataFrames for organisers and instructors, with Chinese column labels ready to show.

Organisers in a notebook filter, pivot and chart their own cuts::

    from exam_tools.frames import Frames

    f = Frames("exam_tools.db", year=2026)
    f.org_stats("乡镇")                       # one row per 乡镇, rates as shares (0–1)
    my = f.member_years()                     # one row per member: 学时 against 要求学时, 实用技术
    my[my["乡镇"] == "城关镇党委"].groupby("村", observed=True)["学时达标"].mean()

The rules are the records code's own (:mod:`exam_tools.records`): a member's year is
:func:`~exam_tools.records.record.build_record`, statistics are
:func:`~exam_tools.records.orgstats.org_statistics`; this module only lays their results out as
tables. Plain tables (members, sessions, attendance, attempts, per-question results, practice
verdicts from the exam service) are read straight from SQLite with :func:`pandas.read_sql`.

Dtypes: dates are ``datetime64``, hours and scores ``float64``, yes/no columns ``bool`` (``boolean``
where a value may be missing), and categories (人员类别, 形式, 题型, 党员状态, 乡镇, 村) are ordered
``category`` columns in the standards' order, so sorting and charts follow it.

pandas loads only when this module is imported; ``import exam_tools`` stays light.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from exam_tools.bank.model import TYPE_LABELS
from exam_tools.categories import MEMBER_CATEGORIES
from exam_tools.records.db import open_db
from exam_tools.records.orgstats import (
    UNPLACED,
    MemberYear,
    ancestor_of_kind,
    member_years,
    org_statistics,
    target_progress,
)
from exam_tools.records.points import KIND_NAMES, PointsRules, load_points_rules
from exam_tools.records.queries import orgs_by_id
from exam_tools.records.record import (
    REVIEW_TITLES,
    MemberRecord,
    certifications,
    exam_title,
    exam_titles,
    load_all_records,
)
from exam_tools.records.standards import Standards, load_standards
from exam_tools.reports import orgs as org_report
from exam_tools.reports.tables import PERCENT_SUFFIXES

if TYPE_CHECKING:
    import sqlite_utils
    from pandas.io.formats.style import Styler

    from exam_tools.bank.model import Bank
    from exam_tools.course.model import Course

__all__ = ["PERCENT_SUFFIXES", "Frames", "styled"]

STATUSES = ("正式", "预备")
QUESTION_TYPES = tuple(TYPE_LABELS.values())


def _category(values: Any, order: Sequence[str]) -> pd.Series:
    """An ordered categorical in ``order``; values outside it are kept, after it, sorted."""
    series = pd.Series(values, dtype="object")
    known = set(order)
    extra = sorted({v for v in series.dropna().unique() if v not in known})
    return series.astype(pd.CategoricalDtype([*order, *extra], ordered=True))


def _iso(column: str) -> str:
    """SQL for an ISO date or date-time column's wall-clock part (an offset such as +08:00 is left
    off, so times read as written), empty as NULL; cut in SQLite, which is cheaper than in pandas."""
    return f"nullif(substr({column}, 1, 19), '')"


def _dates(values: pd.Series) -> pd.Series:
    """Column values from :func:`_iso` as ``datetime64``."""
    return pd.Series(pd.to_datetime(values, format="ISO8601"), index=values.index)


def _in_year(column: str, year: int | None) -> str:
    """A WHERE clause keeping rows of ``year`` (an int, so it is safe to inline), or nothing."""
    return f"where substr({column}, 1, 4) = '{int(year):04d}'" if year else ""


def styled(frame: pd.DataFrame) -> Styler:
    """The frame for a notebook: shares (columns named …率 or …比例) as percentages, other floats
    to one decimal, text left-aligned, no index."""
    formats: dict[Any, str | Callable[[object], str] | None] = {}
    text: list[Hashable] = []
    for name in frame.columns:
        if str(name).endswith(PERCENT_SUFFIXES):
            formats[name] = "{:.1%}"
        elif pd.api.types.is_float_dtype(frame[name]):
            formats[name] = "{:.1f}"
        elif not pd.api.types.is_numeric_dtype(frame[name]):
            text.append(name)
    style = frame.style.format(formats, na_rep="—").hide(axis="index")
    return style.set_properties(subset=text, **{"text-align": "left"})


class Frames:
    """The tables of one database, measured against ``standards`` for ``year`` (default this year).

    ``courses`` give exam titles and which certification means mastering a technology (default: the
    bundled ``courses/``). Each method returns a new DataFrame; the year's records are read once.
    """

    def __init__(
        self,
        db: sqlite_utils.Database | str | Path,
        year: int | None = None,
        courses: Iterable[Course] | None = None,
        standards: Standards | None = None,
        points_rules: PointsRules | None = None,
    ) -> None:
        self.db = open_db(db, create=False) if isinstance(db, str | Path) else db
        self.points_rules = points_rules or load_points_rules()
        self.year = year or date.today().year
        if courses is None:
            from exam_tools.course.load import check_courses
            from exam_tools.paths import find_bundled

            courses = check_courses(find_bundled("courses"), None).courses
        self.courses = list(courses)
        self.standards = standards or load_standards()
        self.certs = certifications(self.courses)
        self.titles = exam_titles(self.courses)

    # --- shared lookups -------------------------------------------------------------------------

    @cached_property
    def orgs(self) -> dict[str, dict[str, Any]]:
        return orgs_by_id(self.db)

    @cached_property
    def _level_names(self) -> dict[str, dict[str, str | None]]:
        """For 乡镇 and 村: organisation id → the name of its organisation of that kind."""
        return {
            kind: {
                oid: (self.orgs[top]["name"] if top else None)
                for oid in self.orgs
                for top in [ancestor_of_kind(oid, kind, self.orgs)]
            }
            for kind in ("乡镇", "村")
        }

    def _levels(self, org_ids: pd.Series) -> dict[str, pd.Series]:
        """乡镇 and 村 of each organisation id, as categories (names sorted)."""
        out = {}
        for kind, names in self._level_names.items():
            order = sorted({o["name"] for o in self.orgs.values() if o["kind"] == kind})
            out[kind] = _category(org_ids.map(names), order)
        return out

    def _who(self, df: pd.DataFrame, id_column: str, label: str) -> dict[str, pd.Series]:
        """The member columns every per-member frame starts with: id, 姓名, 所在党组织, 乡镇, 村
        (``df`` has the id, ``name``, ``path`` and ``org`` from the members and orgs tables)."""
        levels = self._levels(df["org"])
        return {label: df[id_column], "姓名": df["name"], "所在党组织": df["path"],
                "乡镇": levels["乡镇"], "村": levels["村"]}  # fmt: skip

    def _read(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return pd.read_sql(sql, self.db.conn, params=list(params))

    def _course_title(self, course_ids: pd.Series) -> pd.Series:
        names = {c: t[0] for (c, _a), t in REVIEW_TITLES.items()}
        names.update({c.id: c.title for c in self.courses})
        return course_ids.map(names).fillna(course_ids)

    def _exam_titles(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Columns 课程 and 考试 (titles) for a frame with ``course`` and ``assessment`` ids."""
        known = pairs[["course", "assessment"]].drop_duplicates()
        names = [exam_title(self.titles, c, a) for c, a in known.itertuples(index=False)]
        known = known.assign(课程=[n[0] for n in names], 考试=[n[1] for n in names])
        return pairs[["course", "assessment"]].merge(known, how="left")[["课程", "考试"]]

    # --- plain tables ---------------------------------------------------------------------------

    def members(self) -> pd.DataFrame:
        """The roster: one row per member."""
        df = self._read(
            "select m.id, m.name, o.path, m.org, m.category, m.roles, m.birth_year, "
            f"{_iso('m.joined')} as joined, "
            "m.status, m.flowing from members m left join orgs o on o.id = m.org order by m.id"
        )
        return pd.DataFrame(
            {
                **self._who(df, "id", "编号"),
                "人员类别": _category(df["category"], MEMBER_CATEGORIES),
                "职务": df["roles"].map(lambda r: "、".join(json.loads(r or "[]"))),
                "出生年份": df["birth_year"].astype("Int64"),
                "入党时间": _dates(df["joined"]),
                "党员状态": _category(df["status"], STATUSES),
                "流动党员": df["flowing"].fillna(0).astype(bool),
            }
        )

    def sessions(self, year: int | None = None) -> pd.DataFrame:
        """Training sessions (of ``year``, default all) with the number who signed in."""
        df = self._read(
            f"select s.id, {_iso('s.date')} as day, o.path, s.kind, s.title, s.course, s.hours, "
            "(select count(*) from attendance a where a.session = s.id) as n "
            f"from sessions s left join orgs o on o.id = s.org {_in_year('s.date', year)} "
            "order by s.date, s.id"
        )
        return pd.DataFrame(
            {
                "培训编号": df["id"],
                "日期": _dates(df["day"]),
                "举办党组织": df["path"],
                "形式": _category(df["kind"], self.standards.session_kinds),
                "主题": df["title"],
                "课程": self._course_title(df["course"]),
                "学时": df["hours"].astype(float),
                "签到人数": df["n"].astype(int),
            }
        )

    def attendance(self, year: int | None = None) -> pd.DataFrame:
        """One row per member per session attended (of ``year``, default all)."""
        df = self._read(
            f"select {_iso('s.date')} as day, a.session, s.kind, s.title, s.course, so.path as held_by, a.member, "
            "m.name, m.org, mo.path, a.hours from attendance a "
            "join sessions s on s.id = a.session left join orgs so on so.id = s.org "
            "left join members m on m.id = a.member left join orgs mo on mo.id = m.org "
            f"{_in_year('s.date', year)} order by s.date, a.session, a.member"
        )
        return pd.DataFrame(
            {
                "日期": _dates(df["day"]),
                "培训编号": df["session"],
                "形式": _category(df["kind"], self.standards.session_kinds),
                "主题": df["title"],
                "课程": self._course_title(df["course"]),
                "举办党组织": df["held_by"],
                **self._who(df, "member", "党员编号"),
                "学时": df["hours"].astype(float),
            }
        )

    def attempts(self, year: int | None = None) -> pd.DataFrame:
        """Graded exam attempts (submitted in ``year``, default all), exams by their titles."""
        when = "coalesce(nullif(a.submitted_at, ''), a.graded_at)"
        df = self._read(
            "select a.assignment, a.course, a.assessment, a.member, m.name, m.org, o.path, "
            f"a.attempt, {_iso(when)} as at, a.score, a.max_score, a.percent, a.passed, a.manual_pending "
            "from attempts a left join members m on m.id = a.member "
            f"left join orgs o on o.id = m.org {_in_year(when, year)} order by at, a.id"
        )
        titles = self._exam_titles(df)
        return pd.DataFrame(
            {
                "作业": df["assignment"],
                "课程": titles["课程"],
                "考试": titles["考试"],
                **self._who(df, "member", "党员编号"),
                "第几次": df["attempt"].astype("Int64"),
                "提交时间": _dates(df["at"]),
                "得分": df["score"].astype(float),
                "满分": df["max_score"].astype(float),
                "百分制得分": df["percent"].astype(float),
                "合格": df["passed"].fillna(0).astype(bool),
                "待人工评阅": df["manual_pending"].fillna(0).astype(int),
            }
        )

    def results(self, assignment: str | None = None) -> pd.DataFrame:
        """Per-question results (of one ``assignment``, default all): one row per member and
        question, with the exam's title; 答对 is missing for a question still to be marked."""
        where, params = ("where a.assignment = ?", [assignment]) if assignment else ("", [])
        where_r = (
            "where r.attempt_id in (select id from attempts a where a.assignment = ?)"
            if assignment
            else ""
        )
        attempts = self._read(
            f"select a.rowid as k, a.assignment, a.course, a.assessment, a.member from attempts a "
            f"{where} order by a.rowid",
            params,
        )
        # The results table is the large one (a million rows at city scale): pandas.read_sql would
        # make eight Python objects per row and then convert them (about 2 s). Here SQLite packs
        # each row into two integers and two floats, which numpy reads straight into typed arrays:
        #   key   = attempt rowid << 24 | the question's place among the sorted question ids
        #   small = ((n * 8 + type code + 1) * 4 + correct + 1) * 2 + manual   (correct -1: unset)
        qids = self._read(f"select distinct r.qid from results r {where_r} order by r.qid", params)
        types = " ".join(f"when '{t}' then {i + 1}" for i, t in enumerate(TYPE_LABELS))
        cursor = self.db.conn.execute(
            "with q as (select qid, row_number() over (order by qid) - 1 as i from "
            f"(select distinct qid from results r {where_r})) "
            "select (a.rowid << 24) | q.i, "
            f"((r.n * 8 + (case r.type {types} else 0 end)) * 4 + coalesce(r.correct, -1) + 1) * 2 "
            "+ coalesce(r.manual, 0), r.score, r.points "
            # CROSS JOIN keeps SQLite scanning results once, looking each row's attempt up
            "from results r cross join attempts a on a.id = r.attempt_id "
            f"cross join q on q.qid = r.qid {where}",
            [*params, *params],
        )
        packed = np.fromiter(
            cursor, dtype=[("key", "i8"), ("small", "i8"), ("score", "f8"), ("points", "f8")]
        )
        small = packed["small"]
        rows = {
            "k": packed["key"] >> 24,
            "q": packed["key"] & (1 << 24) - 1,
            "n": small >> 6,
            "type": ((small >> 3) & 7) - 1,
            "correct": ((small >> 1) & 3) - 1,
            "manual": small & 1,
            "score": packed["score"],
            "points": packed["points"],
        }
        at = attempts.set_index("k")
        pos = at.index.get_indexer(pd.Index(rows["k"]))
        titles = self._exam_titles(at.reset_index(drop=True))["考试"]

        def by_attempt(values: pd.Series) -> pd.Series:
            cat = pd.Categorical(values)
            return pd.Series(pd.Categorical.from_codes(cat.codes[pos], dtype=cat.dtype))

        correct = pd.array(rows["correct"] == 1, dtype="boolean")
        correct[rows["correct"] < 0] = pd.NA
        return pd.DataFrame(
            {
                "作业": by_attempt(at["assignment"]),
                "考试": by_attempt(titles),
                "党员编号": by_attempt(at["member"]),
                "序号": rows["n"].astype(int),
                "题号": pd.Categorical.from_codes(rows["q"], categories=pd.Index(qids["qid"])),
                "题型": pd.Categorical.from_codes(
                    rows["type"], dtype=pd.CategoricalDtype(list(QUESTION_TYPES), ordered=True)
                ),
                "得分": rows["score"],
                "分值": rows["points"],
                "答对": correct,
                "人工评分": rows["manual"].astype(bool),
            }
        )

    def practice(self, year: int | None = None) -> pd.DataFrame:
        """Practice verdicts carried over from the exam service (``exam-tools exam pull-practice``;
        of ``year``, default all): one row per 核对答案, oldest first. 答对 is missing for a
        question marked by hand; a correct rate counts only the rows where it is known."""
        df = self._read(
            f"select {_iso('p.at')} as at, p.member, m.name, m.org, o.path, p.exam, p.course, "
            "p.assessment, p.qid, p.correct from practice p "
            "left join members m on m.id = p.member left join orgs o on o.id = m.org "
            f"{_in_year('p.at', year)} order by p.at, p.id"
        )
        titles = self._exam_titles(df.fillna({"course": "", "assessment": ""}))
        correct = df["correct"].astype("Int64").eq(1).astype("boolean")  # NA stays NA
        return pd.DataFrame(
            {
                "时间": _dates(df["at"]),
                **self._who(df, "member", "党员编号"),
                "课程": self._course_title(df["course"]).astype("category"),
                "练习": titles["考试"].astype("category"),
                "题号": df["qid"].astype("category"),
                "答对": correct,
            }
        )

    def points(self, year: int | None = None) -> pd.DataFrame:
        """学习积分 (:mod:`exam_tools.records.points`, caps applied) of ``year`` (default the
        frames' year): one row per member, day (Beijing date) and kind with points."""
        from exam_tools.records.points_db import member_points, points_rows

        year = year or self.year
        rows = points_rows(member_points(self.db, year, self.points_rules), year)
        who = self._read("select m.id as member, m.name, m.org, o.path from members m "
                         "left join orgs o on o.id = m.org")  # fmt: skip
        df = pd.DataFrame(rows, columns=["member", "day", "kind", "points"]).merge(who, how="left")
        return pd.DataFrame({
            "日期": pd.to_datetime(df["day"]),
            **self._who(df, "member", "党员编号"),
            "类别": _category(df["kind"].map(KIND_NAMES), tuple(KIND_NAMES.values())),
            "积分": df["points"].astype(float),
        })  # fmt: skip

    def item_stats(self, assignment: str, bank: Bank | None = None) -> pd.DataFrame:
        """Item analysis of one assignment (:func:`~exam_tools.grading.itemstats.item_statistics`):
        difficulty P, discrimination D, point-biserial r, how often each option was chosen and the
        flags; with ``bank``, wrong options nobody chose are flagged too."""
        from exam_tools.grading.itemstats import flag_unchosen, item_statistics
        from exam_tools.grading.store import result_rows

        rows = result_rows(self.db, assignment)
        items, _paper = item_statistics(rows) if rows else ([], None)
        if bank is not None:
            flag_unchosen(
                items, {s.qid: set(bank[s.qid].correct_letters) for s in items if s.qid in bank}
            )
        labels = {str(k): v for k, v in TYPE_LABELS.items()}
        return pd.DataFrame(
            {
                "题号": [s.qid for s in items],
                "题型": _category([labels.get(s.type, s.type) for s in items], QUESTION_TYPES),
                "作答人数": np.array([s.n for s in items], dtype=int),
                "难度P": np.array([s.facility for s in items], dtype=float),
                "区分度D": np.array([s.discrimination for s in items], dtype=float),
                "点二列相关": np.array([s.point_biserial for s in items], dtype=float),
                "选项人数": [
                    " ".join(f"{x}:{c}" for x, c in s.options.items()) + f" 未答:{s.blank}"
                    if s.options
                    else ""
                    for s in items
                ],
                "提示": ["；".join(s.flags) for s in items],
            }
        )

    # --- the year, measured against the standards ----------------------------------------------

    @cached_property
    def records(self) -> list[MemberRecord]:
        """Every member's record for the year (:func:`load_all_records`), read once."""
        return load_all_records(self.db, self.year, self.standards, self.certs, self.titles,
                                self.points_rules)  # fmt: skip

    @cached_property
    def _member_years(self) -> list[MemberYear]:
        """What the statistics need of each member, from the same records (one read)."""
        recs = self.records
        return member_years(
            [r.member for r in recs],
            {r.member["id"]: r.hours for r in recs},
            [{"member": r.member["id"], **e} for r in recs for e in r.exams],
            {r.member["id"]: len(r.technologies) for r in recs},
            self.standards,
            {r.member["id"]: r.practice for r in recs},
            {r.member["id"]: r.points for r in recs if r.points is not None},
        )

    def member_years(self) -> pd.DataFrame:
        """One row per member for the year: 学时 against 要求学时, exams, technologies mastered,
        practice (练习正确率 over the verdicts judged automatically; missing without any)."""
        recs = self.records
        org_ids = pd.Series([r.member["org"] for r in recs], dtype="object")
        levels = self._levels(org_ids)
        hours = np.array([r.hours for r in recs], dtype=float)
        required = np.array([r.required_hours for r in recs], dtype=float)
        exams = [[float(e["percent"] or 0) for e in r.exams] for r in recs]
        return pd.DataFrame(
            {
                "编号": [r.member["id"] for r in recs],
                "姓名": [r.member["name"] for r in recs],
                "所在党组织": org_ids.map({k: o["path"] for k, o in self.orgs.items()}),
                "乡镇": levels["乡镇"],
                "村": levels["村"],
                "人员类别": _category([r.member.get("category") for r in recs], MEMBER_CATEGORIES),
                "职务": ["、".join(r.member.get("roles") or []) for r in recs],
                "学时": hours,
                "要求学时": required,
                "学时达标": np.array([r.hours_met for r in recs], dtype=bool),
                "还差学时": np.clip(required - hours, 0, None),
                "参加考试": np.array([len(p) for p in exams], dtype=int),
                "考试合格": np.array([sum(e["passed"] for e in r.exams) for r in recs], dtype=int),
                "平均分": np.array([sum(p) / len(p) if p else np.nan for p in exams], dtype=float),
                "实用技术门数": np.array([len(r.technologies) for r in recs], dtype=int),
                "掌握的实用技术": ["、".join(r.technologies) for r in recs],
                "练习题次": np.array([r.practice.items for r in recs], dtype=int),
                "练习答对": np.array([r.practice.correct for r in recs], dtype=int),
                "练习正确率": np.array(
                    [np.nan if r.practice.rate is None else r.practice.rate for r in recs],
                    dtype=float,
                ),
                "小结": [r.summary for r in recs],
            }
        )

    def org_stats(self, level: str = "乡镇", by_category: bool = False) -> pd.DataFrame:
        """Statistics per organisation of ``level`` (乡镇, 村, 社区, 支部 …), everything below rolled
        up (:func:`org_statistics`); rates are shares (0–1), missing where nobody was counted."""
        groups = org_statistics(self._member_years, self.orgs, level, by_category)
        df = pd.DataFrame(
            org_report.rows(groups, by_category), columns=org_report.header(by_category)
        )
        out = pd.DataFrame(
            {
                "党组织": df["党组织"],
                "名称": [g.org if g.org == UNPLACED else g.org.split("/")[-1] for g in groups],
            }
        )
        if by_category:
            out["人员类别"] = _category(
                [None if c == "—" else c for c in df["人员类别"]], MEMBER_CATEGORIES
            )
        out["党员数"] = df["党员数"].astype(int)
        for name in org_report.RATES:
            values = pd.to_numeric(df[name])
            out[name] = values.astype(int) if name in org_report.COUNTS else values.astype(float)
        if by_category:  # categories in the standards' order, not alphabetical
            out = out.sort_values(["党组织", "人员类别"], kind="stable", ignore_index=True)
        return out

    def targets(self) -> pd.DataFrame:
        """Progress against the standards' targets (e.g. 80% of leaders master a technology)."""
        progress = target_progress(self._member_years, self.orgs, self.standards)
        return pd.DataFrame(
            {
                "目标": [p.target.name for p in progress],
                "对象人数": np.array([p.eligible for p in progress], dtype=int),
                "已达到": np.array([p.achieved for p in progress], dtype=int),
                "当前比例": np.array([p.share for p in progress], dtype=float),
                "目标比例": np.array([p.target.share for p in progress], dtype=float),
                "还差（人）": np.array([p.gap for p in progress], dtype=int),
            }
        )
