"""``exam-tools demo``: the main job of the README.

It checks the bundled question bank and courses, builds two members' variants of a certification
exam and shows they differ while holding no key; later issues extend it to a whole county's training
year (assignments, grading, records and statistics).
"""

from __future__ import annotations

from pathlib import Path

import click

from exam_tools.cli.main import cli
from exam_tools.paths import find_bundled


@cli.command()
@click.option(
    "--bank",
    "bank_path",
    type=click.Path(path_type=Path),
    default=None,
    help="题库目录（默认使用自带的 question_bank/）。",
)
@click.option(
    "--dir",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo"),
    show_default=True,
    help="演示生成的试卷写到这个目录。",
)
def demo(bank_path: Path | None, out_dir: Path) -> None:
    """演示：检查自带题库和课程，为两名党员各组一份认证考试试卷。"""
    from exam_tools.bank.load import check_bank
    from exam_tools.bank.stats import bank_stats, format_stats
    from exam_tools.course.load import check_courses
    from exam_tools.course.paper import build_paper
    from exam_tools.fileio import write_atomic

    path = bank_path or find_bundled("question_bank")
    click.secho(f"== 检查题库 {path} ==", bold=True)
    result = check_bank(path)
    for problem in result.problems:
        click.echo(str(problem))
    click.echo(
        f"{len(result.files)} 个文件，{len(result.bank)} 道有效题目，"
        f"{len(result.errors)} 个错误，{len(result.warnings)} 个警告"
    )
    click.secho("== 题库概况 ==", bold=True)
    click.echo(format_stats(bank_stats(result.bank)))

    courses_dir = find_bundled("courses")
    click.secho(f"== 课程 {courses_dir} ==", bold=True)
    courses = check_courses(courses_dir, result.bank)
    for problem in courses.problems:
        click.echo(str(problem))
    for c in courses.courses:
        tech = f"，认证：{c.technology}" if c.technology else ""
        click.echo(f"  {c.id:<14}{c.title}（{c.category}，{c.hours:g} 学时{tech}）")

    techs = [c for c in courses.courses if c.technology]
    rice = next((c for c in techs if c.id == "shuidao"), techs[0] if techs else None)
    if rice is not None and rice.certification is not None:
        cert = rice.assessment(rice.certification.assessment)
        click.secho(f"== 组卷：{cert.title}（每人一卷） ==", bold=True)
        for member in ("demo-001", "demo-002"):
            paper = build_paper(result.bank, rice, cert, member=member)
            target = out_dir / f"{cert.id}-{member}.json"
            write_atomic(target, paper.to_json())
            ids = "、".join(i.qid for i in paper.items[:5])
            click.echo(f"  {member}：{target}（{len(paper)} 题，前 5 题 {ids}……，不含答案）")

    click.secho("== 接下来可以试试 ==", bold=True)
    for line in (
        "exam-tools course list",
        "exam-tools paper build shuidao cert --member m001 --output 试卷.json",
        "jupyter lab notebooks/member/练习.ipynb      # 党员练习（核对答案、错题本）",
        f"exam-tools bank check {path}",
        "exam-tools bank template 题库导入模板.xlsx",
        f"exam-tools bank export {path} --format xlsx --output 题库.xlsx",
    ):
        click.echo(f"  {line}")
    if result.errors or courses.errors:
        raise SystemExit(1)
