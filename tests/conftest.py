"""Shared fixtures: the repository's paths, a small sample bank, and golden files."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from exam_tools.bank.load import load_bank, parse_bank_text
from exam_tools.bank.model import Bank, Question
from exam_tools.course.paper import Paper

if TYPE_CHECKING:
    from exam_tools.hub.localhub import LocalHub

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
GOLDENS = Path(__file__).parent / "goldens"


def pytest_configure(config: pytest.Config) -> None:
    # Never read or write the user's real cache; subprocesses inherit this.
    import tempfile

    os.environ["EXAM_TOOLS_CACHE"] = tempfile.mkdtemp(prefix="exam-tools-cache-")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output instead of comparing",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with ``tests/goldens/NAME``; ``pytest --update-goldens`` rewrites it."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, actual: str) -> None:
        path = GOLDENS / name
        if update:
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"golden file {path} missing: run pytest --update-goldens"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"{name} differs from its golden file (pytest --update-goldens)"

    return check


@pytest.fixture
def sample_questions() -> list[Question]:
    """One question of every type and domain, including the awkward cases formats must keep."""
    questions, problems = parse_bank_text((DATA / "sample_bank.yaml").read_text("utf-8"), "s.yaml")
    assert not [p for p in problems if p.severity == "error"], problems
    return questions


@pytest.fixture
def in_tmp(tmp_path: Path) -> Path:
    """Run the test inside an empty temporary directory."""
    old = Path.cwd()
    os.chdir(tmp_path)
    yield tmp_path  # type: ignore[misc]
    os.chdir(old)


@pytest.fixture(autouse=True)
def member_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's member folder (practice records, 错题本) is its own, never the user's."""
    home = tmp_path_factory.mktemp("member-home")
    monkeypatch.setenv("EXAM_TOOLS_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def bank() -> Bank:
    """The shipped question bank."""
    return load_bank(ROOT / "question_bank")


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def write_exam(bank: Bank, folder: Path, member: str) -> Paper:
    """What a member receives for the test course's certification exam: the paper file and a
    notebook whose one cell shows the quiz. Returns the paper."""
    import nbformat

    from exam_tools.course.load import load_course
    from exam_tools.course.paper import build_paper

    course = load_course("rice", DATA / "courses")
    paper = build_paper(bank, course, course.assessment("cert"), member=member)
    folder.mkdir(parents=True)
    (folder / "考试.json").write_text(paper.to_json(), encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 水稻种植认证考试"),
        nbformat.v4.new_code_cell(
            'from exam_tools.quiz import show_quiz\n\nshow_quiz("考试.json")'
        ),
    ]
    nbformat.write(nb, folder / "考试.ipynb")
    return paper


def running_hub(local: LocalHub) -> Iterator[LocalHub]:
    """Run a throwaway localhost hub for a module's tests (``yield from`` in a fixture); where one
    cannot run, skip, except under CI (root, with the hub venv), where the tests must run."""
    require_hub(local.venv)
    with local:
        yield local


def require_hub(venv: Path | None = None) -> None:
    """Skip where a hub cannot run (not root, no hub venv), except under CI (root, with the hub
    venv), where the test must run: fail there."""
    from exam_tools.hub.localhub import DEFAULT_VENV, unavailable

    reason = unavailable(venv or DEFAULT_VENV)
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@contextlib.contextmanager
def serving(app: Any, every: tuple[Callable[[], Any], float] | None = None) -> Iterator[int]:
    """Serve the tornado ``app`` on a free localhost port in a thread of its own (the exam
    service's handlers as members' kernels reach them); yields the port. ``every``: a callback and
    its period in ms to run in that loop (the contest's watch of the database)."""
    import asyncio
    import threading

    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop, PeriodicCallback
    from tornado.testing import bind_unused_port

    sock, port = bind_unused_port()
    loops: list[IOLoop] = []
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        server = HTTPServer(app)
        server.add_sockets([sock])
        loops.append(IOLoop.current())
        if every is not None:
            PeriodicCallback(*every).start()
        started.set()
        IOLoop.current().start()
        server.stop()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield port
    finally:
        loops[0].add_callback(loops[0].stop)
        thread.join(10)
