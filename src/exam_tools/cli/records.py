"""``exam-tools roster …``, ``session add`` and ``record``: the organiser's side."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from exam_tools.cli.course import bundled, courses_option
from exam_tools.cli.main import cli

db_option = click.option(
    "--db",
    "db_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="数据库文件（默认 $EXAM_TOOLS_DB 或 exam_tools.db）。",
)
standards_option = click.option(
    "--standards",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="培训标准文件（默认自带的 standards.yaml：32 学时，书记和班子成员 56 学时）。",
)


@cli.group()
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
    click.echo(
        f"已导入 {len(parsed.members)} 名党员（新增 {new}，变更 {changed}，未变 {same}），"
        f"{len(parsed.orgs)} 个党组织，写入 {db_path(db_file)}"
    )


@roster.command("template")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="覆盖已有文件。")
def roster_template_cmd(file: Path, force: bool) -> None:
    """写出空白花名册模板 FILE（.xlsx）：表头、一行示例，第二个工作表逐列说明。"""
    from exam_tools.fileio import write_atomic
    from exam_tools.records.roster import roster_template

    if file.exists() and not force:
        raise click.UsageError(f"{file} 已存在；要覆盖请加 --force")
    write_atomic(file, roster_template())
    click.echo(f"已写出模板 {file}")


@cli.group()
def session() -> None:
    """培训活动：登记一次培训及签到。"""


@session.command("add")
@click.option("--date", "when", required=True, help="日期，如 2026-03-10。")
@click.option("--org", required=True, help="举办的党组织（路径，如 城关镇党委/花王村党支部）。")
@click.option(
    "--kind", required=True, help="形式：集中培训、党课、主题党日、现场观摩、送教下乡、远程教育。"
)
@click.option("--hours", type=float, required=True, help="学时（如全天 8、半天 4、一小时 1）。")
@click.option("--title", required=True, help="主题。")
@click.option("--course", default=None, help="对应的课程编号（可空）。")
@click.option("--member", "members", multiple=True, help="签到党员的编号或姓名（可多次）。")
@db_option
@standards_option
def session_add(
    when: str,
    org: str,
    kind: str,
    hours: float,
    title: str,
    course: str | None,
    members: tuple[str, ...],
    db_file: Path | None,
    standards: Path | None,
) -> None:
    """登记一次培训活动，并为 --member 列出的党员签到（学时按本次活动计）。"""
    from exam_tools.records.db import open_db
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
    if hours <= 0:
        raise click.BadParameter("学时应为正数", param_hint="--hours")
    db = open_db(db_file)
    ids = [find_member(db, m)["id"] for m in members]
    session_id = add_session(db, day, org, kind, hours, title, course, ids)
    click.echo(f"已登记培训 {session_id}：{day} {kind}“{title}”{hours:g} 学时，签到 {len(ids)} 人")


@cli.command()
@click.argument("member")
@click.option("--year", type=int, default=None, help="年度（默认今年）。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式。",
)
@db_option
@standards_option
@courses_option
def record(
    member: str,
    year: int | None,
    fmt: str,
    db_file: Path | None,
    standards: Path | None,
    courses_dir: Path | None,
) -> None:
    """党员 MEMBER（编号或姓名）的年度培训档案：学时（对照 32/56 学时要求）、参加的培训、考试成绩、
    掌握的实用技术，以及可直接抄写的一句话小结。"""
    from exam_tools.course.load import check_courses
    from exam_tools.records.db import open_db
    from exam_tools.records.record import certifications, load_record
    from exam_tools.records.standards import load_standards

    courses = check_courses(bundled(courses_dir, "courses"), None).courses
    rec = load_record(
        open_db(db_file), member, year or date.today().year, load_standards(standards),
        certifications(courses),
    )  # fmt: skip
    if fmt == "json":
        click.echo(json.dumps(rec.to_dict(), ensure_ascii=False, indent=2))
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
        click.echo(
            f"考试：{e['date']}  {e['course']}/{e['assessment']}  {e['percent']:g} 分  {verdict}"
        )
    click.echo(f"掌握的实用技术：{'、'.join(rec.technologies) or '无'}")
    click.secho(f"小结：{rec.summary}", bold=True)
