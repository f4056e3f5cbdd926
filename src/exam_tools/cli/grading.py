"""``exam-tools assign``: nbgrader assignments from a course's assessment."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from exam_tools.cli.common import (
    ExamToolsCommand,
    ExamToolsGroup,
    bank_option,
    course_dir_option,
    courses_option,
    db_option,
    hub_option,
)

if TYPE_CHECKING:
    import sqlite_utils


@click.command(cls=ExamToolsCommand)
@click.argument("course_id", metavar="COURSE")
@click.argument("assessment_id", metavar="ASSESSMENT")
@course_dir_option(
    "nbgrader 课程目录（其中的 source/ 下写出作业）；有 --hub 时默认是该课程的阅卷账号下的课程目录。",
    required=False,
)
@click.option("--name", default=None, help="作业名（默认用考核编号）。")
@click.option("--seed", type=int, default=0, show_default=True, help="随机种子。")
@click.option(
    "--multiple",
    type=click.Choice(["all-or-nothing", "partial"]),
    default="all-or-nothing",
    show_default=True,
    help="多选题评分：全对才得分，或按选对的比例得分（选错任何一项得 0 分）。",
)
@click.option("--force", is_flag=True, help="覆盖已有的同名作业源文件。")
@click.option(
    "--release",
    is_flag=True,
    help="（需 --hub，root）生成后以课程的阅卷账号运行 nbgrader generate_assignment 和 "
    "release_assignment，发布给党员；文件都归阅卷账号。",
)
@hub_option
@bank_option
@courses_option
def assign(
    course_id: str,
    assessment_id: str,
    course_dir: Path | None,
    name: str | None,
    seed: int,
    multiple: str,
    force: bool,
    release: bool,
    hub_dir: Path | None,
    bank_path: Path | None,
    courses_dir: Path | None,
) -> None:
    """为课程 COURSE 的考核 ASSESSMENT 生成 nbgrader 作业（写到 COURSE_DIR/source/NAME/）。

    笔记本里是答题界面；评分格里的答案是隐藏测试，`nbgrader generate_assignment` 发布时会去掉它，
    党员拿到的作业里没有答案。要求“每人一卷”时，每人打开作业时按自己的编号抽出自己的试卷。
    在 Hub 服务器上用 --hub 目录 --release 一条命令生成并发布（以阅卷账号运行 nbgrader）。
    """
    from exam_tools.bank.load import load_bank
    from exam_tools.cli.common import content
    from exam_tools.course.key import MultipleRule
    from exam_tools.course.load import load_course
    from exam_tools.course.model import Mode
    from exam_tools.grading.assign import source_assignment, write_assignment

    cfg = None
    if hub_dir is not None:
        from exam_tools.hub.config import read_config

        hub_dir = hub_dir.resolve()
        cfg = read_config(hub_dir)
    if release and cfg is None:
        raise click.UsageError("--release 需要 --hub（exam-tools hub init 的目录）")
    if cfg is not None and (release or course_dir is None):
        from exam_tools.hub.release import check_course

        root = check_course(cfg, course_id)  # everything checked before anything is written
        if course_dir is not None and course_dir.resolve() != root:
            raise click.UsageError(f"--release 发布的是 {root}，与 --course-dir 不同")
        course_dir = root
    if course_dir is None:
        raise click.UsageError("请给出 --course-dir 目录，或在 Hub 服务器上给出 --hub 目录")
    bank = load_bank(content(bank_path, "question_bank", hub_dir))
    c = load_course(course_id, content(courses_dir, "courses", hub_dir))
    a = c.assessment(assessment_id)
    name = name or a.id
    target = course_dir / "source" / name
    if target.exists() and any(target.iterdir()) and not force:
        raise click.UsageError(f"{target} 已存在；要覆盖请加 --force")
    result = source_assignment(bank, c, a, seed=seed, multiple=MultipleRule(multiple))
    write_assignment(course_dir, name, result)
    click.echo(
        f"已生成作业 {target}：{a.title}，{result.questions} 题，满分 {result.total_points:g} 分"
    )
    if a.mode is Mode.PRACTICE:
        click.echo(
            "练习以作业形式发放：党员答完交卷，由老师评分，再用 exam-tools feedback 发给答案和解析"
        )
    if release and cfg is not None and hub_dir is not None:
        from exam_tools.hub.config import grader_name
        from exam_tools.hub.release import release as release_as_grader

        release_as_grader(cfg, hub_dir, course_id, name)
        click.echo(f"已由 {grader_name(cfg, course_id)} 发布作业 {name}，党员可以领取")
    elif cfg is not None:
        click.echo(
            f"下一步：exam-tools assign {course_id} {assessment_id} --hub {hub_dir} "
            f"--release --force（以阅卷账号发布），或在 formgrader 里发布"
        )
    else:
        click.echo(f"下一步：cd {course_dir} && nbgrader generate_assignment {name}")


def _usage(ctx: click.Context, name: str, command: click.Command) -> str:
    """``NAME --course-dir DIRECTORY [OPTIONS]``: the arguments and required options, spelled out."""
    pieces = [name] if name else []
    for param in command.get_params(ctx):
        if isinstance(param, click.Argument):
            pieces.extend(param.get_usage_pieces(ctx))
        elif param.required:
            pieces.append(f"{param.opts[0]} {param.make_metavar(ctx)}")
    return " ".join([*pieces, "[OPTIONS]"])


class GradeGroup(ExamToolsGroup):
    """``exam-tools grade NAME …`` grades; ``exam-tools grade import-nbgrader …`` imports.

    The grading command has no name of its own (it is the hidden ``run``), so the help lists it as
    ``NAME`` beside ``import-nbgrader``.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def _visible(self) -> list[tuple[str, click.Command]]:
        return [("", self.commands["run"])] + [
            (n, c) for n, c in sorted(self.commands.items()) if not c.hidden
        ]

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for i, (name, command) in enumerate(self._visible()):
            prefix = None if i == 0 else " " * len("Usage: ")
            formatter.write_usage(ctx.command_path, _usage(ctx, name, command), prefix)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - len("import-nbgrader")
        rows = [(name or "NAME", cmd.get_short_help_str(limit)) for name, cmd in self._visible()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class ImplicitContext(click.Context):
    """The hidden ``grade run`` reads as ``exam-tools grade`` in its usage and error hints."""

    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent is not None else super().command_path


class GradeRunCommand(ExamToolsCommand):
    context_class = ImplicitContext


@click.group(cls=GradeGroup)
def grade() -> None:
    """评分：按保存的作答给作业 NAME 评分，或导入 nbgrader 里的人工评分。

    各自的选项见 exam-tools grade NAME --help、exam-tools grade import-nbgrader --help。"""


@grade.command("run", cls=GradeRunCommand, hidden=True)
@click.argument("name")
@course_dir_option("nbgrader 课程目录（读取 submitted/<党员>/NAME/）。")
@db_option
@hub_option
def grade_run(name: str, course_dir: Path, db_file: Path | None, hub_dir: Path | None) -> None:
    """按保存的作答给作业 NAME 评分（不运行任何笔记本），结果写入数据库；
    分数同时写入 nbgrader 的成绩册（gradebook.db，姓名取自花名册），formgrader 显示同样的分数。

    缺少、空白、损坏或被改动的作答记录按实际内容评分（没有就算未作答），并逐人列出；
    一人出问题不影响其他人。重复运行结果不变。简答题给出关键词建议分，待人工评阅。
    """
    from exam_tools.grading.assign import is_service_exam, service_folder
    from exam_tools.grading.grade import grade_submission, read_assignment_key, submission_members
    from exam_tools.grading.store import forget, recording
    from exam_tools.records.db import connect, db_path

    key = read_assignment_key(course_dir, name)
    refused: list[str] = []
    if is_service_exam(course_dir, name):
        # the exam service's record only: what `exam export` exported, never submitted/ (which
        # nbgrader collect fills from the exchange, where names can be forged; issue 16)
        found, absent = _service_export(course_dir, name)
        _, collected = submission_members(course_dir, name)

        def folder_of(member: str) -> Path:
            return service_folder(course_dir, name, member)

        refused = sorted(set(collected) - set(found))
        lines = [f"党员 {m}：未通过考试服务交卷，提交不评分"
                 + ("（在考试服务没有开始作答，按缺考计）" if m in absent else "")
                 for m in refused]  # fmt: skip
        lines += [f"党员 {m}：在考试服务没有开始作答，按缺考计" for m in absent if m not in refused]
    else:
        base, found = submission_members(course_dir, name)  # names only: flat memory
        if not found:
            raise click.UsageError(f"{course_dir}/submitted/ 下没有作业“{name}”的提交")
        absent, lines = [], []

        def folder_of(member: str) -> Path:
            return base / member / name

    from dataclasses import replace

    from exam_tools.grading.gradebook import GRADEBOOK
    from exam_tools.hub.logins import hub_map

    # on a hub, nbgrader knows members by login name (dy123456); the records know them by roster
    # id, which `exam-tools hub users` wrote into DIR/accounts.json (root's; never the account's
    # comment, which the member can change), so results count on their record
    roster_of = hub_map(hub_dir)
    db = connect(db_file)
    problems: list[str] = []  # results are written as they come, not kept
    # nbgrader's gradebook is written after the run, so its results are kept, but only when
    # the course has one (a course published with nbgrader generate_assignment)
    to_nbgrader = (course_dir / GRADEBOOK).exists()
    graded: list[tuple[Any, Path]] = []
    n = passed = manual = 0
    total = 0.0
    with (
        click.progressbar(found, label="评分", file=click.get_text_stream("stderr")) as bar,
        recording(db) as write,
    ):
        for member in bar:
            folder = folder_of(member)
            result = grade_submission(folder, member, name, key)
            write(replace(result, member=roster_of[member]) if member in roster_of else result)
            if to_nbgrader:
                graded.append((result, folder))
            problems.extend(f"党员 {member}：{problem}" for problem in result.problems)
            n, total = n + 1, total + result.score
            passed += result.passed
            manual += result.manual_pending
    ungraded = sorted(set(refused) | set(absent))
    if ungraded:  # a result an earlier run (or older code) wrote for them does not stand
        forget(db, name, [roster_of.get(m, m) for m in ungraded])
    for line in problems + lines:
        click.echo(line)
    if n:
        click.echo(
            f"作业 {name}：{n} 份提交，平均 {total / n:.1f} / {key.total_points:g} 分，"
            f"合格 {passed} 人（{100 * passed / n:.1f}%）"
            + (f"；{manual} 道简答题待人工评阅" if manual else "")
        )
    else:
        click.echo(f"作业 {name}：考试服务里没有党员作答，没有可评分的提交")
    if refused:
        click.echo(f"未通过考试服务交卷 {len(refused)} 份，不评分：{'、'.join(refused)}")
    click.echo(f"结果已写入 {db_path(db_file)}")
    if ungraded and to_nbgrader:
        from exam_tools.grading.gradebook import GradebookError, drop_submissions

        try:
            drop_submissions(course_dir, name, ungraded)
        except GradebookError as exc:
            raise click.ClickException(f"{exc}；关掉 formgrader 后重新运行本命令即可") from None
    to_gradebook(course_dir, db_file, graded, roster_of)


def _service_export(course_dir: Path, name: str) -> tuple[list[str], list[str]]:
    """(members, absent) of a service exam as ``exam export`` wrote them; a usage error before."""
    import json

    from exam_tools.grading.assign import service_manifest

    path = service_manifest(course_dir, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return sorted(data["members"]), sorted(data["absent"])
    except FileNotFoundError:
        raise click.UsageError(
            f"作业“{name}”由考试服务掌握，成绩只按考试服务的记录评定：请先运行 exam-tools exam "
            f"export {name} --course-dir {course_dir} --service-db 考试服务数据库"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(
            f"{path} 已损坏（{exc}）；请重新运行 exam-tools exam export"
        ) from None


def roster_names(
    db_file: Path | None, logins: list[str], roster_of: dict[str, str]
) -> dict[str, str]:
    """login → the member's name in the roster (the login is the roster id, or the hub's map
    ``roster_of`` names it); empty when there is no database file yet."""
    from exam_tools.records.db import connect, db_path

    if not db_path(db_file).exists():
        return {}
    wanted = {roster_of.get(login, login): login for login in logins}  # roster id → login
    db = connect(db_file)
    try:
        rows = db.execute("select id, name from members").fetchall()
    except sqlite3.Error:  # a database without a roster yet
        return {}
    finally:
        db.close()
    return {wanted[i]: n for i, n in rows if i in wanted and n}


def to_gradebook(
    course_dir: Path,
    db_file: Path | None,
    graded: list[tuple[Any, Path]],
    roster_of: dict[str, str],
) -> None:
    """Write the scores into nbgrader's gradebook too (formgrader and ``nbgrader export`` show
    them), with members' names from the roster when the database has them."""
    from exam_tools.errors import PaperError
    from exam_tools.grading.gradebook import GRADEBOOK, GradebookError, write_gradebook

    if not (course_dir / GRADEBOOK).exists():
        click.echo(
            f"{course_dir / GRADEBOOK} 不存在（没有用 nbgrader generate_assignment 发布？），"
            "成绩没有写入 nbgrader"
        )
        return
    names = roster_names(db_file, [r.member for r, _f in graded], roster_of)
    try:
        report = write_gradebook(course_dir, graded, names)
    except PaperError as exc:  # nbgrader does not know the assignment: nothing to show there
        click.echo(f"{exc}；成绩没有写入 nbgrader")
        return
    except GradebookError as exc:  # the scores are safe in the database; grading again is harmless
        raise click.ClickException(
            f"{exc}；成绩已写入 exam-tools 数据库，关掉 formgrader 等占用成绩册的程序后重新运行本命令即可"
        ) from None
    click.echo(
        f"已写入 nbgrader 成绩册 {course_dir / GRADEBOOK}：{report.written} 份"
        f"（{report.named} 人按花名册写了姓名），formgrader 和 nbgrader export 显示同样的分数"
    )


def assignment_title(db: sqlite_utils.Database, name: str, courses_dir: Path) -> str:
    """The Chinese title of the exam graded as assignment ``name`` (the name if unknown)."""
    from exam_tools.course.load import check_courses
    from exam_tools.records.record import exam_title, exam_titles

    row = db.execute(
        "select course, assessment from attempts where assignment = ? limit 1", [name]
    ).fetchone()
    if row is None or row[0] is None:
        return name
    return exam_title(exam_titles(check_courses(courses_dir, None).courses), row[0], row[1])[1]


@click.command("items", cls=ExamToolsCommand)
@click.argument("name")
@db_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="另存为 Excel 文件（.xlsx）。",
)
@bank_option
@courses_option
def stats_items(
    name: str,
    db_file: Path | None,
    output: Path | None,
    bank_path: Path | None,
    courses_dir: Path | None,
) -> None:
    """作业 NAME 的试题分析：每题的难度、区分度（高低分组 27% 与点二列相关）、选项选择人数，
    以及整卷的平均分、标准差和 α 系数；难度高于 0.95 或低于 0.2、区分度低于 0.2、无人选择的干扰项会标出。
    """
    from exam_tools.bank.load import load_bank
    from exam_tools.cli.common import bundled
    from exam_tools.fileio import write_atomic
    from exam_tools.grading.itemstats import flag_unchosen, item_statistics
    from exam_tools.grading.store import result_rows
    from exam_tools.records.db import open_db
    from exam_tools.reports.items import items_text, items_workbook

    db = open_db(db_file, create=False)
    rows = result_rows(db, name)
    if not rows:
        raise click.UsageError(f"数据库里没有作业“{name}”的成绩；请先运行 exam-tools grade {name}")
    items, paper = item_statistics(rows)
    bank = load_bank(bundled(bank_path, "question_bank"))
    flag_unchosen(items, {s.qid: set(bank[s.qid].correct_letters) for s in items if s.qid in bank})
    title = assignment_title(db, name, bundled(courses_dir, "courses"))
    click.echo(items_text(title, items, paper))
    if output is not None:
        write_atomic(output, items_workbook(title, items, paper))
        click.echo(f"已写出 {output}")


@click.command(cls=ExamToolsCommand)
@click.argument("name")
@course_dir_option("nbgrader 课程目录。")
@bank_option
@db_option
@hub_option
def feedback(
    name: str, course_dir: Path, bank_path: Path | None, db_file: Path | None, hub_dir: Path | None
) -> None:
    """为作业 NAME 的每位党员写出成绩反馈页（每题的作答、正确答案和解析），
    放在 COURSE_DIR/feedback/<党员>/NAME/ 下；之后用 `nbgrader release_feedback NAME` 发给党员。
    数据库里有花名册时，反馈页上写党员的姓名。
    """
    from exam_tools.bank.load import load_bank
    from exam_tools.cli.common import bundled
    from exam_tools.course.key import answer_key, key_from_compact
    from exam_tools.course.paper import build_paper
    from exam_tools.errors import PaperError
    from exam_tools.fileio import write_atomic
    from exam_tools.grading.grade import grade_submission, read_assignment_key, submissions
    from exam_tools.reports.feedback import feedback_html

    key = read_assignment_key(course_dir, name)
    bank = load_bank(bundled(bank_path, "question_bank"))
    spec = key.spec
    found = submissions(course_dir, name)
    if not found:
        raise click.UsageError(f"{course_dir}/submitted/ 下没有作业“{name}”的提交")
    from exam_tools.hub.logins import hub_map

    names = roster_names(db_file, [m for m, _f in found], hub_map(hub_dir))
    written = 0
    for member, folder in found:
        result = grade_submission(folder, member, name, key)
        for problem in result.problems:
            click.echo(f"党员 {member}：{problem}")
        paper = build_paper(
            spec.questions, spec.course, spec.assessment, member=member, seed=spec.seed
        )
        try:
            full = answer_key(paper, bank)  # with 解析 and 出处
        except PaperError:
            full = key_from_compact(paper, key.key)  # the bank changed since: answers only
            click.echo(f"党员 {member}：题库已改动，反馈页只列出答案，不含解析")
        target = course_dir / "feedback" / member / name / "exam.html"
        try:
            write_atomic(target, feedback_html(paper, result, full, names.get(member)))
            written += 1
        except OSError as exc:  # one member's folder never stops the others' pages
            click.echo(f"党员 {member}：反馈页没有写出（{exc.strerror or exc}）")
            continue
        # what `nbgrader release_feedback` reads beside the page: the submission's time and secret
        missing = []
        for extra in ("timestamp.txt", "submission_secret.txt"):
            source = folder / extra  # written by the member's nbgrader submit: a link is refused
            if source.is_file() and not source.is_symlink() and source.stat().st_size < 4096:
                write_atomic(target.with_name(extra), source.read_bytes())
            else:
                missing.append(extra)
        if missing:
            click.echo(
                f"党员 {member}：提交里没有 {'、'.join(missing)}（不是经 nbgrader submit 和 collect 收来的），"
                "nbgrader release_feedback 无法发给他，请把反馈页另行转交"
            )
    click.echo(f"已为 {written} 名党员写出反馈页：{course_dir / 'feedback'}")
    click.echo(f"发给党员：cd {course_dir} && nbgrader release_feedback {name}")


@grade.command("import-nbgrader")
@course_dir_option("nbgrader 课程目录（读取其中的 gradebook.db）。")
@click.option("--name", default=None, help="只导入这个作业（默认：数据库里已评分的全部作业）。")
@db_option
@hub_option
def grade_import_nbgrader(
    course_dir: Path, name: str | None, db_file: Path | None, hub_dir: Path | None
) -> None:
    """把老师在 nbgrader（formgrader）里给的人工评分导入数据库：简答题评阅后的总分以它为准。
    在 Hub 上，登录名按 Hub 目录里的 accounts.json 对应到党员编号（与 exam-tools grade 相同）。"""
    from exam_tools.grading.manual import import_gradebook
    from exam_tools.hub.logins import hub_map
    from exam_tools.records.db import db_path, open_db

    gradebook = course_dir / "gradebook.db"
    if not gradebook.exists():
        raise click.UsageError(
            f"找不到 {gradebook}；请先在 nbgrader 里评分（autograde 或 formgrader）"
        )
    report = import_gradebook(open_db(db_file), gradebook, name, hub_map(hub_dir))
    for line in report.problems:
        click.echo(line)
    click.echo(
        f"已导入 {report.updated} 份的人工评分（{report.manual} 份含人工改分），写入 {db_path(db_file)}"
    )
