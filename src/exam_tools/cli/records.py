"""``exam-tools roster …``, ``session add`` and ``record``: the organiser's side."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from exam_tools.cli.common import (
    ExamToolsCommand,
    ExamToolsGroup,
    bundled,
    courses_option,
    db_option,
    write_new,
)

if TYPE_CHECKING:
    from exam_tools.course.model import Course
    from exam_tools.records.points import PointsRules
    from exam_tools.records.record import MemberRecord

standards_option = click.option(
    "--standards",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="培训标准文件（默认自带的 standards.yaml：32 学时，书记和班子成员 56 学时）。",
)


points_rules_option = click.option(
    "--points-rules",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="学习积分规则文件（默认自带的 积分规则.yaml）。",
)


def _points_rules(path: Path | None) -> PointsRules:
    from exam_tools.records.points import load_points_rules

    return load_points_rules(path)


@click.group(cls=ExamToolsGroup)
def roster() -> None:
    """党员花名册：导入、模板。"""


@roster.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@db_option
def roster_import(file: Path, db_file: Path | None) -> None:
    """导入党员花名册 FILE（.xlsx）。

    有任何一格出错就不导入，并逐格指出工作表、行、列；组织按“所在党组织”的路径自动建立；
    同一文件重复导入不会重复添加。身份证号、手机号不保存。
    """
    from exam_tools.records.db import db_path, open_db
    from exam_tools.records.roster import parse_roster, store_roster

    parsed = parse_roster(file.read_bytes(), str(file))
    new, changed, same = store_roster(open_db(db_file), parsed)
    if parsed.ignored:
        click.echo(f"已忽略 {'、'.join(parsed.ignored)} 列（个人敏感信息不保存）")
    for line in parsed.moved:
        click.echo(line)
    click.echo(
        f"已导入 {len(parsed.members)} 名党员（新增 {new}，变更 {changed}，未变 {same}），"
        f"{len(parsed.orgs)} 个党组织，写入 {db_path(db_file)}"
    )


@roster.command("template")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="覆盖已有文件。")
def roster_template_cmd(file: Path, force: bool) -> None:
    """写出空白花名册模板 FILE（.xlsx）：表头、一行示例，第二个工作表逐列说明。"""
    from exam_tools.records.roster import roster_template

    write_new(file, roster_template(), force, "模板")


@click.group(cls=ExamToolsGroup)
def session() -> None:
    """培训活动：登记一次培训及签到。"""


@session.command("add")
@click.option("--date", "when", required=True, help="日期，如 2026-03-10。")
@click.option("--org", required=True, help="举办的党组织（路径，如 城关镇党委/花王村党支部）。")
@click.option(
    "--kind", required=True, help="形式：集中培训、党课、主题党日、现场观摩、送教下乡、远程教育。"
)
@click.option("--hours", "hours_text", required=True, help="学时（如全天 8、半天 4、一小时 1）。")
@click.option("--title", required=True, help="主题。")
@click.option("--course", default=None, help="对应的课程编号（可空）。")
@click.option("--member", "members", multiple=True, help="签到党员的编号或姓名（可多次）。")
@db_option
@standards_option
def session_add(
    when: str,
    org: str,
    kind: str,
    hours_text: str,
    title: str,
    course: str | None,
    members: tuple[str, ...],
    db_file: Path | None,
    standards: Path | None,
) -> None:
    """登记一次培训活动，并为 --member 列出的党员签到（学时按本次活动计）。"""
    from exam_tools.records.db import open_db
    from exam_tools.records.hours import parse_hours
    from exam_tools.records.record import find_member
    from exam_tools.records.sessions import add_session
    from exam_tools.records.standards import load_standards

    try:
        day = date.fromisoformat(when)
    except ValueError:
        raise click.BadParameter(
            f"日期应写成 2026-03-10，现在是“{when}”", param_hint="--date"
        ) from None
    kinds = load_standards(standards).session_kinds
    if kind not in kinds:
        raise click.BadParameter(f"应为 {'、'.join(kinds)} 之一", param_hint="--kind")
    try:
        hours = parse_hours(hours_text, "学时")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--hours") from None
    db = open_db(db_file)
    ids = [find_member(db, m)["id"] for m in members]
    session_id = add_session(db, day, org, kind, hours, title, course, ids)
    click.echo(f"已登记培训 {session_id}：{day} {kind}“{title}”{hours:g} 学时，签到 {len(ids)} 人")


def member_record(
    member: str,
    year: int | None,
    db_file: Path | None,
    standards: Path | None,
    courses_dir: Path | None,
    points_rules: Path | None = None,
) -> tuple[MemberRecord, list[Course]]:
    """The member's record for ``year`` (default this year), and the courses it was measured with."""
    from exam_tools.course.load import check_courses
    from exam_tools.records.db import open_db
    from exam_tools.records.record import certifications, exam_titles, load_record
    from exam_tools.records.standards import load_standards

    courses = check_courses(bundled(courses_dir, "courses"), None).courses
    rec = load_record(
        open_db(db_file, create=False), member, year or date.today().year, load_standards(standards),
        certifications(courses), exam_titles(courses), _points_rules(points_rules),
    )  # fmt: skip
    return rec, courses


