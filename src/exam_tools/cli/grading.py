"""``exam-tools assign``: nbgrader assignments from a course's assessment."""

from __future__ import annotations

from pathlib import Path

import click

from exam_tools.cli.course import bank_option, courses_option
from exam_tools.cli.main import cli


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
@click.option("--force", is_flag=True, help="覆盖已有的同名作业源文件。")
@bank_option
@courses_option
def assign(
    course_id: str,
    assessment_id: str,
    course_dir: Path,
    name: str | None,
    seed: int,
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
    from exam_tools.course.load import load_course
    from exam_tools.fileio import write_atomic
    from exam_tools.grading.assign import source_assignment

    bank = load_bank(bundled(bank_path, "question_bank"))
    c = load_course(course_id, bundled(courses_dir, "courses"))
    a = c.assessment(assessment_id)
    name = name or a.id
    target = course_dir / "source" / name
    if target.exists() and any(target.iterdir()) and not force:
        raise click.UsageError(f"{target} 已存在；要覆盖请加 --force")
    result = source_assignment(bank, c, a, seed=seed)
    for filename, text in result.files.items():
        write_atomic(target / filename, text)
    config = course_dir / "nbgrader_config.py"
    if not config.exists():
        write_atomic(config, NBGRADER_CONFIG)
    click.echo(
        f"已生成作业 {target}：{a.title}，{result.questions} 题，满分 {result.total_points:g} 分"
    )
    click.echo(f"下一步：cd {course_dir} && nbgrader generate_assignment {name}")


NBGRADER_CONFIG = """\
# nbgrader configuration written by `exam-tools assign`.
c = get_config()  # noqa: F821  # provided by nbgrader when it reads this file
c.CourseDirectory.root = "."
# exam-tools notebooks show a widget quiz; there are no solution cells to check.
c.ClearSolutions.enforce_metadata = False
"""
