"""``exam-tools assign``: nbgrader assignments from a course's assessment."""

from __future__ import annotations

from pathlib import Path

import click

from exam_tools.cli.course import bank_option, courses_option, db_option
from exam_tools.cli.main import ExamToolsGroup, cli


@cli.command()
@click.argument("course_id", metavar="COURSE")
@click.argument("assessment_id", metavar="ASSESSMENT")
@click.option(
    "--course-dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="nbgrader 课程目录（其中的 source/ 下写出作业）。",
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
@bank_option
@courses_option
def assign(
    course_id: str,
    assessment_id: str,
    course_dir: Path,
    name: str | None,
    seed: int,
    multiple: str,
    force: bool,
    bank_path: Path | None,
    courses_dir: Path | None,
) -> None:
    """为课程 COURSE 的考核 ASSESSMENT 生成 nbgrader 作业（写到 COURSE_DIR/source/NAME/）。

    笔记本里是答题界面；评分格里的答案是隐藏测试，`nbgrader generate_assignment` 发布时会去掉它，
    党员拿到的作业里没有答案。要求“每人一卷”时，每人打开作业时按自己的编号抽出自己的试卷。
    """
    from exam_tools.bank.load import load_bank
    from exam_tools.cli.course import bundled
    from exam_tools.course.key import MultipleRule
    from exam_tools.course.load import load_course
    from exam_tools.grading.assign import source_assignment, write_assignment

    bank = load_bank(bundled(bank_path, "question_bank"))
    c = load_course(course_id, bundled(courses_dir, "courses"))
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
    click.echo(f"下一步：cd {course_dir} && nbgrader generate_assignment {name}")


class GradeGroup(ExamToolsGroup):
    """``exam-tools grade NAME …`` grades; ``exam-tools grade import-nbgrader …`` imports."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=GradeGroup)
def grade() -> None:
    """评分：exam-tools grade NAME --course-dir DIR 按保存的作答评分；
    exam-tools grade import-nbgrader --course-dir DIR 导入 nbgrader 里的人工评分。"""


@grade.command("run", hidden=True)
@click.argument("name")
@click.option(
    "--course-dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="nbgrader 课程目录（读取 submitted/<党员>/NAME/）。",
)
@db_option
def grade_run(name: str, course_dir: Path, db_file: Path | None) -> None:
    """按保存的作答给作业 NAME 评分（不运行任何笔记本），结果写入数据库。

    缺少、空白、损坏或被改动的作答记录按实际内容评分（没有就算未作答），并逐人列出；
    一人出问题不影响其他人。重复运行结果不变。简答题给出关键词建议分，待人工评阅。
    """
    from exam_tools.grading.grade import grade_submission, read_assignment_key, submission_members
    from exam_tools.grading.store import recording
    from exam_tools.records.db import connect, db_path

    key = read_assignment_key(course_dir, name)
    base, found = submission_members(course_dir, name)  # names only: memory flat in their number
    if not found:
        raise click.UsageError(f"{course_dir}/submitted/ 下没有作业“{name}”的提交")
    db = connect(db_file)
    problems: list[str] = []  # results are written as they come, not kept
    n = passed = manual = 0
    total = 0.0
    with (
        click.progressbar(found, label="评分", file=click.get_text_stream("stderr")) as bar,
        recording(db) as write,
    ):
        for member in bar:
            result = grade_submission(base / member / name, member, name, key)
            write(result)
            problems.extend(f"党员 {member}：{problem}" for problem in result.problems)
            n, total = n + 1, total + result.score
            passed += result.passed
            manual += result.manual_pending
    for line in problems:
        click.echo(line)
    mean = total / n
    click.echo(
        f"作业 {name}：{n} 份提交，平均 {mean:.1f} / {key.total_points:g} 分，"
        f"合格 {passed} 人（{100 * passed / n:.1f}%）"
        + (f"；{manual} 道简答题待人工评阅" if manual else "")
    )
    click.echo(f"结果已写入 {db_path(db_file)}")


@cli.group()
def stats() -> None:
    """统计：试题分析。"""


@stats.command("items")
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
def stats_items(
    name: str, db_file: Path | None, output: Path | None, bank_path: Path | None
) -> None:
    """作业 NAME 的试题分析：每题的难度、区分度（高低分组 27% 与点二列相关）、选项选择人数，
    以及整卷的平均分、标准差和 α 系数；难度高于 0.95 或低于 0.2、区分度低于 0.2、无人选择的干扰项会标出。
    """
    import json

    from exam_tools.bank.load import load_bank
    from exam_tools.cli.course import bundled
    from exam_tools.fileio import write_atomic
    from exam_tools.grading.itemstats import Row, flag_unchosen, item_statistics
    from exam_tools.records.db import db_path, open_db
    from exam_tools.reports.items import items_text, items_workbook

    if not db_path(db_file).exists():
        raise click.UsageError(f"找不到数据库 {db_path(db_file)}；请先运行 exam-tools grade")
    db = open_db(db_file)
    query = (
        "select a.member, r.qid, r.type, r.score, r.points, r.response, r.shown "
        "from results r join attempts a on a.id = r.attempt_id where a.assignment = ?"
    )
    rows = [
        Row(m, qid, t, score, points, json.loads(resp), tuple(int(i) for i in json.loads(shown)))
        for m, qid, t, score, points, resp, shown in db.execute(query, [name]).fetchall()
    ]
    if not rows:
        raise click.UsageError(f"数据库里没有作业“{name}”的成绩；请先运行 exam-tools grade {name}")
    items, paper = item_statistics(rows)
    bank = load_bank(bundled(bank_path, "question_bank"))
    flag_unchosen(items, {s.qid: set(bank[s.qid].correct_letters) for s in items if s.qid in bank})
    click.echo(items_text(name, items, paper))
    if output is not None:
        write_atomic(output, items_workbook(name, items, paper))
        click.echo(f"已写出 {output}")


@cli.command()
@click.argument("name")
@click.option(
    "--course-dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="nbgrader 课程目录。",
)
@bank_option
def feedback(name: str, course_dir: Path, bank_path: Path | None) -> None:
    """为作业 NAME 的每位党员写出成绩反馈页（每题的作答、正确答案和解析），
    放在 COURSE_DIR/feedback/<党员>/NAME/ 下；之后用 `nbgrader release_feedback NAME` 发给党员。
    """
    from exam_tools.bank.load import load_bank
    from exam_tools.cli.course import bundled
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
            write_atomic(target, feedback_html(paper, result, full))
            written += 1
        except OSError as exc:  # one member's folder never stops the others' pages
            click.echo(f"党员 {member}：反馈页没有写出（{exc.strerror or exc}）")
    click.echo(f"已为 {written} 名党员写出反馈页：{course_dir / 'feedback'}")
    click.echo(f"发给党员：cd {course_dir} && nbgrader release_feedback {name}")


@grade.command("import-nbgrader")
@click.option(
    "--course-dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="nbgrader 课程目录（读取其中的 gradebook.db）。",
)
@click.option("--name", default=None, help="只导入这个作业（默认：数据库里已评分的全部作业）。")
@db_option
def grade_import_nbgrader(course_dir: Path, name: str | None, db_file: Path | None) -> None:
    """把老师在 nbgrader（formgrader）里给的人工评分导入数据库：简答题评阅后的总分以它为准。"""
    from exam_tools.grading.manual import import_gradebook
    from exam_tools.records.db import db_path, open_db

    gradebook = course_dir / "gradebook.db"
    if not gradebook.exists():
        raise click.UsageError(
            f"找不到 {gradebook}；请先在 nbgrader 里评分（autograde 或 formgrader）"
        )
    report = import_gradebook(open_db(db_file), gradebook, name)
    for line in report.problems:
        click.echo(line)
    click.echo(
        f"已导入 {report.updated} 份的人工评分（{report.manual} 份含人工改分），写入 {db_path(db_file)}"
    )
