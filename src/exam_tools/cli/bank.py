"""``exam-tools bank …``: check, count, convert and template the question bank."""

from __future__ import annotations

import json
from pathlib import Path

import click

from exam_tools.bank.formats import READERS, WRITERS
from exam_tools.bank.model import DIFFICULTIES, DOMAINS
from exam_tools.cli.common import ExamToolsGroup, report_check

DEFAULT_BANK = "question_bank"
IMPORT_FORMATS = ("auto", *READERS)
EXPORT_FORMATS = tuple(WRITERS)

bank_path_argument = click.argument(
    "path", required=False, default=DEFAULT_BANK, type=click.Path(path_type=Path)
)


@click.group(cls=ExamToolsGroup)
def bank() -> None:
    """题库：检查、统计、导入、导出、模板。"""


@bank.command()
@bank_path_argument
@click.option("--strict", is_flag=True, help="有警告（如疑似重复题）也按失败处理（退出码 1）。")
@click.option("--no-similar", is_flag=True, help="不检查题干相近的疑似重复题（更快）。")
@click.option(
    "--courses",
    "courses_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="对照这个课程目录检查各考核的抽题范围（默认：题库目录旁的 courses/，如有）。",
)
def check(path: Path, strict: bool, no_similar: bool, courses_dir: Path | None) -> None:
    """检查题库 PATH（默认 question_bank/）。

    每个问题输出一行：文件:行号: 题目编号: 字段: 说明。有错误时退出码为 1。
    题库旁有 courses/ 目录（或用 --courses 指定）时，还列出课程的抽题范围警告：考试每条规则
    可抽的题不到所抽题数的 3 倍，或练习与考试可抽的题重合超过一半（--strict 也不按失败处理）。
    """
    from exam_tools.bank.load import check_bank

    result = check_bank(path, similar=not no_similar)
    what = f"检查了 {len(result.files)} 个文件、{len(result.bank)} 道有效题目"
    advice = []
    if courses_dir is None and path.is_dir() and (path.resolve().parent / "courses").is_dir():
        courses_dir = path.resolve().parent / "courses"
    if courses_dir is not None and not result.errors:
        from exam_tools.course.load import check_courses

        advice = check_courses(courses_dir, result.bank).coverage
    report_check(result, what, strict=strict, passed="题库检查通过。", advice=advice)


@bank.command()
@bank_path_argument
@click.option("--json", "as_json", is_flag=True, help="输出一个 JSON 对象（供脚本使用）。")
def stats(path: Path, as_json: bool) -> None:
    """按领域、题型、难度、实用技术和知识点统计题目数量。"""
    from exam_tools.bank.load import load_bank
    from exam_tools.bank.stats import bank_stats, format_stats

    counts = bank_stats(load_bank(path))
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False, indent=2))
    else:
        click.echo(format_stats(counts))


@bank.command()
def schema() -> None:
    """输出题库文件的 JSON Schema（供编辑器边写边校验）。

    例：exam-tools bank schema > question.schema.json，然后在 YAML 文件第一行写
    # yaml-language-server: $schema=question.schema.json
    """
    from exam_tools.bank.schema import schema_text

    click.echo(schema_text(), nl=False)


@bank.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="写出的题库 YAML 文件。",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(IMPORT_FORMATS),
    default="auto",
    show_default=True,
    help="源文件格式；auto 按扩展名和内容判断。",
)
@click.option(
    "--skip-invalid", is_flag=True, help="跳过有错误的题目，导入其余题目，并列出跳过的题。"
)
@click.option("--id-prefix", help="新编号的前缀（默认取文件名）。源文件自带编号时沿用源编号。")
@click.option(
    "--domain",
    type=click.Choice(DOMAINS),
    help="源文件没写领域时使用。",
)
@click.option("--difficulty", type=click.Choice(DIFFICULTIES), help="源文件没写难度时使用。")
@click.option("--technology", help="源文件没写所属实用技术时使用（如 水稻种植）。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
def import_(
    file: Path,
    output: Path,
    fmt: str,
    skip_invalid: bool,
    id_prefix: str | None,
    domain: str | None,
    difficulty: str | None,
    technology: str | None,
    force: bool,
) -> None:
    """从 Excel 模板、GIFT、Aiken、Moodle XML 或 jupyterquiz JSON 导入题目。

    有任何一题出错就不写文件，并指出工作表、行、列（或行号）和原因；
    加 --skip-invalid 则导入有效的题目并列出跳过的题。重复导入同一文件得到相同的编号。
    """
    from exam_tools.bank.formats import ImportDefaults, import_file, write_bank_file

    if output.exists() and not force:
        raise click.UsageError(f"{output} 已存在；换一个文件名，或加 --force 覆盖")
    defaults = ImportDefaults(
        domain=domain, difficulty=difficulty, technology=technology, id_prefix=id_prefix
    )
    result = import_file(file, fmt, defaults, skip_invalid=skip_invalid)
    for problem in result.warnings:
        click.echo(str(problem))
    for note in result.notes:
        click.echo(f"说明：{note.message}")
    for sheet, n, counts in result.per_sheet():
        kinds = "、".join(f"{label}{k} 道" for label, k in counts.items())
        click.echo(f"工作表“{sheet}”：导入 {n} 道（{kinds}）")
    for problem in result.skipped:
        click.echo(f"已跳过：{problem}")
    write_bank_file(output, result.questions, header=f"从 {file.name} 导入")
    click.secho(
        f"已导入 {len(result.questions)} 道题到 {output}"
        + (f"，跳过 {result.skipped_count} 道" if result.skipped_count else ""),
        fg="green",
        err=True,
    )
    incomplete = result.incomplete_ids
    if incomplete:
        click.secho(
            f"其中 {len(incomplete)} 道题缺少解析或出处，"
            f"请补写后运行 exam-tools bank check {output}",
            fg="yellow",
            err=True,
        )


@bank.command()
@bank_path_argument
@click.option(
    "-f", "--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True, help="导出格式。"
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出文件。",
)
@click.option("--skip-unsupported", is_flag=True, help="跳过该格式无法表达的题目（会逐题列出）。")
def export(path: Path, fmt: str, output: Path, skip_unsupported: bool) -> None:
    """把题库导出为 Excel 模板、GIFT、Aiken、Moodle XML 或 QTI 3.0 题包。

    格式无法表达的题目（如 Aiken 只有单选题）会逐题报告；默认不写文件，
    加 --skip-unsupported 则导出其余题目。
    """
    from exam_tools.bank.formats import export_file
    from exam_tools.bank.load import load_bank

    questions = list(load_bank(path))
    report = export_file(questions, fmt, output, skip_unsupported=skip_unsupported)
    for problem in report.skipped:
        click.echo(f"已跳过：{problem}")
    click.secho(
        f"已导出 {report.written} 道题到 {output}"
        + (f"，跳过 {len(report.skipped)} 道该格式无法表达的题" if report.skipped else ""),
        fg="green",
        err=True,
    )


@bank.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="文件已存在时覆盖它。")
def template(file: Path, force: bool) -> None:
    """写出一个空的 Excel 导入模板：每种题型一行示例，第二个工作表逐列说明。"""
    from exam_tools.bank.formats.xlsx import write_template

    if file.exists() and not force:
        raise click.UsageError(f"{file} 已存在；换一个文件名，或加 --force 覆盖")
    write_template(file)
    click.secho(f"已写出导入模板：{file}", fg="green", err=True)