@click.command(cls=ExamToolsCommand)
@click.argument("member")
@click.option("--year", type=int, default=None, help="年度（默认今年）。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html", "xlsx"]),
    default="text",
    show_default=True,
    help="输出格式：text、json、html（可打印）、xlsx（需 --output）。",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="写到文件。",
)
@db_option
@standards_option
@courses_option
@points_rules_option
def record(
    member: str,
    year: int | None,
    fmt: str,
    output: Path | None,
    db_file: Path | None,
    standards: Path | None,
    courses_dir: Path | None,
    points_rules: Path | None,
) -> None:
    """党员 MEMBER（编号或姓名）的年度培训档案：学时（对照 32/56 学时要求）、参加的培训、考试成绩、
    掌握的实用技术、学习积分，以及可直接抄写的一句话小结。"""
    rec, _courses = member_record(member, year, db_file, standards, courses_dir, points_rules)
    if fmt in ("json", "html", "xlsx"):
        from exam_tools.fileio import write_atomic
        from exam_tools.reports.record import record_html, record_workbook

        if fmt == "xlsx" and output is None:
            raise click.UsageError("--format xlsx 需要用 --output 指定文件，如 档案.xlsx")
        data: str | bytes = (
            # allow_nan=False: the output is always valid JSON (no NaN or Infinity).
            json.dumps(rec.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
            if fmt == "json"
            else record_html(rec)
            if fmt == "html"
            else record_workbook(rec)
        )
        if output is None:
            click.echo(data, nl=False)
        else:
            write_atomic(output, data)
            click.echo(f"已写出 {output}")
        return
    m = rec.member
    click.secho(f"{m['name']}（{m['id']}）{rec.year} 年度培训档案", bold=True)
    click.echo(f"所在党组织：{m.get('org_path', m['org'])}　人员类别：{m.get('category') or '—'}"
               f"　职务：{'、'.join(m.get('roles') or []) or '—'}")  # fmt: skip
    kinds = "，".join(f"{k} {v:g}" for k, v in rec.hours_by_kind.items()) or "无"
    click.echo(f"学时：{rec.hours:g} / 要求 {rec.required_hours:g}（{kinds}）")
    for s in rec.sessions:
        click.echo(f"  {s['date']}  {s['kind']}  {s['title']}  {s['hours']:g} 学时")
    for e in rec.exams:
        verdict = "合格" if e["passed"] else "不合格"
        click.echo(f"考试：{e['date']}  {e['assessment']}  {e['percent']:g} 分  {verdict}")
    click.echo(f"掌握的实用技术：{'、'.join(rec.technologies) or '无'}")
    click.echo(f"练习：{rec.practice.line}")
    if rec.points is not None:
        click.echo(f"积分：{rec.points.line}")
    click.secho(f"小结：{rec.summary}", bold=True)


@click.command("org", cls=ExamToolsCommand)
@click.option(
    "--level",
    type=click.Choice(["乡镇", "村", "社区", "支部", "非公企业", "机关"]),
    default="乡镇",
    show_default=True,
    help="按哪一级党组织统计（下级的数据都汇总上来）；支部 即各个党支部，村、社区、企业的党支部都算。",
)
@click.option(
    "--by", "by", type=click.Choice(["category"]), default=None, help="再按人员类别分开统计。"
)
@click.option("--year", type=int, default=None, help="年度（默认今年）。")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="另存为 .xlsx（总览、各级、按类别、目标，带图表）或 .csv。",
)
@click.option(
    "--chart",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="另存一张 PNG 图（学时达标率与实用技术掌握率，中文字体）。",
)
@db_option
@standards_option
@courses_option
@points_rules_option
def stats_org(
    level: str,
    by: str | None,
    year: int | None,
    output: Path | None,
    chart: Path | None,
    db_file: Path | None,
    standards: Path | None,
    courses_dir: Path | None,
    points_rules: Path | None,
) -> None:
    """按党组织统计：党员数、参训率、平均学时、学时达标率、参考率、合格率、平均分、实用技术掌握率、
    练习人数、练习题次、练习正确率（只算能自动判对错的题）、平均学习积分、近 7 天和近 30 天学习过的人数，以及对照目标
    （如“乡镇、村班子成员 80% 掌握1-2门实用技术”）的进度和差几人。"""
    from exam_tools.course.load import check_courses
    from exam_tools.fileio import write_atomic
    from exam_tools.records.db import open_db
    from exam_tools.records.orgstats import org_statistics, target_progress
    from exam_tools.records.queries import load_member_years, orgs_by_id
    from exam_tools.records.record import certifications
    from exam_tools.records.standards import load_standards
    from exam_tools.reports import orgs as report

    db = open_db(db_file, create=False)
    year = year or date.today().year
    std = load_standards(standards)
    certs = certifications(check_courses(bundled(courses_dir, "courses"), None).courses)
    members = load_member_years(db, year, std, certs, _points_rules(points_rules))
    orgs = orgs_by_id(db)
    groups = org_statistics(members, orgs, level, by_category=by == "category")
    targets = target_progress(members, orgs, std)
    click.echo(f"{year} 年度，按{level}统计（{len(members)} 名党员）")
    click.echo(report.text_table(groups, by == "category", targets))
    files: list[tuple[Path, bytes | str]] = []
    if output is not None:
        if output.suffix.lower() == ".csv":
            files.append((output, report.csv_text(groups, by == "category")))
        else:
            views = {f"按{level}": (org_statistics(members, orgs, level), False)}
            views[f"按{level}和人员类别"] = (
                org_statistics(members, orgs, level, by_category=True),
                True,
            )
            files.append((output, report.workbook(views, targets, year)))
    if chart is not None:
        from exam_tools.reports.charts import ChartError

        try:
            png = report.png_chart(groups, f"{year} 年度各{level}学时达标率与实用技术掌握率")
        except ChartError as exc:
            unwritten = "、".join(str(f) for f in (output, chart) if f is not None)
            raise click.ClickException(f"{exc}；没有写出 {unwritten}") from None
        files.append((chart, png))
    for file, data in files:  # everything is made before anything is written: all files or none
        write_atomic(file, data)
        click.echo(f"已写出 {file}")


