"""What every command module shares: the Chinese-speaking group and command classes, the error
handling, and the options several commands take (--bank, --courses, --db).

Command modules import from here, never from :mod:`exam_tools.cli.main`, which imports them.
"""

from __future__ import annotations

import difflib
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from exam_tools.errors import ExamToolsError, Problem, ProblemReport

DB_META = "exam_tools.db"  # ctx.meta key: the database file the command uses, for error messages
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str) -> NoReturn:
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
        except sqlite3.Error as exc:
            path = ctx.meta.get(DB_META)
            if path is None:  # not the command's database: a defect
                internal_error(exc)
            from exam_tools.records.db import database_error

            fail(str(database_error(exc, path)))
        except KeyboardInterrupt:
            fail("已中断")
        except BrokenPipeError:
            # the reader went away (`exam-tools … | head`): stop quietly, as other tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click prints these itself (usage errors, --help, Ctrl-C at a prompt)
        except Exception as exc:
            internal_error(exc)


def internal_error(exc: Exception) -> NoReturn:
    """A defect: say so in one line (or re-raise it with EXAM_TOOLS_DEBUG set)."""
    if os.environ.get("EXAM_TOOLS_DEBUG"):
        raise exc
    fail(
        f"程序内部错误（{type(exc).__name__}: {exc}）。这是 exam-tools 的缺陷，不是您的错；"
        "请设置 EXAM_TOOLS_DEBUG=1 重新运行，并把完整输出报告给开发者"
    )


def report_check(
    result: ProblemReport,
    what: str,
    *,
    strict: bool,
    passed: str,
    advice: Sequence[Problem] = (),
) -> None:
    """Print each problem on its line, then a summary; exit 1 on errors (or warnings if strict).

    ``advice`` (warnings such as a course's pool being thin) is listed after the problems and
    counted apart: it never fails the check, not even with ``--strict``.
    """
    for problem in result.problems:
        click.echo(str(problem))
    for problem in advice:
        click.echo(str(problem))
    n_err, n_warn = len(result.errors), len(result.warnings)
    summary = f"{what}：{n_err} 个错误，{n_warn} 个警告"
    if advice:
        summary += f"；另有 {len(advice)} 个抽题范围警告（题库不够深，补题后消失；不按失败处理）"
    if n_err or (strict and n_warn):
        click.secho(summary, fg="red", err=True)
        raise SystemExit(1)
    click.secho(f"{summary}。{passed}", fg="green", err=True)


bank_option = click.option(
    "--bank",
    "bank_path",
    type=click.Path(path_type=Path),
    default=None,
    help="题库目录（默认 question_bank/）。",
)
courses_option = click.option(
    "--courses",
    "courses_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="课程目录（默认 courses/）。",
)


hub_option = click.option(
    "--hub",
    "hub_dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="EXAM_TOOLS_HUB",
    default=None,
    help="在 Hub 服务器上：exam-tools hub init 的目录（默认 $EXAM_TOOLS_HUB）。题库和课程按其中 "
    "config.yaml 的 content 一节；登录名与党员编号按其中只有 root 能写的 accounts.json（不给时看 "
    "/srv/exam-tools-hub，没有这个文件时登录名就是党员编号）。",
)


def content(path: Path | None, name: str, hub_dir: Path | None) -> Path:
    """``--bank``/``--courses`` if given; else, with ``--hub``, the hub's config.yaml
    (``content.question_bank``/``content.courses``); else the bundled folder ``name``."""
    if path is not None or hub_dir is None:
        return bundled(path, name)
    from exam_tools.hub.config import content_dir, read_config

    return content_dir(read_config(hub_dir.resolve()), name)


def course_dir_option(
    help: str, *, required: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--course-dir DIR``: the nbgrader course folder; ``help`` says what the command does there."""
    return click.option(
        "--course-dir",
        type=click.Path(path_type=Path, file_okay=False),
        metavar="DIR",
        required=required,
        help=help,
    )


def remember_db(ctx: click.Context, _param: click.Parameter, path: Path | None) -> Path | None:
    """Note the database file the command uses, so a SQLite error can name it."""
    from exam_tools.records.db import db_path

    ctx.meta[DB_META] = db_path(path)
    return path


db_option = click.option(
    "--db",
    "db_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    callback=remember_db,
    help="数据库文件（默认 $EXAM_TOOLS_DB 或 exam_tools.db）。",
)


def write_new(file: Path, data: bytes | str, force: bool, what: str) -> None:
    """Write ``file`` unless it exists (then ``--force`` is needed), and say so."""
    from exam_tools.fileio import write_atomic

    if file.exists() and not force:
        raise click.UsageError(f"{file} 已存在；要覆盖请加 --force")
    write_atomic(file, data)
    click.echo(f"已写出{what} {file}")


def bundled(path: Path | None, name: str) -> Path:
    """``path`` if given, else the bundled folder ``name`` (question_bank, courses)."""
    from exam_tools.paths import find_bundled

    return path if path is not None else find_bundled(name)
