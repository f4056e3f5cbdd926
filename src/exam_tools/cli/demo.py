"""``exam-tools demo``: the main job of the README — a synthetic county's training year."""

from __future__ import annotations

from pathlib import Path

import click

from exam_tools.cli.common import DB_META, ExamToolsCommand
from exam_tools.paths import find_bundled


@click.command(cls=ExamToolsCommand)
@click.option(
    "--dir",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo"),
    show_default=True,
    help="演示数据和导出文件写到这个目录（其中的 exam_tools.db 每次重建）。",
)
@click.option(
    "--scale",
    type=click.Choice(["small", "city"]),
    default="small",
    show_default=True,
    help="small：3 个乡镇、约 360 名党员（1 分钟内）；city：20 个乡镇、281 个村、约 1.2 万名党员。",
)
@click.option(
    "--bank",
    "bank_path",
    type=click.Path(path_type=Path),
    default=None,
    help="题库目录（默认使用自带的 question_bank/）。",
)
def demo(out_dir: Path, scale: str, bank_path: Path | None) -> None:
    """演示：从零生成一个县的党员教育培训年度——组织、花名册、培训签到、nbgrader 认证考试与评分，
    并导出档案和统计。人员都是程序生成的，不是真实人员。"""
    from exam_tools.bank.load import check_bank
    from exam_tools.course.load import check_courses
    from exam_tools.demo import run_demo

    click.get_current_context().meta[DB_META] = out_dir / "exam_tools.db"  # for error messages
    path = bank_path or find_bundled("question_bank")
    result = check_bank(path, similar=False)
    if result.errors:
        for problem in result.errors:
            click.echo(str(problem))
        raise SystemExit(1)
    courses = check_courses(find_bundled("courses"), result.bank)
    if courses.errors:
        for problem in courses.errors:
            click.echo(str(problem))
        raise SystemExit(1)
    click.secho(
        f"== 题库 {len(result.bank)} 题，课程 {len(courses.courses)} 门；生成演示县（{scale}）到 {out_dir} ==",
        bold=True,
    )
    summary = run_demo(out_dir, scale, result.bank, courses.courses, click.echo)
    db = summary["db"]
    click.secho(f"== 完成，用时 {summary['seconds']:.1f} 秒 ==", bold=True)
    click.echo(f"  数据库：{db}    统计：{summary['stats']}    图：{out_dir / '统计.png'}")
    click.secho("== 接下来可以试试 ==", bold=True)
    for line in (
        f"exam-tools record {summary['example_member']} --db {db}",
        f"exam-tools stats org --level 村 --db {db} --output 村统计.xlsx",
        f"exam-tools stats items shuidao-cert --db {db}",
        "exam-tools roster template 花名册模板.xlsx",
        "exam-tools course list",
        "jupyter lab notebooks/member/练习.ipynb      # 党员练习（核对答案、错题本）",
    ):
        click.echo(f"  {line}")
