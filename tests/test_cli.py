"""The `exam-tools` command as an instructor uses it: exit codes, messages, files written or not."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from exam_tools.cli import cli

from .conftest import DATA, ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a subprocess, as a user's shell runs it."""
    return subprocess.run(
        [sys.executable, "-m", "exam_tools", *args], capture_output=True, text=True, check=False
    )


def test_check_passes_on_the_shipped_bank() -> None:
    result = run("bank", "check", str(ROOT / "question_bank"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 个错误" in result.stderr and "题库检查通过" in result.stderr


def test_check_fails_on_a_broken_bank_with_one_line_per_problem(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    shutil.copy(DATA / "sample_bank.yaml", bank / "a.yaml")
    broken = (DATA / "sample_bank.yaml").read_text("utf-8")
    broken = broken.replace("answer: B\n", "answer: F\n", 1).replace(
        "explanation: 党章第七条规定，党员的党龄", "explanaton: 党章第七条规定，党员的党龄"
    )
    (bank / "b.yaml").write_text(broken, "utf-8")
    result = run("bank", "check", str(bank))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    b = str(bank / "b.yaml")
    assert f"{b}:17: s-multiple: id: 编号重复：{bank / 'a.yaml'}:17 已经使用了这个编号" in lines
    assert f"{b}:14: s-single: answer: 答案“F”不对应任何选项（本题选项为 A、B、C、D）" in lines
    assert any(
        line.startswith(f"{b}:42: s-judge: explanaton: 未知字段“explanaton”") for line in lines
    )
    assert all(re.match(r"^.+:\d+: \S+: \S+: .+$", line) for line in lines), lines
    assert "Traceback" not in result.stderr


def test_check_strict_fails_on_warnings(tmp_path: Path) -> None:
    text = (DATA / "sample_bank.yaml").read_text("utf-8")
    twin = text.split("\n\n")[0].replace("s-single", "s-twin").replace("预备期为", "预备期是")
    (tmp_path / "a.yaml").write_text(text + "\n" + twin + "\n", "utf-8")
    assert run("bank", "check", str(tmp_path)).returncode == 0
    strict = run("bank", "check", "--strict", str(tmp_path))
    assert strict.returncode == 1 and "几乎相同" in strict.stdout


def test_stats_json_has_the_documented_keys() -> None:
    result = run("bank", "stats", str(DATA / "sample_bank.yaml"), "--json")
    stats = json.loads(result.stdout)
    assert {"total", "by_domain", "by_type", "by_difficulty", "by_technology"} <= stats.keys()
    assert stats["total"] == 7
    assert stats["by_type"] == {"single": 2, "multiple": 1, "judge": 1, "fill": 2, "short": 1}
    assert stats["by_technology"] == {"水稻种植": 1}


def test_stats_text_is_chinese() -> None:
    result = run("bank", "stats", str(DATA / "sample_bank.yaml"))
    assert "题目总数：7" in result.stdout and "按题型：单选 2" in result.stdout


def test_schema_is_printed_as_json() -> None:
    schema = json.loads(run("bank", "schema").stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")


def test_import_writes_nothing_when_a_row_is_invalid(tmp_path: Path) -> None:
    gift = tmp_path / "q.gift"
    gift.write_text("::a:: 预备期为一年。{T}\n\n::b:: 配对 { =a -> b =c -> d }\n", "utf-8")
    out = tmp_path / "out.yaml"
    result = run("bank", "import", str(gift), "-o", str(out), "--domain", "实用技术",
                 "--technology", "水稻种植", "--difficulty", "简单")  # fmt: skip
    assert result.returncode == 1
    assert not out.exists()
    assert f"{gift.name}:3: -: -: GIFT 格式错误：配对题（->）不支持" in result.stderr
    assert "Traceback" not in result.stderr
    again = run("bank", "import", str(gift), "-o", str(out), "--domain", "实用技术",
                "--technology", "水稻种植", "--difficulty", "简单", "--skip-invalid")  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "已跳过" in again.stdout and "已导入 1 道题" in again.stderr
    assert "缺少解析" in again.stderr  # GIFT gave no 解析: says what to complete


def test_import_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    out.write_text("# my work\n", "utf-8")
    result = run(
        "bank", "import", str(DATA / "wps_style.xlsx"), "-o", str(out), "--domain", "党章党规"
    )
    assert result.returncode != 0 and "--force" in result.stderr
    assert out.read_text("utf-8") == "# my work\n"


def test_excel_import_then_check_then_export_roundtrip(tmp_path: Path) -> None:
    out = tmp_path / "bank" / "wps.yaml"
    assert (
        run(
            "bank", "import", str(DATA / "wps_style.xlsx"), "-o", str(out), "--domain", "党章党规"
        ).returncode
        == 0
    )
    assert run("bank", "check", str(out)).returncode == 0
    xlsx = tmp_path / "export.xlsx"
    assert run("bank", "export", str(out), "--format", "xlsx", "-o", str(xlsx)).returncode == 0
    back = tmp_path / "back.yaml"
    assert run("bank", "import", str(xlsx), "-o", str(back)).returncode == 0
    assert back.read_text("utf-8").split("\n", 1)[1] == out.read_text("utf-8").split("\n", 1)[1]


def test_export_reports_questions_the_format_cannot_express(tmp_path: Path) -> None:
    out = tmp_path / "q.txt"
    result = run(
        "bank", "export", str(DATA / "sample_bank.yaml"), "--format", "aiken", "-o", str(out)
    )
    assert result.returncode == 1 and not out.exists()
    assert "Aiken 格式无法表达 5 道题" in result.stderr and "s-judge" in result.stderr
    ok = run(
        "bank",
        "export",
        str(DATA / "sample_bank.yaml"),
        "--format",
        "aiken",
        "-o",
        str(out),
        "--skip-unsupported",
    )
    assert ok.returncode == 0 and out.exists() and "跳过 5 道" in ok.stderr


def test_template_command(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    assert run("bank", "template", str(path)).returncode == 0
    assert path.stat().st_size > 0
    assert run("bank", "import", str(path), "-o", str(tmp_path / "t.yaml")).returncode == 0


def test_missing_bank_is_a_one_line_error(tmp_path: Path) -> None:
    result = run("bank", "check", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"错误：找不到题库：{tmp_path / 'nope'}（应为题库目录或 .yaml 文件）"
    )


def test_demo_builds_a_county_year_through_the_real_pipeline(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "exam_tools", "demo", "--dir", str(out)],
                            capture_output=True, text=True, cwd=tmp_path, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "接下来可以试试" in result.stdout and "还差" in result.stdout
    for name in ("exam_tools.db", "花名册.xlsx", "统计.xlsx", "统计.png", "统计-按村.csv"):
        assert (out / name).is_file(), name
    assert sorted(p.name for p in (out / "nbgrader" / "release").iterdir()) == [
        "shengzhu-cert",
        "shuidao-cert",
    ]
    assert len(list((out / "nbgrader" / "submitted").iterdir())) > 100
    from openpyxl import load_workbook

    assert load_workbook(out / "统计.xlsx").sheetnames == [
        "总览",
        "按乡镇",
        "按村",
        "按乡镇和人员类别",
        "目标",
    ]
    db = sqlite3.connect(out / "exam_tools.db")
    members, attempts = (
        db.execute(f"select count(*) from {t}").fetchone()[0] for t in ("members", "attempts")
    )
    assert 300 < members < 400 and attempts == 250
    # practice as on a hub: checked at an exam service, pulled into the records
    checks, practised = db.execute(
        "select count(*), count(distinct member) from practice"
    ).fetchone()
    said = re.search(
        r"练习：(\d+) 人在考试服务上练习，核对答案 (\d+) 次，(\d+) 条记入档案", result.stdout
    )
    assert said and [int(x) for x in said.groups()] == [practised, checks, checks] and checks > 100
    summaries = list((out / "档案").glob("*.txt"))
    assert len(summaries) == 5 and "学时" in summaries[0].read_text("utf-8")
    member = summaries[0].stem
    record = subprocess.run([sys.executable, "-m", "exam_tools", "record", member, "--db",
                             str(out / "exam_tools.db")], capture_output=True, text=True, check=False)  # fmt: skip
    assert record.returncode == 0 and "小结：学时" in record.stdout
    branches = run("stats", "org", "--level", "支部", "--db", str(out / "exam_tools.db"))
    assert branches.returncode == 0, branches.stderr
    lines = branches.stdout.splitlines()
    assert sum("村党支部" in line for line in lines) == 12  # each of the 12 villages has its row
    assert not any("直属上级" in line for line in lines)


# ---- every command has help and is documented (as sqlite-utils checks) -------------------------


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out.extend(all_commands(cmd, full + " "))
    return out


@pytest.mark.parametrize(("name", "command"), all_commands(cli))
def test_every_command_has_chinese_help_and_is_documented(
    name: str, command: click.Command
) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert command.help and re.search(r"[\u4e00-\u9fff]", command.help)
    if command.hidden:  # the implicit `grade run`: documented as `exam-tools grade NAME`
        return
    readme = (ROOT / "README.md").read_text("utf-8")
    assert f"exam-tools {name}" in readme, f"`exam-tools {name}` is not documented in README.md"


def test_an_internal_bug_is_a_message_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import exam_tools.bank.load as load

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(load, "check_bank", broken)
    monkeypatch.delenv("EXAM_TOOLS_DEBUG", raising=False)
    result = CliRunner().invoke(cli, ["bank", "check", str(DATA / "sample_bank.yaml")])
    assert result.exit_code == 1
    assert "程序内部错误（ZeroDivisionError: boom）" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("name", "command"), all_commands(cli))
def test_help_option_itself_is_chinese(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert "显示本帮助并退出。" in result.output
    assert "Show this message" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bank", "import", str(DATA / "wps_style.xlsx")], "错误：缺少 '-o' / '--output'"),
        (
            ["bank", "export", "--format", "pdf", "-o", "x"],
            "可选：xlsx、gift、aiken、moodle-xml、qti",
        ),
        (["bank", "chek"], "错误：没有命令 chek；是不是想用 check"),
        (["bank", "check", "--strct"], "错误：没有选项 --strct；是不是想用 --strict？"),
    ],
)
def test_usage_errors_are_chinese(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr and "--help 查看用法" in result.stderr


def test_import_of_a_missing_file_names_it(tmp_path: Path) -> None:
    result = run("bank", "import", str(tmp_path / "无此文件.xlsx"), "-o", str(tmp_path / "o.yaml"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"错误：找不到文件：{tmp_path / '无此文件.xlsx'}"


def test_command_modules_do_not_import_the_main_group() -> None:
    """main.py puts the commands together; a module importing it back would be an import circle."""
    import ast

    for path in sorted((ROOT / "src" / "exam_tools" / "cli").glob("*.py")):
        if path.name in ("main.py", "__init__.py"):
            continue
        imported = {
            node.module
            for node in ast.walk(ast.parse(path.read_text("utf-8")))
            if isinstance(node, ast.ImportFrom)
        }
        assert "exam_tools.cli.main" not in imported, path.name
        assert "exam_tools.cli" not in imported, path.name


def test_grade_help_shows_both_ways_to_grade() -> None:
    """`grade NAME` is the command instructors run most; its help must not hide it."""
    result = run("grade", "--help")
    assert result.returncode == 0
    usage, _, rest = result.stdout.partition("\n\n")
    assert "exam-tools grade NAME --course-dir DIR" in usage
    assert "exam-tools grade import-nbgrader --course-dir DIR" in usage
    commands = rest.split("Commands:")[1]
    assert re.search(r"^  NAME +按保存的作答给作业 NAME 评分", commands, re.M)
    assert re.search(r"^  import-nbgrader +把老师在 nbgrader", commands, re.M)
    assert "run" not in commands
    one = run("grade", "cert", "--help")
    assert one.returncode == 0 and one.stdout.startswith("Usage: exam-tools grade [OPTIONS] NAME")
    missing = run("grade", "cert")
    assert missing.returncode == 2 and "缺少 '--course-dir'" in missing.stderr
    assert "exam-tools grade --help" in missing.stderr
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "`exam-tools grade NAME --course-dir DIR" in readme


def test_stats_help_describes_both_statistics() -> None:
    result = run("stats", "--help")
    assert result.returncode == 0
    description = result.stdout.split("Options:")[0]
    assert "items" in description and "试题分析" in description
    assert "org" in description and "按党组织" in description


@pytest.mark.parametrize("group", [[], ["bank"], ["grade"], ["stats"]], ids=str)
def test_a_group_without_a_command_shows_its_help(group: list[str]) -> None:
    result = run(*group)
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: exam-tools") and "Commands:" in result.stdout
    assert "错误" not in result.stdout + result.stderr
