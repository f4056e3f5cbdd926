"""The bank cache only saves time: same results warm or cold, edits always seen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from exam_tools.bank.load import check_bank

from .conftest import DATA


def test_warm_check_equals_cold_and_sees_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXAM_TOOLS_CACHE", str(tmp_path / "cache"))
    bank = tmp_path / "bank"
    bank.mkdir()
    shutil.copy(DATA / "sample_bank.yaml", bank / "a.yaml")
    cold = check_bank(bank)
    assert list((tmp_path / "cache" / "bank").iterdir())  # written
    warm = check_bank(bank)
    assert list(warm.bank) == list(cold.bank) and warm.problems == cold.problems
    text = (bank / "a.yaml").read_text("utf-8").replace("answer: B\n", "answer: E\n", 1)
    (bank / "a.yaml").write_text(text, "utf-8")
    edited = check_bank(bank)
    assert any("答案“E”不对应任何选项" in str(p) for p in edited.errors)


def test_cache_off_and_unwritable_cache_are_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXAM_TOOLS_CACHE", "off")
    assert len(check_bank(DATA / "sample_bank.yaml").bank) == 7
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("EXAM_TOOLS_CACHE", str(blocker / "sub"))  # cannot create a dir under a file
    assert len(check_bank(DATA / "sample_bank.yaml").bank) == 7
