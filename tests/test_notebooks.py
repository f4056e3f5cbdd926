"""Every shipped notebook runs top to bottom in a real kernel, so none of them rots."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
LESSONS = sorted((ROOT / "courses").glob("*/*.ipynb"))


def run(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return nb


def run_and_probe(path: Path, folder: Path, probe: str) -> tuple[nbformat.NotebookNode, dict]:
    """Run a copy of the notebook in ``folder`` (its own folder, as in JupyterLab), then, in the
    same kernel, ``probe``: code printing one JSON object about the notebook's variables."""
    target = folder / path.name
    shutil.copy(path, target)
    nb = nbformat.read(target, as_version=4)
    client = NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)
        cell = nbformat.v4.new_code_cell(probe)
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
    printed = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    nb.cells.pop()
    return nb, json.loads(printed)


def shown_text(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook shows: printed text, HTML tables and widget HTML."""
    parts = []
    for o in outputs(nb):
        parts.append(o.get("text", ""))
        parts.extend(str(v) for k, v in o.get("data", {}).items() if k.startswith("text/"))
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    parts.extend(str(m.get("state", {}).get("value", "")) for m in state.get("state", {}).values())
    return "\n".join(parts)


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]


def test_there_are_member_notebooks() -> None:
    names = {p.relative_to(ROOT / "notebooks").as_posix() for p in NOTEBOOKS}
    assert {"member/我的学习.ipynb", "member/练习.ipynb", "member/我的学习档案.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_runs(path: Path) -> None:
    nb = run(path)
    errors = [o for o in outputs(nb) if o.get("output_type") == "error"]
    assert not errors, errors
    shown = [
        o
        for o in outputs(nb)
        if o.get("output_type") in ("display_data", "execute_result")
        and set(o.get("data", {})) - {"text/plain"}
    ]
    assert shown, "the notebook should show something beyond plain text"


def test_lessons_are_real_chinese_teaching_text() -> None:
    assert len({p.parent.name for p in LESSONS}) >= 6
    for path in LESSONS:
        nb = nbformat.read(path, as_version=4)
        text = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
        chinese = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        assert chinese >= 1000, f"{path.name}: only {chinese} Chinese characters"
        assert nb.cells[0].source.startswith("# 第"), path.name
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        assert code == [f'from exam_tools.quiz import practice\n\npractice("{path.parent.name}")']


@pytest.mark.parametrize("course", sorted({p.parent.name for p in LESSONS}))
def test_each_course_practice_cell_runs(course: str) -> None:
    nb = run(sorted((ROOT / "courses" / course).glob("*.ipynb"))[-1])
    errors = [o for o in outputs(nb) if o.get("output_type") == "error"]
    assert not errors, errors
    widgets = [
        o for o in outputs(nb) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widgets


ORGANISER_PROBE = """
import json
first_town = towns[towns["党员数"] > 0].iloc[0]
first_village = villages[villages["党组织"].str.startswith(first_town["党组织"] + "/") & (villages["党员数"] > 0)].iloc[0]
from openpyxl import load_workbook
sheet = load_workbook(Path("导出") / "党员学时与实用技术.xlsx")["党员学时"]
print(json.dumps({
    "towns": list(towns.shape), "town_members": towns.set_index("名称")["党员数"].to_dict(),
    "villages": list(villages.shape), "member_years": list(my.shape),
    "my_dtypes": {c: str(t) for c, t in my.dtypes.items()},
    "exams": exams.set_index("考试")["参考人次"].to_dict(),
    "pass_rates": list(pass_rates.shape),
    "town_pick": town_pick.value, "first_town": first_town["党组织"],
    "village_pick": village_pick.value, "first_village": first_village["党组织"],
    "village_members": int(first_village["党员数"]), "people_rows": people_table.value.count("<tr") - 1,
    "files": sorted(p.name for p in Path("导出").iterdir()), "example": summary["example_member"],
    "sheet_rows": sheet.max_row, "sheet_head": [c.value for c in sheet[1]][:4],
}, ensure_ascii=False))
"""


def test_organiser_notebook_shows_frames_with_titles_and_exports_next_to_itself(
    tmp_path: Path,
) -> None:
    nb, got = run_and_probe(
        ROOT / "notebooks" / "organiser" / "培训统计.ipynb", tmp_path, ORGANISER_PROBE
    )
    # the demo county: three 乡镇, 357 members (a fixed seed)
    assert got["town_members"] == {"城关乡党委": 126, "石桥镇党委": 126, "花溪镇党委": 105}
    # 16 columns: the 13 rates and counts, then 平均积分 and 近7天/近30天活跃人数 (学习积分, issue 20)
    assert got["towns"] == [3, 16] and got["member_years"] == [357, 20]
    assert got["villages"][1] == 16 and got["villages"][0] >= 12
    assert got["my_dtypes"]["学时"] == "float64" and got["my_dtypes"]["学时达标"] == "bool"
    assert got["my_dtypes"]["人员类别"] == "category"
    # exams by their Chinese titles; every grower and village cadre took both (125 of them)
    assert got["exams"] == {"水稻种植技术认证考试": 125, "生猪养殖技术认证考试": 125}
    assert got["pass_rates"] == [3, 2]
    # the drill-down opens on the first 乡镇 and 村 with members, and lists that village's members
    assert got["town_pick"] == got["first_town"] and got["village_pick"] == got["first_village"]
    assert got["people_rows"] == got["village_members"] > 0
    # Excel files in the notebook's own folder (downloadable from JupyterLab's file browser)
    assert got["files"] == sorted(
        ["党员学时与实用技术.xlsx", "各村统计.xlsx", f"培训档案-{got['example']}.xlsx"]
    )
    assert got["sheet_rows"] == 358 and got["sheet_head"] == ["编号", "姓名", "所在党组织", "乡镇"]
    shown = shown_text(nb)
    assert "水稻种植技术认证考试" in shown and "学时达标率" in shown
    assert "shuidao" not in shown and "shengzhu" not in shown
    html = [o for o in outputs(nb) if "text/html" in o.get("data", {})]
    assert any(
        "<table" in o["data"]["text/html"] and "参训率" in o["data"]["text/html"] for o in html
    )


INSTRUCTOR_PROBE = """
import json
print(json.dumps({
    "items": list(table.shape), "columns": list(table.columns), "title": cert.title,
    "results": list(res.shape), "by_type": by_type.set_index("题型")["每卷题数"].to_dict(),
    "hits": list(hits.shape), "bank_table": list(by_domain.shape),
}, ensure_ascii=False))
"""


def test_instructor_notebook_shows_item_analysis_as_frames(tmp_path: Path) -> None:
    nb, got = run_and_probe(
        ROOT / "notebooks" / "instructor" / "出题与试题分析.ipynb", tmp_path, INSTRUCTOR_PROBE
    )
    assert got["title"] == "水稻种植技术认证考试"
    # the certification exam: 6 single, 3 multiple, 4 judge, 2 fill = 15 questions, 30 members
    assert got["by_type"] == {"单选": 6, "多选": 3, "判断": 4, "填空": 2}
    assert got["results"] == [30 * 15, 10]
    assert got["items"][1] == 8 and got["items"][0] >= 15  # each member draws their own paper
    assert got["columns"][:4] == ["题号", "题型", "作答人数", "难度P"]
    assert got["hits"][1] == 5 and got["hits"][0] >= 1 and got["bank_table"][1] >= 4
    shown = shown_text(nb)
    assert "水稻种植技术认证考试" in shown and "难度P" in shown