@click.command("plan", cls=ExamToolsCommand)
@click.argument("member")
@click.option("--year", type=int, default=None, help="年度（默认今年）。")
@db_option
@standards_option
@courses_option
def plan_cmd(
    member: str,
    year: int | None,
    db_file: Path | None,
    standards: Path | None,
    courses_dir: Path | None,
) -> None:
    """为党员 MEMBER 推荐课程（分类施教）：按人员类别挑选，补足本年度还差的学时，
    还没有掌握实用技术的优先推荐实用技术认证课程。"""
    from exam_tools.records.plan import plan

    rec, courses = member_record(member, year, db_file, standards, courses_dir)
    m = rec.member
    click.secho(f"{m['name']}（{m.get('category') or '未填类别'}）：{rec.summary}", bold=True)
    suggestions = plan(rec, courses)
    if not suggestions:
        click.echo("学时已达标，也已掌握实用技术；可按兴趣继续学习。")
    for i, s in enumerate(suggestions, 1):
        click.echo(f"{i}. {s.course.title}（{s.course.id}，{s.course.hours:g} 学时）：{s.reason}")


@click.group(cls=ExamToolsGroup)
def attendance() -> None:
    """签到：从 Excel 签到表导入、模板。"""


@attendance.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@db_option
@standards_option
def attendance_import(file: Path, db_file: Path | None, standards: Path | None) -> None:
    """导入签到表 FILE（.xlsx）：每行一人一次活动，可填实际学时（中途离开）。

    党员和党组织要在花名册里；有任何一格出错就不导入，并逐格指出；重复导入不会重复计算学时。
    """
    from exam_tools.records.attendance import import_attendance
    from exam_tools.records.db import db_path, open_db
    from exam_tools.records.standards import load_standards

    sessions, rows = import_attendance(
        open_db(db_file), file.read_bytes(), str(file), load_standards(standards)
    )
    click.echo(f"已导入 {sessions} 次培训活动、{rows} 人次签到，写入 {db_path(db_file)}")


@attendance.command("template")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="覆盖已有文件。")
def attendance_template_cmd(file: Path, force: bool) -> None:
    """写出空白签到表模板 FILE（.xlsx）：表头、一行示例，第二个工作表逐列说明。"""
    from exam_tools.records.attendance import attendance_template

    write_new(file, attendance_template(), force, "模板")
