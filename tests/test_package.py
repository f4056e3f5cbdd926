"""The package's public surface stays small and its import stays light."""

from __future__ import annotations

import subprocess
import sys

import exam_tools


def test_import_is_light() -> None:
    code = (
        "import sys, exam_tools; "
        "heavy = {'pandas', 'numpy', 'nbgrader', 'ipywidgets', 'openpyxl', 'yaml', 'click'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_resolve() -> None:
    for name in exam_tools.__all__:
        assert getattr(exam_tools, name) is not None


def test_errors_subclass_the_matching_builtin() -> None:
    assert issubclass(exam_tools.BankError, ValueError)
    assert issubclass(exam_tools.FormatError, exam_tools.ExamToolsError)


def test_load_bank_raises_one_error_with_every_problem(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.yaml").write_text("- id: a\n  type: single\n", "utf-8")
    try:
        exam_tools.load_bank(tmp_path)
    except exam_tools.BankError as exc:
        assert len(exc.problems) >= 5
        assert all(str(p).startswith(f"{tmp_path / 'a.yaml'}:1: a: ") for p in exc.problems)
    else:
        raise AssertionError("load_bank accepted an invalid bank")
