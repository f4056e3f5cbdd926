"""Command group, error handling and the top-level commands."""

from __future__ import annotations

import difflib
import os
import sys
from typing import Any

import click

from exam_tools import __version__
from exam_tools.errors import ExamToolsError, ProblemReport

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str) -> None:
    """Print a one-line error (in red on a terminal) and exit 1."""
    click.secho(f"错误：{message}", fg="red", err=True)
    sys.exit(1)


def _chinese_help(option: click.Option | None) -> click.Option | None:
    if option is not None:
        option.help = "显示本帮助并退出。"
    return option


class ExamToolsCommand(click.Command):
    """A command whose --help option is described in Chinese."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _chinese_help(super().get_help_option(ctx))


class ExamToolsGroup(click.Group):
    """A group whose commands turn domain and file errors into messages, not tracebacks.

    Sub-commands and sub-groups are created with the same classes, so every level has Chinese
    help options.
    """

    command_class = ExamToolsCommand
    group_class = type  # sub-groups are ExamToolsGroup too

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _chinese_help(super().get_help_option(ctx))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            near = difflib.get_close_matches(name, self.list_commands(ctx), n=2)
            hint = f"；是不是想用 {'、'.join(near)}？" if near else ""
            raise click.UsageError(f"没有命令 {name}{hint}", ctx)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ExamToolsError as exc:
            fail(str(exc))
        except FileNotFoundError as exc:
            fail(f"找不到文件：{exc.filename}")
        except PermissionError as exc:
            fail(f"没有权限读写：{exc.filename}")
        except IsADirectoryError as exc:
            fail(f"这是一个目录，不是文件：{exc.filename}")
        except KeyboardInterrupt:
            fail("已中断")
        except BrokenPipeError:
            # the reader went away (`exam-tools … | head`): stop quietly, as other tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click prints these itself (usage errors, --help, Ctrl-C at a prompt)
        except Exception as exc:
            if os.environ.get("EXAM_TOOLS_DEBUG"):
                raise
            fail(
                f"程序内部错误（{type(exc).__name__}: {exc}）。这是 exam-tools 的缺陷，不是您的错；"
                "请设置 EXAM_TOOLS_DEBUG=1 重新运行，并把完整输出报告给开发者"
            )
        return None


@click.group(cls=ExamToolsGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(
    __version__, "-V", "--version", prog_name="exam-tools", help="显示版本号并退出。"
)
def cli() -> None:
    """exam-tools：基层党员教育培训与考试工具。

    题库（bank）、课程与组卷、测验、阅卷与统计。每个命令都有 --help。
    """


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


def report_check(result: ProblemReport, what: str, *, strict: bool, passed: str) -> None:
    """Print each problem on its line, then a summary; exit 1 on errors (or warnings if strict)."""
    for problem in result.problems:
        click.echo(str(problem))
    n_err, n_warn = len(result.errors), len(result.warnings)
    summary = f"{what}：{n_err} 个错误，{n_warn} 个警告"
    if n_err or (strict and n_warn):
        click.secho(summary, fg="red", err=True)
        raise SystemExit(1)
    click.secho(f"{summary}。{passed}", fg="green", err=True)


def main() -> None:
    try:
        code = cli.main(prog_name="exam-tools", standalone_mode=False)
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


# Sub-command groups register themselves on import.
from exam_tools.cli import bank as _bank  # noqa: E402,F401  # registers `bank` on `cli`
from exam_tools.cli import course as _course  # noqa: E402,F401  # registers `course`, `paper`
from exam_tools.cli import demo as _demo  # noqa: E402,F401  # registers `demo` on `cli`
from exam_tools.cli import grading as _grading  # noqa: E402,F401  # registers `assign`
from exam_tools.cli import hub as _hub  # noqa: E402,F401  # registers `hub` on `cli`
from exam_tools.cli import records as _records  # noqa: E402,F401  # roster, session, record
