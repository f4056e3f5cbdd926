"""The ``exam-tools`` group: puts together the commands each ``cli`` module defines.

Command modules never import this one (it imports them), so there is no import circle.
"""

from __future__ import annotations

import sys

import click

from exam_tools import __version__
from exam_tools.cli import bank, contest, course, demo, grading, hub, records, service
from exam_tools.cli.common import CONTEXT_SETTINGS, ExamToolsGroup


@click.group(cls=ExamToolsGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(
    __version__, "-V", "--version", prog_name="exam-tools", help="显示版本号并退出。"
)
def cli() -> None:
    """exam-tools：基层党员教育培训与考试工具。

    题库（bank）、课程与组卷、测验、阅卷与统计。每个命令都有 --help。
    """


@click.group(cls=ExamToolsGroup)
def stats() -> None:
    """统计：items 是一次作业的试题分析（难度、区分度、选项选择人数、α 系数）；
    org 是按党组织（乡镇、村、支部……）统计参训率、学时达标率、合格率和实用技术掌握率。"""


stats.add_command(grading.stats_items)
stats.add_command(records.stats_org)
service.exam.add_command(contest.contest)  # exam-tools exam contest …

for _command in (
    bank.bank,
    course.course,
    course.paper,
    grading.assign,
    grading.grade,
    grading.feedback,
    stats,
    records.roster,
    records.session,
    records.attendance,
    records.record,
    records.plan_cmd,
    demo.demo,
    hub.hub,
    service.exam,
):
    cli.add_command(_command)


def usage_message(exc: click.UsageError) -> str:
    """Click's usage errors in Chinese (click itself only speaks English)."""
    param = getattr(exc, "param", None)
    hint = exc.param_hint if isinstance(exc, click.BadParameter) else None
    if param is not None and exc.ctx is not None:
        hint = param.get_error_hint(exc.ctx)
    if isinstance(exc, click.MissingParameter):
        return f"缺少 {hint}"
    if isinstance(exc, click.NoSuchOption):
        near = f"；是不是想用 {'、'.join(exc.possibilities)}？" if exc.possibilities else ""
        return f"没有选项 {exc.option_name}{near}"
    if isinstance(exc, click.BadParameter):
        if param is not None and isinstance(param.type, click.Choice):
            choices = "、".join(str(c) for c in param.type.choices)
            return f"{hint} 的值无效，可选：{choices}"
        return f"{hint} 的值无效：{exc.message}"
    return exc.format_message()


#: Raised by click 8.2+ for a group run without a command (8.1 printed the help itself).
NO_ARGS_IS_HELP: type[click.UsageError] | tuple[()] = getattr(
    click.exceptions, "NoArgsIsHelpError", ()
)


def main() -> None:
    try:
        code = cli.main(prog_name="exam-tools", standalone_mode=False)
    except NO_ARGS_IS_HELP as exc:  # `exam-tools bank`: its help, not an error
        click.echo(exc.format_message())
        sys.exit(0)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "exam-tools"
        click.secho(f"错误：{usage_message(exc)}", fg="red", err=True)
        click.echo(f"运行 {command} --help 查看用法。", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.secho(f"错误：{exc.format_message()}", fg="red", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.secho("已中断", fg="red", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
