"""The answer key never reaches a member in exam mode: not in the paper, not in the notebook, not in
the files beside it, not in the member's kernel."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from exam_tools.bank.model import Bank, QType
from exam_tools.course.key import answer_key
from exam_tools.course.paper import Paper

from .conftest import write_exam

KEY_FIELDS = {"answer", "explanation", "keywords", "reference", "correct", "key", "solution"}

INSPECT = """
import gc, hashlib, json, sys
found = set()
def look(value, depth=0):
    if isinstance(value, str):
        h = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        if h in SECRET_HASHES:
            found.add(h)
    elif isinstance(value, (tuple, frozenset)) and depth < 3:  # CPython stops tracking these
        for v in value:
            look(v, depth + 1)
for obj in gc.get_objects():
    if isinstance(obj, dict):
        for k, v in obj.items():
            look(k); look(v)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for v in obj:
            look(v)
    elif str(getattr(type(obj), "__module__", "")).startswith("exam_tools"):  # slotted: no __dict__
        for name in getattr(type(obj), "__slots__", ()):
            look(getattr(obj, name, None))
classes = sorted({type(o).__name__ for o in gc.get_objects()} & {"Question", "Bank", "AnswerKey", "KeyItem"})
modules = sorted(m for m in sys.modules if m.startswith(("exam_tools.course.key", "exam_tools.bank.load",
                 "exam_tools.quiz.exercises", "exam_tools.grading", "exam_tools.records")))
print(json.dumps({"found": len(found), "classes": classes, "modules": modules,
                  "quiz": "exam_tools.quiz.app" in sys.modules}))
"""


def secrets_of(paper, bank: Bank) -> set[str]:
    """Strings that would give answers away: 解析, reference answers, accepted fill-ins, keywords."""
    key = answer_key(paper, bank)
    shown = "\n".join(text for item in paper.items for text in (item.stem, *item.options))
    out: set[str] = set()
    for k in key.items:
        out.add(k.explanation)
        if k.type is QType.FILL:
            out.update(alt for alts in k.answer for alt in alts)
        if k.type is QType.SHORT:
            out.add(k.answer)
            out.update(word for group in k.keywords for word in group)
    # a word the member reads anyway (in a stem or option) gives nothing away
    return {s for s in out if len(s) >= 2 and s not in shown}


def key_fields(data: object) -> set[str]:
    if isinstance(data, dict):
        return (set(data) & KEY_FIELDS) | {f for v in data.values() for f in key_fields(v)}
    if isinstance(data, list):
        return {f for v in data for f in key_fields(v)}
    return set()


@pytest.fixture
def release(bank: Bank, tmp_path: Path) -> tuple[Path, Paper]:
    folder = tmp_path / "release"
    return folder, write_exam(bank, folder, "m001")


def test_no_key_in_the_member_files_or_kernel(release, bank: Bank) -> None:
    folder, paper = release
    secrets = secrets_of(paper, bank)
    assert len(secrets) >= 5  # the check below has something to find

    nb = nbformat.read(folder / "考试.ipynb", as_version=4)
    # the member answers the first question and moves on (the browser test does it by clicking)
    answer_cell = """
from exam_tools.quiz import open_quiz
quiz = open_quiz("考试.json")
first = quiz.view(1).inputs[0]
if hasattr(first, "index"):
    first.index = 0
elif hasattr(first, "click"):
    first.click()
elif isinstance(first.value, bool):
    first.value = True
else:
    first.value = "x"
quiz.goto(2)
assert quiz.answers, "the first answer was saved"
"""
    hashes = sorted(hashlib.sha256(s.encode()).hexdigest() for s in secrets)
    nb.cells.append(nbformat.v4.new_code_cell(answer_cell))
    nb.cells.append(nbformat.v4.new_code_cell(f"SECRET_HASHES = set({hashes!r})\n{INSPECT}"))
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    report = json.loads(nb.cells[-1].outputs[-1]["text"])
    assert report == {"found": 0, "classes": [], "modules": [], "quiz": True}

    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"考试.json", "考试.ipynb", "考试.responses.json"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.name} holds key text: {leaked[:3]}"
        if path.suffix == ".json":
            assert not key_fields(json.loads(text)), path.name


def test_the_inspection_would_notice_a_key(release, bank: Bank) -> None:
    """The same inspection, in a practice kernel that does hold the key, finds it."""
    folder, paper = release
    secrets = secrets_of(paper, bank)
    hashes = sorted(hashlib.sha256(s.encode()).hexdigest() for s in secrets)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from exam_tools.quiz import practice\n"
            "from exam_tools.course.paper import read_paper\n"
            "from exam_tools.course.key import answer_key\n"
            "from exam_tools.quiz.exercises import default_bank\n"
            'key = answer_key(read_paper("考试.json"), default_bank())'
        ),
        nbformat.v4.new_code_cell(f"SECRET_HASHES = set({hashes!r})\n{INSPECT}"),
    ]
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    report = json.loads(nb.cells[-1].outputs[-1]["text"])
    assert report["found"] == len(secrets)
    assert "AnswerKey" in report["classes"] and "exam_tools.course.key" in report["modules"]


def test_no_shipped_exam_releases_an_answer_beside_its_questions(bank: Bank) -> None:
    """Every exam of every shipped course, as ``assign`` releases it for nbgrader: no fill answer,
    short-answer reference or 解析 appears in the file unless the questions' own words show it (a
    fill question tagged with its own answer, 定干 or 休药期, once handed the answer to whoever read
    the file: knowledge points are released only where a rule draws by them)."""
    from exam_tools.course.load import check_courses
    from exam_tools.course.model import Mode
    from exam_tools.course.pool import exam_spec

    from .conftest import ROOT

    courses = check_courses(ROOT / "courses", bank).courses
    assert len(courses) >= 15
    leaks = []
    for course in courses:
        for a in course.assessments:
            if a.mode is not Mode.EXAM:
                continue
            spec = json.loads(exam_spec(bank, course, a, seed=1))
            text = "\n".join(_words(spec))  # every word released, not the ids (ny-0021 holds "21")
            pool = [bank[q["id"]] for q in spec["questions"]]
            shown = "\n".join(t for q in pool for t in (q.stem, *q.options))
            secrets = {q.explanation for q in pool}
            secrets |= {alt for q in pool if q.type is QType.FILL for alts in q.blanks
                        for alt in alts}  # fmt: skip
            secrets |= {q.reference for q in pool if q.type is QType.SHORT}
            leaks += [(course.id, a.id, s) for s in secrets
                      if len(s) >= 2 and s not in shown and s in text]  # fmt: skip
    assert leaks == []


def _words(value: object, key: str = "") -> list[str]:
    """Every string in a released spec, except question ids."""
    if isinstance(value, dict):
        return [w for k, v in value.items() for w in _words(v, k)]
    if isinstance(value, list):
        return [w for v in value for w in _words(v, key)]
    return [value] if isinstance(value, str) and key != "id" else []
