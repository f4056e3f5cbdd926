"""``exam-tools exam …``: the exam service's exams, extensions, audit log and export (instructors;
run on the hub server as the service's account or root, beside the service's database)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from exam_tools.cli.common import (
    ExamToolsCommand,
    ExamToolsGroup,
    bank_option,
    course_dir_option,
    courses_option,
    hub_option,
    remember_db,
)
from exam_tools.cli.records import points_rules_option

if TYPE_CHECKING:
    from collections.abc import Callable

    from exam_tools.service.store import ServiceStore

service_db = click.option(
    "--service-db",
    "service_db",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="考试服务的数据库文件（config.yaml 的 exam_service.db）。",
)


hub_service_db = click.option(
    "--service-db",
    "service_db",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="考试服务的数据库文件（默认按 --hub 目录里 config.yaml 的 exam_service.db）。",
)


def _hub_service_db(service_db: Path | None, hub_dir: Path | None) -> Path:
    """``--service-db``, or the one the hub's config.yaml names."""
    if service_db is not None:
        return service_db
    if hub_dir is None:
        raise click.UsageError("请给出 --service-db 文件，或在 Hub 服务器上给出 --hub 目录")
    from exam_tools.hub.config import read_config
    from exam_tools.hub.examservice import db_path

    return db_path(read_config(hub_dir.resolve()))


def _when(text: str | None) -> float | None:
    """A time the organiser typed, in the configured zone (issue 17 item 7), as epoch seconds."""
    from exam_tools.errors import InvalidInputError
    from exam_tools.timezone import parse

    if not text:
        return None
    try:
        return parse(text)
    except InvalidInputError as exc:
        raise click.BadParameter(str(exc)) from None


