"""``exam-tools demo``: the main job of the README.

For now it checks the bundled question bank and prints what it holds; later issues extend it to a
whole county's training year (courses, assignments, grading, records and statistics).
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
def demo(bank_path: Path | None) -> None:
    """演示：检查自带题库并汇总题目。"""
    from exam_tools.bank.load import check_bank
    from exam_tools.bank.stats import bank_stats, format_stats

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
    click.secho("== 接下来可以试试 ==", bold=True)
    for line in (
        f"exam-tools bank check {path}",
        f"exam-tools bank stats {path} --json",
        "exam-tools bank template 题库导入模板.xlsx",
        f"exam-tools bank export {path} --format xlsx --output 题库.xlsx",
        f"exam-tools bank export {path} --format moodle-xml --output 题库.xml",
    ):
        click.echo(f"  {line}")
    if result.errors:
        raise SystemExit(1)
