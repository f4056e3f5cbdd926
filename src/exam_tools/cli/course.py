"""``exam-tools course …`` and ``exam-tools paper …``: check courses, build papers (组卷)."""

from __future__ import annotations

from pathlib import Path

import click

from exam_tools.cli.common import (
    ExamToolsGroup,
    bank_option,
    bundled,
    courses_option,
    report_check,
)


@click.group(cls=ExamToolsGroup)
def course() -> None:
    """课程：检查课程与考核、列出课程。"""


@course.command("check")
@click.argument("courses_dir", required=False, type=click.Path(path_type=Path))
@bank_option
@click.option("--strict", is_flag=True, help="有警告也按失败处理（退出码 1）。")
def course_check(courses_dir: Path | None, bank_path: Path | None, strict: bool) -> None:
    """检查 COURSES_DIR（默认 courses/）下每门课程的 course.yaml。

    检查课件笔记本是否存在、学时是否为正数、类别与党员类别是否有效，并对照题库检查技术、知识点，
    以及每条抽题规则题库能否满足。每个问题一行：文件:行号: 位置: 字段: 说明。
    考试每条规则可抽的题不到所抽题数的 3 倍、练习与考试可抽的题重合超过一半时给出抽题范围警告
    （--strict 也不按失败处理）。
    """
    from exam_tools.bank.load import load_bank
    from exam_tools.course.load import check_courses

    folder = bundled(courses_dir, "courses")
    result = check_courses(folder, load_bank(bundled(bank_path, "question_bank")))
    hours = sum(c.hours for c in result.courses)
    what = f"检查了 {folder} 下的课程：{len(result.courses)} 门有效，共 {hours:g} 学时"
    report_check(result, what, strict=strict, passed="课程检查通过。", advice=result.coverage)


@course.command("list")
@click.argument("courses_dir", required=False, type=click.Path(path_type=Path))
def course_list(courses_dir: Path | None) -> None:
    """列出课程：编号、名称、类别、学时、适合的党员类别和考核。"""
    from exam_tools.course.load import check_courses

    result = check_courses(bundled(courses_dir, "courses"), None)
    for c in result.courses:
        tech = f"，认证技术：{c.technology}" if c.technology else ""
        click.secho(f"{c.id}  {c.title}（{c.category}，{c.hours:g} 学时{tech}）", bold=True)
        if c.audience:
            click.echo(f"    适合：{'、'.join(c.audience)}")
        for a in c.assessments:
            limit = f"，限时 {a.time_limit} 分钟" if a.time_limit else ""
            click.echo(f"    考核 {a.id}：{a.title}（{a.mode.label}，{a.size} 题{limit}）")
    if result.errors:
        click.secho(
            f"有 {len(result.errors)} 个错误，请运行 exam-tools course check", fg="red", err=True
        )
        raise SystemExit(1)


@click.group(cls=ExamToolsGroup)
def paper() -> None:
    """试卷：按考核的抽题规则组卷。"""


@paper.command("build")
@click.argument("course_id", metavar="COURSE")
@click.argument("assessment_id", metavar="ASSESSMENT")
@click.option("--member", default=None, help="党员编号；考核要求“每人一卷”时按编号抽出各自的试卷。")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="随机种子；同样的种子组出同样的卷。"
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="试卷文件（JSON，发给党员，不含答案）。",
)
@click.option(
    "--key",
    "key_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="另存答案文件（仅供老师，切勿与试卷放在一起发给党员）。",
)
@bank_option
@courses_option
def paper_build(
    course_id: str,
    assessment_id: str,
    member: str | None,
    seed: int,
    output: Path,
    key_path: Path | None,
    bank_path: Path | None,
    courses_dir: Path | None,
) -> None:
    """为课程 COURSE 的考核 ASSESSMENT 组卷，写到 --output。

    同一考核、党员和种子总是得到同一份试卷。试卷不含答案；评分时由题库还原答案。
    """
    from exam_tools.bank.load import load_bank
    from exam_tools.course.key import answer_key
    from exam_tools.course.load import load_course
    from exam_tools.course.paper import build_paper
    from exam_tools.fileio import write_atomic

    bank = load_bank(bundled(bank_path, "question_bank"))
    c = load_course(course_id, bundled(courses_dir, "courses"))
    result = build_paper(bank, c, c.assessment(assessment_id), member=member, seed=seed)
    if key_path is not None and key_path.resolve().parent == output.resolve().parent:
        raise click.UsageError("答案文件不能和试卷放在同一个文件夹里（党员会看到它）")
    write_atomic(output, result.to_json())
    click.echo(
        f"已写出试卷 {output}：{result.title}，{len(result)} 题，满分 {result.total_points:g} 分"
        + (f"，党员 {member}" if member else "")
    )
    if key_path is not None:
        import json

        key = answer_key(result, bank)
        text = json.dumps(key.to_dict(), ensure_ascii=False, indent=1) + "\n"
        write_atomic(key_path, text, private=True)  # the answers: the instructor's eyes only
        click.echo(f"已写出答案 {key_path}（仅供老师）")
