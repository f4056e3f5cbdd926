"""Issue 16, items 1 and 2, without a hub: a service exam's score comes only from the service, and
its paper reaches no one before the exam opens and the member's 开始考试.

The same attacks run on a real JupyterHub in tests/test_integrity_hub.py; here the rules are
checked on the service's store, the CLI's files and the member's quiz with a clock the test moves.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from exam_tools.bank.model import QType
from exam_tools.course.key import key_from_compact
from exam_tools.course.pool import LAUNCHER_FORMAT, launcher_exam, read_exam_spec
from exam_tools.errors import QuizError
from exam_tools.grading.assign import KEY_DIR, SPEC, service_folder, service_manifest
from exam_tools.quiz.online.client import ServiceRefused
from exam_tools.service import rules as R
from exam_tools.service.export import export_submissions
from exam_tools.service.store import ServiceStore

from .conftest import DATA, FakeClock
from .test_service import cli

COURSES = DATA / "courses"


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    d = tmp_path / "course"
    cli("assign", "rice", "cert", "--course-dir", str(d), "--courses", str(COURSES))
    return d


def exam_open(course_dir: Path, db: Path, *options: str) -> str:
    return cli("exam", "open", "cert", "--course-dir", str(course_dir), "--service-db", str(db),
               *options)  # fmt: skip


class StoreClient:
    """What :class:`~exam_tools.quiz.online.client.ServiceClient` gets from the server, straight from
    the store (the server's handlers are this thin): a refusal comes back as ServiceRefused."""

    def __init__(self, store: ServiceStore, member: str) -> None:
        self.store, self.member = store, member

    def _do(self, action: Any) -> Any:
        try:
            return action()
        except R.Refused as exc:
            raise ServiceRefused(exc.code, str(exc), exc.status) from None

    def state(self, exam: str) -> dict[str, Any]:
        return self._do(lambda: self.store.state(exam, self.member))  # type: ignore[no-any-return]

    def start(self, exam: str, paper: str) -> dict[str, Any]:
        self._do(lambda: self.store.start(exam, self.member, paper))
        return self.state(exam)

    def save(self, exam: str, paper: str, attempt: int, n: int, value: Any) -> dict[str, Any]:
        return {"received_at": self._do(lambda: self.store.save(exam, self.member, paper,
                                                                 attempt, n, value))}  # fmt: skip

    def submit(self, exam: str, paper: str, attempt: int) -> dict[str, Any]:
        self._do(lambda: self.store.submit(exam, self.member, paper, attempt))
        return self.state(exam)

    def exams(self) -> list[dict[str, Any]]:
        return self.store.exam_list(self.member)


# ---- item 2: no paper before the exam opens, none before 开始考试 --------------------------------


def test_the_release_of_a_service_exam_carries_neither_pool_nor_seed(
    course_dir: Path, tmp_path: Path
) -> None:
    full = (course_dir / "source" / "cert" / SPEC).read_text("utf-8")
    assert '"questions"' in full and '"seed"' in full  # what assign writes for nbgrader exams
    # released before the exam was handed to the service: the release is replaced too
    (course_dir / "release" / "cert").mkdir(parents=True)
    (course_dir / "release" / "cert" / SPEC).write_text(full, "utf-8")
    out = exam_open(course_dir, tmp_path / "svc.sqlite")
    assert "已不含题目和随机种子" in out and "release_assignment cert --force" in out
    for folder in ("source", "release"):
        launcher = json.loads((course_dir / folder / "cert" / SPEC).read_text("utf-8"))
        assert launcher["format"] == LAUNCHER_FORMAT and launcher["exam"] == "cert"
        assert not {"questions", "seed", "rules"} & (set(launcher) | set(launcher["assessment"]))
        assert launcher["assessment"]["title"]  # 待考 shows its title
    kept = course_dir / KEY_DIR / "cert.exam.json"
    assert kept.read_text("utf-8") == full and kept.stat().st_mode & 0o077 == 0
    assert launcher_exam(course_dir / "source" / "cert" / SPEC) == "cert"
    # opening again (new times) reads the kept spec: the service's papers stay the same
    s = ServiceStore(tmp_path / "svc.sqlite")
    before = s.paper("cert", "dy1").to_dict()
    s.close()
    exam_open(course_dir, tmp_path / "svc.sqlite", "--closes", "2099-01-01T00:00")
    s = ServiceStore(tmp_path / "svc.sqlite")
    assert s.paper("cert", "dy1").to_dict() == before
    assert json.loads(s.db.execute("select spec from exams").fetchone()[0])["questions"]
    s.close()
    # a new `assign --force` is an nbgrader exam again, until handed to the service again
    cli("assign", "rice", "cert", "--course-dir", str(course_dir), "--courses", str(COURSES),
        "--force")  # fmt: skip
    assert not kept.exists() and launcher_exam(course_dir / "source" / "cert" / SPEC) is None


def _store(course_dir: Path, tmp_path: Path, clock: FakeClock, opens: float | None) -> ServiceStore:
    spec_file = course_dir / "source" / "cert" / SPEC
    key = json.loads((course_dir / KEY_DIR / "cert.key.json").read_text("utf-8"))["key"]
    s = ServiceStore(tmp_path / "store.sqlite", clock=clock)
    s.put_exam(read_exam_spec(spec_file), spec_file.read_text("utf-8"), key, exam="cert",
               opens_at=opens)  # fmt: skip
    return s


def test_nothing_of_the_exam_before_it_opens_and_no_paper_before_the_start(
    course_dir: Path, tmp_path: Path, clock: FakeClock
) -> None:
    s = _store(course_dir, tmp_path, clock, opens=clock.now + 3600)
    with pytest.raises(R.Refused) as early:
        s.state("cert", "dy1")
    assert (early.value.code, early.value.status) == ("not-open", 409)
    assert "考试还没有开始" in str(early.value)
    assert s.members("cert") == []  # not even drawn
    for act in (lambda: s.start("cert", "dy1", "anything"),
                lambda: s.save("cert", "dy1", "anything", 1, 1, "A"),
                lambda: s.submit("cert", "dy1", "anything", 1)):  # fmt: skip
        with pytest.raises(R.Refused) as refused:
            act()
        assert refused.value.code == "not-open"
    assert s.members("cert") == []
    [listed] = s.exam_list("dy1")  # 待考 shows it, with its time, and no question
    assert (
        listed["exam"] == "cert" and not listed["open"] and listed["opens_at"] == clock.now + 3600
    )
    assert "questions" not in json.dumps(listed) and "spec" not in listed
    clock.now += 3601
    state = s.state("cert", "dy1")
    assert "paper_json" not in state and state["attempts"] == []
    assert state["summary"]["questions"] == len(s.paper("cert", "dy1"))
    s.start("cert", "dy1", state["paper"])
    assert s.state("cert", "dy1")["paper_json"] == s.paper("cert", "dy1").to_dict()


def test_the_quiz_gets_its_paper_on_start_and_not_before(
    course_dir: Path, tmp_path: Path, clock: FakeClock
) -> None:
    import ipywidgets  # noqa: F401  # the launcher's widgets (the member page has them)

    from exam_tools.quiz.online.exam import ServiceExamLauncher, open_service_exam

    s = _store(course_dir, tmp_path, clock, opens=clock.now + 60)
    client = StoreClient(s, "dy1")
    paper_file = tmp_path / "member" / "exam.paper.json"
    with pytest.raises(ServiceRefused, match="考试还没有开始"):
        open_service_exam(client, "cert", paper_file, clock=clock, intro=True)  # type: ignore[arg-type]
    clock.now += 61
    launcher = open_service_exam(client, "cert", paper_file, clock=clock, intro=True, timer=False)  # type: ignore[arg-type]
    assert isinstance(launcher, ServiceExamLauncher)
    assert not paper_file.exists() and s.attempts("cert", "dy1") == []
    assert "开始考试" in launcher.begin_button.description and launcher.attempt is None
    launcher.begin_button.click()
    assert launcher.app is not None and launcher.attempt is not None
    assert json.loads(paper_file.read_text("utf-8"))["id"] == s.paper("cert", "dy1").id
    assert len(s.attempts("cert", "dy1")) == 1


def test_a_launcher_without_a_service_says_where_to_open_it(
    course_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exam_tools.quiz.exam import open_exam

    exam_open(course_dir, tmp_path / "svc.sqlite")
    monkeypatch.delenv("EXAM_TOOLS_SERVICE_URL", raising=False)
    member = tmp_path / "copy"
    shutil.copytree(course_dir / "source" / "cert", member)
    with pytest.raises(QuizError, match="考试服务"):
        open_exam(member / SPEC, member="dy1")
    assert not (member / "exam.paper.json").exists()


# ---- item 1: a score comes only from the service ----------------------------------------------


def _right(s: ServiceStore, member: str) -> dict[int, Any]:
    paper = s.paper("cert", member)
    out: dict[int, Any] = {}
    for k in key_from_compact(paper, s.key("cert")).items:
        if k.type is QType.FILL:
            out[k.n] = [alts[0] for alts in k.answer]
        elif k.type is QType.MULTIPLE:
            out[k.n] = list(k.answer)
        elif k.type is not QType.SHORT:
            out[k.n] = k.answer
    return out


def _forge(course_dir: Path, member: str, s: ServiceStore) -> None:
    """A submission as nbgrader collect brings it from the exchange: the paper the member would
    draw and every answer right, handed in, in ``submitted/<member>/cert/``."""
    from exam_tools.service.export import responses

    folder = course_dir / "submitted" / member / "cert"
    folder.mkdir(parents=True, exist_ok=True)
    paper = s.paper("cert", member)
    (folder / "exam.paper.json").write_text(paper.to_json(), "utf-8")
    doc = responses(s, "cert", member)
    doc["attempts"] = [{"number": 1, "started_at": "2026-12-01T09:00:00+08:00",
                        "deadline": "2026-12-01T09:20:00+08:00",
                        "submitted_at": "2026-12-01T09:10:00+08:00", "submitted_by": "member",
                        "answers": {str(n): v for n, v in _right(s, member).items()},
                        "checked": [], "position": 1}]  # fmt: skip
    (folder / "exam.paper.responses.json").write_text(json.dumps(doc), "utf-8")


def test_grade_grades_exactly_what_the_service_holds(
    course_dir: Path, tmp_path: Path, clock: FakeClock
) -> None:
    from exam_tools.records.db import open_db

    db = tmp_path / "svc.sqlite"
    exam_open(course_dir, db)
    s = ServiceStore(db, clock=clock)
    # dy1 sits the exam at the service: one right answer
    paper = s.paper("cert", "dy1")
    s.start("cert", "dy1", paper.id)
    n, value = next(iter(_right(s, "dy1").items()))
    s.save("cert", "dy1", paper.id, 1, n, value)
    s.submit("cert", "dy1", paper.id, 1)
    expected = key_from_compact(paper, s.key("cert"))[n].points
    s.paper("cert", "dy3")  # dy3 opened the exam and never started
    grades = tmp_path / "grades.db"
    with pytest.raises(AssertionError, match="请先运行 exam-tools exam export"):
        cli("grade", "cert", "--course-dir", str(course_dir), "--db", str(grades))
    assert export_submissions(s, "cert", course_dir) == (["dy1"], ["dy3"])
    manifest = json.loads(service_manifest(course_dir, "cert").read_text("utf-8"))
    assert manifest["members"] == {"dy1": {"paper": paper.id, "attempts": 1}}
    # then nbgrader collect: dy2 (never at the service) and a file in dy3's name with full
    # marks, and dy1's own folder replaced by full marks too
    for member in ("dy1", "dy2", "dy3"):
        _forge(course_dir, member, s)
    out = cli("grade", "cert", "--course-dir", str(course_dir), "--db", str(grades))
    assert "党员 dy2：未通过考试服务交卷，提交不评分" in out
    assert "党员 dy3：未通过考试服务交卷，提交不评分（在考试服务没有开始作答，按缺考计）" in out
    assert "未通过考试服务交卷 2 份，不评分：dy2、dy3" in out

    def scores() -> dict[str, float]:
        query = "select member, score from attempts"
        return {r["member"]: r["score"] for r in open_db(grades).query(query)}

    assert scores() == {"dy1": expected}
    # a result an earlier run (the old code) wrote for dy2 from the exchange does not stand
    row = dict(next(open_db(grades).query("select * from attempts")))
    open_db(grades)["attempts"].insert({**row, "id": "cert/dy2", "member": "dy2", "score": 100})
    cli("grade", "cert", "--course-dir", str(course_dir), "--db", str(grades))
    assert scores() == {"dy1": expected}
    assert service_folder(course_dir, "cert", "dy1").stat().st_mode & 0o077 == 0


def test_what_the_service_exam_tile_says() -> None:
    from exam_tools.quiz.landing_parts import service_exam_state

    now = 1_800_000_000.0
    base = {"exam": "cert", "attempts": 0, "submitted": False, "deadline": None, "open": True}
    assert service_exam_state(base, now) == "【可以开始】点这里开始考试"
    later = {**base, "open": False, "opens_at": now + 3600}
    assert service_exam_state(later, now).endswith("开考")
    assert service_exam_state({**base, "open": False}, now) == "【已结束】考试已经结束"
    running = {**base, "attempts": 1, "deadline": now + 600}
    assert service_exam_state(running, now) == "【进行中】还剩约 10 分钟，点这里接着答"
    assert service_exam_state({**running, "submitted": True}, now) == "【已交卷】等待老师发布成绩"


def test_a_closed_exam_never_taken_is_not_listed(
    course_dir: Path, tmp_path: Path, clock: FakeClock
) -> None:
    s = _store(course_dir, tmp_path, clock, opens=None)
    assert [e["exam"] for e in s.exam_list("dy1")] == ["cert"]
    s.db.execute("update exams set closes_at = ?", (clock.now - 3600,))
    assert s.exam_list("dy1") == []