def _login_pairs(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    """``--login LOGIN=ID`` pairs as a mapping; a pair without ``=`` is a usage error."""
    out = {}
    for v in values:
        login, sep, mid = v.partition("=")
        if not sep or not login.strip() or not mid.strip():
            raise click.BadParameter(f"“{v}”应写成 登录名=党员编号，如 etsvc-zhang=m001")
        out[login.strip()] = mid.strip()
    return out


def _show(ts: float | None) -> str:
    """``2026-12-01 09:00:00（北京时间）``: every time shown names its zone."""
    from exam_tools.timezone import show

    return show(ts, seconds=True)


def _store(path: Path) -> ServiceStore:
    """The service's database; run as root, the files stay the service account's (the owner of
    their folder), so the service can still write them."""
    import os
    import shutil

    from exam_tools.service.store import ServiceStore

    store = ServiceStore(path)
    folder = path.resolve().parent
    if os.geteuid() == 0 and folder.stat().st_uid != 0:
        for f in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if f.exists():
                shutil.chown(f, folder.stat().st_uid, folder.stat().st_gid)
    return store


@click.group(cls=ExamToolsGroup)
@click.option("--tz", envvar="EXAM_TOOLS_TZ", default=None, metavar="时区",
              help="读入和显示时间用的时区（默认 Asia/Shanghai，即北京时间；"
                   "也可用环境变量 EXAM_TOOLS_TZ）。")  # fmt: skip
def exam(tz: str | None) -> None:
    """考试服务：开考、给个别党员延时或加一次机会（记入审计日志）、导出作答供阅卷、导入练习记录。"""
    import os

    from exam_tools.errors import InvalidInputError
    from exam_tools.timezone import ENV, zone

    if tz:
        try:
            zone(tz)
        except InvalidInputError as exc:
            raise click.BadParameter(str(exc), param_hint="--tz") from None
        os.environ[ENV] = tz  # every time read or shown below, the library's included


@exam.command("open", cls=ExamToolsCommand)
@click.argument("name")
@course_dir_option(
    "nbgrader 课程目录（exam-tools assign 写出的作业 NAME 在其中）。", required=False
)
@click.option("--practice", "practice", default=None, metavar="COURSE/ASSESSMENT",
              help="不用作业，直接把课程的练习（如 shuidao/practice）交给服务：对错和解析由服务回答。")  # fmt: skip
@hub_service_db
@click.option("--opens", default=None,
              help="开考时间，如 2026-12-01T09:00 或 09:00（今天），按 --tz 的时区（默认北京时间）；"
                   "默认立即。")  # fmt: skip
@click.option("--closes", default=None, help="截止时间，写法同 --opens（默认不限）。")
@click.option("--grace", type=float, default=30, show_default=True,
              help="截止后为网络延迟多等的秒数。")  # fmt: skip
@click.option("--title", default=None,
              help="党员在“我的学习”里看到的名称（默认用课程里的名称，如“课后练习”）。")  # fmt: skip
@click.option("--release", is_flag=True,
              help="（需 --hub，root）交给服务后以课程的阅卷账号生成并发布作业（nbgrader），"
                   "党员在“待考”里看到它。")  # fmt: skip
@hub_option
@bank_option
@courses_option
def exam_open(name: str, course_dir: Path | None, practice: str | None, service_db: Path | None,
              opens: str | None, closes: str | None, grace: float, title: str | None,
              release: bool, hub_dir: Path | None, bank_path: Path | None,
              courses_dir: Path | None) -> None:  # fmt: skip
    """把作业 NAME（或 --practice 指定的练习）交给考试服务：试卷由服务按党员抽取，时间和次数由服务掌握。
    可重复运行改时间。"""
    from exam_tools.cli.common import content
    from exam_tools.service.handout import assignment_handout, practice_handout

    service_db = _hub_service_db(service_db, hub_dir)
    if (course_dir is None) == (practice is None):
        raise click.UsageError("请给出 --course-dir（考试作业）或 --practice 课程/练习（二选一）")
    publish = _release_check(release, course_dir, hub_dir)  # before anything is written
    if course_dir is not None:
        spec, text, key = assignment_handout(course_dir, name)
    else:
        from exam_tools.bank.load import load_bank
        from exam_tools.course.load import load_course

        course_id, _, assessment = str(practice).partition("/")
        course = load_course(course_id, content(courses_dir, "courses", hub_dir))
        a = course.assessment(assessment or "practice")
        if a.mode.value != "practice":
            raise click.UsageError(
                f"“{a.title}”是考试，不是练习；考试请先 assign 再用 --course-dir"
            )
        spec, text, key = practice_handout(
            load_bank(content(bank_path, "question_bank", hub_dir)), course, a
        )
    store = _store(service_db)
    store.put_exam(spec, text, key, exam=name, opens_at=_when(opens), closes_at=_when(closes),
                   grace=grace, title=title)  # fmt: skip
    a = spec.assessment
    window = f"开考 {_show(_when(opens))}，截止 {_show(_when(closes))}"
    click.echo(f"考试服务已收到“{name}”：{title or a.title}，限时 {a.time_limit or '不限'} 分钟，"
               f"可作答 {a.attempts or '不限'} 次，{window}")  # fmt: skip
    if course_dir is not None:
        from exam_tools.grading.assign import hand_to_service

        # the release keeps only a launcher: no question and no seed before 开始考试 (issue 16)
        leaked = hand_to_service(course_dir, name, name, text)
        click.echo(f"作业 {name} 的发布文件里已不含题目和随机种子：试卷由考试服务在党员点“开始考试”时发给本人；"
                   "评分只按考试服务的记录（exam export 之后 exam-tools grade）")  # fmt: skip
        if publish is not None:
            publish(name)
            click.echo(
                f"已以阅卷账号发布作业 {name}：党员在“我的学习”的待考里看到它（开考前显示开考时间）"
            )
        elif leaked:
            click.echo(f"注意：{leaked[0].parent} 以前发布过含全部题目的版本；请重新运行 "
                       f"nbgrader generate_assignment {name} --force 和 nbgrader "
                       f"release_assignment {name} --force")  # fmt: skip


def _release_check(
    release: bool, course_dir: Path | None, hub_dir: Path | None
) -> Callable[[str], None] | None:
    """For ``exam open --release``: check the course on the hub now; what releases it later."""
    if not release:
        return None
    if hub_dir is None or course_dir is None:
        raise click.UsageError("--release 需要 --hub（exam-tools hub init 的目录）和 --course-dir")
    from exam_tools.hub.config import read_config
    from exam_tools.hub.release import check_course
    from exam_tools.hub.release import release as release_as_grader

    hub = hub_dir.resolve()
    cfg = read_config(hub)
    course_id = course_dir.resolve().name
    if check_course(cfg, course_id) != course_dir.resolve():
        raise click.UsageError(f"{course_dir} 不是 Hub 上课程 {course_id} 的课程目录")
    return lambda name: release_as_grader(cfg, hub, course_id, name)


@exam.command("extend", cls=ExamToolsCommand)
@click.argument("name")
@click.argument("member")
@service_db
@click.option("--minutes", type=float, default=0, help="增加的分钟数（正在作答的这次也延长）。")
@click.option("--attempts", type=int, default=0, help="增加的作答次数。")
@click.option("--reason", required=True, help="原因（记入审计日志）。")
@click.option("--by", default=None, help="经办人（默认当前登录名）。")
def exam_extend(name: str, member: str, service_db: Path, minutes: float, attempts: int,
                reason: str, by: str | None) -> None:  # fmt: skip
    """给党员 MEMBER（登录名）在考试 NAME 中延长时间或增加一次作答机会，记入审计日志。"""

    g = _store(service_db).grant(name, member, by or getpass.getuser(), reason, minutes,
                                       attempts)  # fmt: skip
    click.echo(f"已记录：{_show(g['at'])} {g['by']} 给 {member} 在“{name}”"
               f"增加 {minutes:g} 分钟、{attempts} 次机会，原因：{reason}")  # fmt: skip


@exam.command("log", cls=ExamToolsCommand)
@click.argument("name", required=False)
@service_db
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def exam_log(name: str | None, service_db: Path, as_json: bool) -> None:
    """审计日志：谁、何时、为何给谁延时或加机会；以及被拒绝的请求（每人每种原因每分钟一条，附次数）。

    党员写的内容（名字、题号、请求）一律转义后显示，每条一行，换行写作 \\n。"""
    from exam_tools.service.limits import shown

    store = _store(service_db)
    grants, refused = store.audit(name), store.refusals(name)
    if as_json:
        click.echo(json.dumps({"grants": grants, "refusals": refused}, ensure_ascii=False))
        return
    click.echo(f"延时和加机会 {len(grants)} 条：")
    for g in grants:
        click.echo(f"  {_show(g['at'])} {shown(g['by'])} → {shown(g['member'])}（{shown(g['exam'])}）"
                   f"+{g['minutes']:g} 分钟 +{g['attempts']} 次：{shown(g['reason'])}")  # fmt: skip
    total = sum(r["count"] for r in refused)
    click.echo(f"被拒绝的请求 {total} 次（按人、原因、分钟合并为 {len(refused)} 条）：")
    for r in refused:
        times = "" if r["count"] == 1 else f" ×{r['count']}（至 {_show(r['last_at'])[11:]}）"
        click.echo(f"  {_show(r['at'])} {shown(r['user'])} {shown(r['code'])}{times} "
                   f"{shown(r['detail'])}")  # fmt: skip


@exam.command("status", cls=ExamToolsCommand)
@click.argument("name")
@service_db
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def exam_status_cmd(name: str, service_db: Path, as_json: bool) -> None:
    """考试 NAME 的现场情况：每名打开了试卷的党员作答到第几次、答了几题、还剩多少时间、是否已交卷（按服务器时钟）。"""
    from exam_tools.service.limits import shown
    from exam_tools.service.status import exam_status, summary

    rows = exam_status(_store(service_db), name)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    click.echo(summary(rows))
    for r in rows:
        tries = f"第 {r['attempt']} 次" + (f"（共 {r['allowed']} 次）" if r["allowed"] else "")
        left = (
            ""
            if r["remaining"] is None or r["state"] != "作答中"
            else (f"，剩 {int(r['remaining'] // 60)} 分 {int(r['remaining'] % 60)} 秒")
        )
        done = f"，{_show(r['submitted_at'])} 交卷" if r["submitted_at"] else ""
        answered = f"，已答 {r['answered']} / {r['questions']} 题" if r["attempt"] else ""
        click.echo(f"  {shown(r['member'])}：{r['state']}" + (f"，{tries}" if r["attempt"] else "")
                   + f"{answered}{left}{done}")  # fmt: skip


@exam.command("export", cls=ExamToolsCommand)
@click.argument("name")
@course_dir_option("nbgrader 课程目录：写到其中的 submitted/<党员>/NAME/。")
@service_db
def exam_export(name: str, course_dir: Path, service_db: Path) -> None:
    """把考试服务记录的试卷和作答导出成 nbgrader 的 submitted 目录，之后用 exam-tools grade 评分。"""
    from exam_tools.service.export import export_submissions

    members, absent = export_submissions(_store(service_db), name, course_dir)
    click.echo(f"已导出 {len(members)} 名党员的作答到 {course_dir / 'submitted'}"
               + (f"（另有 {len(absent)} 人打开过考试但没有开始作答，按缺考计）" if absent else "")
               + f"；下一步：exam-tools grade {name} --course-dir {course_dir}")  # fmt: skip


@exam.command("publish-records", cls=ExamToolsCommand)
@hub_service_db
@click.option("--db", "db_file", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="档案数据库（花名册、学时、成绩）。")  # fmt: skip
@click.option("--year", type=int, default=None, help="年度（默认今年）。")
@click.option("--login", "logins", multiple=True, metavar="LOGIN=ID", callback=_login_pairs,
              help="登录名与党员编号不同时的对应（默认读 Hub 目录里的 accounts.json）；可写多次。")  # fmt: skip
@hub_option
@courses_option
@points_rules_option
def exam_publish(service_db: Path | None, db_file: Path, year: int | None,
                 logins: dict[str, str], hub_dir: Path | None,
                 courses_dir: Path | None, points_rules: Path | None) -> None:  # fmt: skip
    """把每名党员本年度的档案（学时、考试、练习、掌握的实用技术）发布到考试服务，党员在“我的档案”只看到自己的。

    发布前先导入考试服务记下的练习（同 pull-practice），档案里的练习题次是最新的。"""
    from exam_tools.cli.common import content
    from exam_tools.course.load import check_courses
    from exam_tools.hub.logins import hub_map
    from exam_tools.records.db import open_db
    from exam_tools.records.points import load_points_rules
    from exam_tools.records.record import certifications, exam_titles, load_all_records
    from exam_tools.records.standards import load_standards
    from exam_tools.service.export import published, record_logins
    from exam_tools.service.practice_export import pull_practice

    service_db = _hub_service_db(service_db, hub_dir)
    # everything read and checked before the practice is imported: no half-done run
    courses = check_courses(content(courses_dir, "courses", hub_dir), None).courses
    certs = certifications(courses)
    titles = exam_titles(courses)  # 我的档案 names exams in Chinese, never "shuidao cert"
    standards = load_standards(None)
    rules = load_points_rules(points_rules)  # the county's 积分规则, for 我的学习's points too
    if not service_db.exists():
        raise click.UsageError(f"找不到考试服务的数据库：{service_db}")
    click.echo(pull_practice(service_db, open_db(db_file), logins, hub_map(hub_dir)).message())
    if year is None:
        from exam_tools.timezone import this_year

        year = this_year()
    records = load_all_records(open_db(db_file), year, standards, certs, titles, rules)
    by_id = {r.member["id"]: published(r, rules) for r in records}
    mapping = record_logins(by_id, logins, hub_map(hub_dir))
    n = _store(service_db).publish_records({login: by_id[mid] for login, mid in mapping.items()})
    click.echo(f"已发布 {n} 名党员 {year} 年的档案。")


@exam.command("pull-practice", cls=ExamToolsCommand)
@service_db
@click.option("--db", "db_file", type=click.Path(path_type=Path, dir_okay=False), required=True,
              callback=remember_db, help="档案数据库（花名册、学时、成绩）：练习记录写入这里。")  # fmt: skip
@click.option("--login", "logins", multiple=True, metavar="LOGIN=ID", callback=_login_pairs,
              help="登录名与党员编号不同时的对应（默认读 Hub 目录里的 accounts.json）；可写多次。")  # fmt: skip
@hub_option
def exam_pull_practice(
    service_db: Path, db_file: Path, logins: dict[str, str], hub_dir: Path | None
) -> None:
    """把考试服务记下的练习（每次“核对答案”的对错）导入档案数据库，供统计和党员档案使用。

    只读考试服务的数据库，不影响正在练习的党员。可重复运行，已导入的不会重复计算。
    名册中没有的账号的练习不导入，会列出这些账号，补登名册（或用 --login）后再运行即可。"""
    from exam_tools.hub.logins import hub_map
    from exam_tools.records.db import open_db
    from exam_tools.service.practice_export import pull_practice

    result = pull_practice(service_db, open_db(db_file), logins, hub_map(hub_dir))
    click.echo(result.message())
