"""Every shipped notebook runs top to bottom in a real kernel, so none of them rots."""

from __future__ import annotations

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
