"""The exam service without a server: its rules (pure) and its database, with a clock the test moves.

The same rules and store run behind the real JupyterHub in tests/test_service_hub.py; here every
limit is checked at its edges (the deadline, the grace, the attempt limit, sizes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from exam_tools.bank.model import Bank, QType
from exam_tools.course.key import compact_key, key_from_compact
from exam_tools.course.load import load_course
from exam_tools.course.paper import build_paper
from exam_tools.course.pool import ExamSpec, exam_spec, read_exam_spec
from exam_tools.grading.assign import KEY_DIR, SPEC
from exam_tools.service import rules as R
from exam_tools.service.export import export_submissions
from exam_tools.service.store import ServiceStore, ServiceStoreError

from .conftest import DATA, ROOT, FakeClock

COURSES = DATA / "courses"


def cli(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    r = subprocess.run([sys.executable, "-m", "exam_tools", *args], capture_output=True,
                       text=True, env=env, check=False)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("course")
    cli("assign", "rice", "cert", "--course-dir", str(d), "--courses", str(COURSES))
    return d


@pytest.fixture
def store(course_dir: Path, tmp_path: Path, clock: FakeClock, bank: Bank) -> ServiceStore:
    s = ServiceStore(tmp_path / "svc.sqlite", clock=clock)
    spec_file = course_dir / "source" / "cert" / SPEC
    key = json.loads((course_dir / KEY_DIR / "cert.key.json").read_text("utf-8"))["key"]
    s.put_exam(read_exam_spec(spec_file), spec_file.read_text("utf-8"), key, exam="cert")
    # practice (not an nbgrader assignment): the spec and a key with 解析, as the service keeps them
    course = load_course("rice", COURSES)
    text = exam_spec(bank, course, course.assessment("practice"), seed=0)
    spec = ExamSpec.from_dict(json.loads(text))
    full = {q.id: {**compact_key([q])[q.id], "explanation": q.explanation} for q in bank}
    s.put_exam(spec, text, full, exam="practice")
    return s


RULES = R.ExamRules("cert", "exam", time_limit=20, attempts=2, grace=30)


def test_deadline_and_grace_are_judged_by_the_service_clock() -> None:
    a = R.AttemptState(1, 1000.0, R.deadline_for(RULES, 1000.0, 0))
    assert a.deadline == 1000.0 + 20 * 60
    assert R.check_open_attempt(RULES, [a], 1, a.deadline + 30) is a  # within the grace
    with pytest.raises(R.Refused) as late:
        R.check_open_attempt(RULES, [a], 1, a.deadline + 30.001)
    assert late.value.code == "late" and "考试时间已到" in str(late.value)
    # a hand-in after the grace counts as handed in by the clock, at the deadline
    assert R.submit_time(a, RULES, a.deadline + 31) == (a.deadline, "timeout")
    assert R.submit_time(a, RULES, a.deadline + 5) == (a.deadline + 5, "member")
    # granted minutes push the limit and the closing time
    closing = R.ExamRules("x", "exam", 20, 1, opens_at=0, closes_at=1500.0)
    assert R.deadline_for(closing, 1000.0, 0) == 1500.0
    assert R.deadline_for(closing, 1000.0, 10) == 2100.0


def test_attempts_window_owner_and_paper() -> None:
    done = [R.AttemptState(1, 0, 1200, 100), R.AttemptState(2, 200, 1400, 300)]
    with pytest.raises(R.Refused, match="没有剩余的作答次数"):
        R.check_start(RULES, done, 0, 500)
    R.check_start(RULES, done, 1, 500)  # an extra attempt granted
    with pytest.raises(R.Refused, match="还没有交卷"):
        R.check_start(RULES, [R.AttemptState(1, 0, 1200)], 5, 500)
    R.check_start(RULES, [R.AttemptState(1, 0, 1200)], 1, 1231)  # the running one timed out
    with pytest.raises(R.Refused, match="还没有开始"):
        R.check_window(R.ExamRules("x", "exam", None, None, opens_at=100), 99)
    with pytest.raises(R.Refused, match="已经结束"):
        R.check_window(R.ExamRules("x", "exam", None, None, closes_at=100, grace=30), 131)
    with pytest.raises(R.Refused, match="不能替别人作答"):
        R.check_member("dy1", "dy2")
    with pytest.raises(R.Refused, match="不是发给您的"):
        R.check_paper("rice-cert-aaaa", "rice-cert-bbbb")


@pytest.mark.parametrize(
    ("n", "value", "code"),
    [
        (0, "A", "no-such-question"),
        (11, "A", "no-such-question"),
        ("1", "A", "bad-request"),  # not a whole number: malformed, never echoed
        (True, "A", "bad-request"),
        ("1\n2026-12-01 grant", "A", "bad-request"),
        (1, {"x": 1}, "bad-answer"),
        (1, [["A"]], "bad-answer"),
        (1, ["A"] * 27, "bad-answer"),
        (1, float("nan"), "bad-answer"),
        (1, "长" * 1400, "too-large"),
    ],
)
def test_answers_off_the_paper_malformed_or_oversized_are_refused(
    n: object, value: object, code: str
) -> None:
    with pytest.raises(R.Refused) as exc:
        R.check_answer(n, value, 10)
    assert exc.value.code == code


def test_sane_answers_pass() -> None:
    for value in ("B", ["A", "C"], True, ["一年", "两名"], "长" * 1300, None):
        assert json.loads(R.check_answer(3, value, 10)) == value


def test_an_exam_through_the_store(store: ServiceStore, clock: FakeClock, course_dir: Path) -> None:
    paper = store.paper("cert", "dy1")
    spec = read_exam_spec(course_dir / "source" / "cert" / SPEC)  # what exam-tools grade draws
    assert paper == build_paper(spec.questions, spec.course, spec.assessment, member="dy1",
                                seed=spec.seed)  # fmt: skip
    assert store.paper("cert", "dy2").id != paper.id  # variants: each member their own
    with pytest.raises(R.Refused) as wrong:
        store.start("cert", "dy1", store.paper("cert", "dy2").id)
    assert wrong.value.code == "wrong-paper"
    a = store.start("cert", "dy1", paper.id)
    assert (a.number, a.deadline) == (1, clock.now + 20 * 60)
    store.save("cert", "dy1", paper.id, 1, 1, "A")
    store.save("cert", "dy1", paper.id, 1, 2, "C")
    store.save("cert", "dy1", paper.id, 1, 1, "B")  # changed later: a new row, the last counts
    store.save("cert", "dy1", paper.id, 1, 2, "X")
    store.save("cert", "dy1", paper.id, 1, 2, None)  # changed again at once: replaces that row
    clock.advance(20 * 60 + 30)
    store.save("cert", "dy1", paper.id, 1, 3, "D")  # the last second of the grace
    clock.advance(1)
    with pytest.raises(R.Refused, match="考试时间已到"):
        store.save("cert", "dy1", paper.id, 1, 4, "A")
    assert store.answers("cert", "dy1", 1) == {1: "B", 3: "D"}
    rows = store.db.execute("select count(*) from answers").fetchone()[0]
    assert rows == 5  # appended (a change straight after replaced), the refused one not at all
    done = store.submit("cert", "dy1", paper.id, 1)
    assert done.submitted_at == a.deadline  # after the grace: handed in by the clock
    state = store.state("cert", "dy1")
    assert state["attempts"][0]["submitted_by"] == "timeout"
    assert state["attempts_allowed"] == 2


def test_attempts_are_limited_and_extensions_logged(store: ServiceStore, clock: FakeClock) -> None:
    pid = store.paper("cert", "dy1").id
    for number in (1, 2):
        store.start("cert", "dy1", pid)
        store.submit("cert", "dy1", pid, number)
    with pytest.raises(R.Refused, match="没有剩余的作答次数"):
        store.start("cert", "dy1", pid)
    with pytest.raises(ServiceStoreError, match="原因"):
        store.grant("cert", "dy1", "t1", " ", attempts=1)
    store.grant("cert", "dy1", "t1", "停电，重考一次", attempts=1)
    third = store.start("cert", "dy1", pid)
    clock.advance(19 * 60)
    store.grant("cert", "dy1", "t1", "视力不好，延时十分钟", minutes=10)
    assert store.attempts("cert", "dy1")[-1].deadline == third.deadline + 600  # type: ignore[operator]
    clock.advance(5 * 60)
    store.save("cert", "dy1", pid, 3, 1, "A")  # 24 minutes in: still open
    log = store.audit("cert")
    assert [(g["by"], g["member"], g["reason"], g["minutes"], g["attempts"]) for g in log] == [
        ("t1", "dy1", "停电，重考一次", 0, 1), ("t1", "dy1", "视力不好，延时十分钟", 10, 0)]  # fmt: skip
    assert all(g["at"] for g in log)


def test_practice_verdicts_come_from_the_service_and_never_for_exams(
    store: ServiceStore, bank: Bank
) -> None:
    paper = store.paper("practice", "dy1")
    store.start("practice", "dy1", paper.id)
    key = key_from_compact(paper, store.key("practice"))
    n = next(k.n for k in key.items if k.type is QType.JUDGE)
    store.save("practice", "dy1", paper.id, 1, n, not key[n].answer)
    verdict = store.check("practice", "dy1", paper.id, 1, n)
    assert verdict["correct"] is False and verdict["answer"] in ("正确", "错误")
    assert verdict["explanation"] == bank[paper.item(n).qid].explanation != ""
    assert store.db.execute("select correct from practice").fetchall()[0][0] == 0
    exam = store.paper("cert", "dy1")
    store.start("cert", "dy1", exam.id)
    with pytest.raises(R.Refused, match="答案在成绩发布前不公开"):
        store.check("cert", "dy1", exam.id, 1, 1)


def test_members_see_only_open_practice_papers_listed(
    store: ServiceStore, clock: FakeClock, bank: Bank
) -> None:
    listed = store.practice_list()
    assert listed == [{"exam": "practice", "title": "课后练习", "course": "水稻种植（测试课程）"}]
    course = load_course("rice", COURSES)
    text = exam_spec(bank, course, course.assessment("practice"), seed=0)
    spec = ExamSpec.from_dict(json.loads(text))
    store.put_exam(spec, text, {}, exam="later", opens_at=clock() + 60)
    store.put_exam(spec, text, {}, exam="over", closes_at=clock() - 60)
    assert [p["exam"] for p in store.practice_list()] == ["practice"]  # the cert exam: never
    clock.advance(61)
    assert [p["exam"] for p in store.practice_list()] == ["later", "practice"]
    store.put_exam(spec, text, {}, exam="later", title="水稻病虫害专项练习")
    assert store.practice_list()[0]["title"] == "水稻病虫害专项练习"


def test_export_is_what_the_service_accepted(
    store: ServiceStore, clock: FakeClock, course_dir: Path, tmp_path: Path
) -> None:
    paper = store.paper("cert", "dy1")
    store.start("cert", "dy1", paper.id)
    key = key_from_compact(paper, store.key("cert"))
    for k in key.items:
        if k.type is QType.SINGLE:
            store.save("cert", "dy1", paper.id, 1, k.n, k.answer)
    store.submit("cert", "dy1", paper.id, 1)
    target = tmp_path / "course"
    target.mkdir()
    (target / "source").symlink_to(course_dir / "source")
    (target / KEY_DIR).symlink_to(course_dir / KEY_DIR)
    # what nbgrader collect brought from the member's folder: edited, and replaced by the export
    forged = target / "submitted" / "dy1" / "cert"
    forged.mkdir(parents=True)
    (forged / "exam.paper.responses.json").write_text('{"forged": true}', "utf-8")
    (forged / "timestamp.txt").write_text("2026-12-01 09:10:00.000000 UTC", "utf-8")
    assert export_submissions(store, "cert", target) == (["dy1"], [])
    assert (
        (forged / "timestamp.txt").read_text("utf-8").startswith("2026-12-01 09:10")
    )  # nbgrader's
    db = tmp_path / "grades.db"
    out = cli("grade", "cert", "--course-dir", str(target), "--db", str(db))
    assert "1 份提交" in out
    from exam_tools.records.db import open_db

    [row] = open_db(db).query("select score, max_score from attempts")
    assert row["score"] == 20  # the four single-choice questions, 5 points each
    assert row["max_score"] == paper.total_points


def test_export_writes_every_attempt_and_grade_counts_the_best(
    store: ServiceStore, clock: FakeClock, course_dir: Path, tmp_path: Path
) -> None:
    """Issue 17 item 1 at the service: attempt 1 answered, attempt 2 handed in blank; the export
    holds both and ``exam-tools grade`` scores attempt 1 (cert is graded highest)."""
    paper = store.paper("cert", "dy1")
    state = store.state("cert", "dy1")
    assert state["summary"]["grading"] == "highest"  # what the 开始考试 screen says
    store.start("cert", "dy1", paper.id)
    key = key_from_compact(paper, store.key("cert"))
    for k in key.items:
        if k.type is QType.SINGLE:
            store.save("cert", "dy1", paper.id, 1, k.n, k.answer)
    store.submit("cert", "dy1", paper.id, 1)
    store.start("cert", "dy1", paper.id)
    store.submit("cert", "dy1", paper.id, 2)
    target = tmp_path / "course"
    target.mkdir()
    (target / "source").symlink_to(course_dir / "source")
    (target / KEY_DIR).symlink_to(course_dir / KEY_DIR)
    assert export_submissions(store, "cert", target) == (["dy1"], [])
    doc = json.loads((target / "submitted" / "dy1" / "cert" / "exam.paper.responses.json")
                     .read_text("utf-8"))  # fmt: skip
    assert [(a["number"], len(a["answers"])) for a in doc["attempts"]] == [(1, 4), (2, 0)]
    db = tmp_path / "grades.db"
    cli("grade", "cert", "--course-dir", str(target), "--db", str(db))
    from exam_tools.records.db import open_db

    [row] = open_db(db).query("select score, attempt from attempts")
    assert (row["score"], row["attempt"]) == (20, 1)


def test_a_killed_service_keeps_every_answer_it_confirmed(
    store: ServiceStore, tmp_path: Path
) -> None:
    """SIGKILL in the middle of a burst of saves: every answer confirmed before it is there."""
    store.paper("practice", "dy1")
    store.close()
    code = (  # a new attempt every 100 saves: an attempt keeps 20 answers a question at most
        "import sys\nfrom exam_tools.service.store import ServiceStore\n"
        f"s = ServiceStore({str(store.path)!r})\n"
        "p = s.paper('practice', 'dy1')\na = s.start('practice', 'dy1', p.id).number\n"
        "i = 0\nwhile True:\n"
        "    i += 1\n    if i % 100 == 0:\n        s.submit('practice', 'dy1', p.id, a)\n"
        "        a = s.start('practice', 'dy1', p.id).number\n"
        "    s.save('practice', 'dy1', p.id, a, 1 + i % 6, str(i))\n"
        "    print(i, flush=True)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    confirmed = 0
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, env=env, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            confirmed = int(line)
            if confirmed >= 300:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait()
        for line in proc.stdout:  # confirmations already in the pipe
            confirmed = int(line)
    again = ServiceStore(store.path)
    assert again.db.execute("select count(*) from answers").fetchone()[0] >= confirmed >= 300
    again.close()


def test_exam_open_practice_from_a_course(tmp_path: Path, bank: Bank) -> None:
    db = tmp_path / "svc.sqlite"
    out = cli("exam", "open", "drill", "--practice", "rice/practice", "--service-db", str(db),
              "--courses", str(COURSES))  # fmt: skip
    assert "课后练习" in out
    s = ServiceStore(db)
    assert s.rules("drill").mode == "practice"
    paper = s.paper("drill", "dy1")
    entry = s.key("drill")[paper.item(1).qid]
    assert entry["explanation"] == bank[paper.item(1).qid].explanation
    s.close()
    with pytest.raises(AssertionError, match="是考试，不是练习"):
        cli("exam", "open", "x", "--practice", "rice/cert", "--service-db", str(db),
            "--courses", str(COURSES))  # fmt: skip


def test_grade_reports_late_and_extra_attempts_found_in_a_responses_file(course_dir: Path) -> None:
    """Without the service (or in a forged export), what the service refuses is still reported."""
    from exam_tools.grading.grade import limit_problems

    spec = read_exam_spec(course_dir / "source" / "cert" / SPEC)
    paper = build_paper(spec.questions, spec.course, spec.assessment, member="dy1", seed=0)

    def attempt(n: int, start: str, deadline: str, done: str) -> dict[str, object]:
        return {"number": n, "started_at": start, "deadline": deadline, "submitted_at": done}

    honest = {"attempts": [attempt(1, "2026-12-01T09:00:00+08:00", "2026-12-01T09:20:00+08:00",
                                   "2026-12-01T09:19:00+08:00")]}  # fmt: skip
    assert limit_problems(honest, paper) == []
    late = {"attempts": [attempt(1, "2026-12-01T09:00:00+08:00", "2026-12-01T09:20:00+08:00",
                                 "2026-12-01T14:20:00+08:00")]}  # fmt: skip
    assert limit_problems(late, paper) == ["第 1 次作答在截止时间之后才交卷"]
    pushed = {"attempts": [attempt(1, "2026-12-01T09:00:00+08:00", "2026-12-01T12:20:00+08:00",
                                   "2026-12-01T12:00:00+08:00")]}  # fmt: skip
    assert limit_problems(pushed, paper) == ["第 1 次作答的截止时间被推后了",
                                             "第 1 次作答在截止时间之后才交卷"]  # fmt: skip
    five = {"attempts": [attempt(i, "2026-12-01T09:00:00+08:00", "2026-12-01T09:20:00+08:00",
                                 "2026-12-01T09:10:00+08:00") for i in range(1, 6)]}  # fmt: skip
    assert limit_problems(five, paper) == ["作答 5 次，超过规定的 2 次"]


def test_the_mistake_book_is_kept_by_the_service_from_its_own_verdicts(
    store: ServiceStore, clock: FakeClock, bank: Bank
) -> None:
    """Questions answered wrong in practice make up the member's 错题本; the service draws a paper
    of them (with their 解析) for that member only, and a right answer there takes one out."""
    paper = store.paper("practice", "dy1")
    store.start("practice", "dy1", paper.id)
    key = key_from_compact(paper, store.key("practice"))
    auto = [k for k in key.items if k.type in (QType.JUDGE, QType.SINGLE)][:3]
    assert len(auto) == 3
    for k in auto[:2]:  # two wrong, one right
        wrong = (not k.answer) if k.type is QType.JUDGE else ("A" if k.answer != "A" else "B")
        store.save("practice", "dy1", paper.id, 1, k.n, wrong)
        assert store.check("practice", "dy1", paper.id, 1, k.n)["correct"] is False
        clock.advance(1)
    store.save("practice", "dy1", paper.id, 1, auto[2].n, auto[2].answer)
    assert store.check("practice", "dy1", paper.id, 1, auto[2].n)["correct"] is True
    wrong_qids = {paper.item(k.n).qid for k in auto[:2]}
    assert store.practice_tally("dy1", 0) == {"items": 3, "correct": 1, "graded": 3}
    assert store.practice_tally("dy1", clock() + 1)["items"] == 0  # only verdicts since then
    assert {m["qid"] for m in store.mistakes("dy1")} == wrong_qids
    assert store.mistakes("dy2") == [] and store.new_review("dy2") is None

    exam = store.new_review("dy1")
    assert exam == "_review-1"
    review = store.paper(exam, "dy1")
    assert {i.qid for i in review.items} == wrong_qids and review.mode.value == "practice"
    with pytest.raises(R.Refused, match="没有找到这份错题练习"):
        store.paper(exam, "dy2")  # another member's review is not theirs to open
    state = store.state(exam, "dy1")
    assert state["attempts"] == [] and state["attempts_allowed"] is None
    store.start(exam, "dy1", review.id)
    rkey = key_from_compact(review, store._review_key(exam, "dy1"))
    first = rkey.items[0]
    store.save(exam, "dy1", review.id, 1, first.n, first.answer)
    verdict = store.check(exam, "dy1", review.id, 1, first.n)
    qid = review.item(first.n).qid
    assert verdict["correct"] is True and verdict["explanation"] == bank[qid].explanation != ""
    assert {m["qid"] for m in store.mistakes("dy1")} == wrong_qids - {qid}
    assert store.new_review("dy1") == "_review-2"
    assert [i.qid for i in store.paper("_review-2", "dy1").items] == list(wrong_qids - {qid})
    with pytest.raises(ServiceStoreError, match="错题本"):
        store.put_exam(ExamSpec.from_dict(json.loads(store.db.execute(
            "select spec from exams where id = 'practice'").fetchone()[0])), "{}", {},
            exam="_review-9")  # fmt: skip


def test_exam_status_shows_each_member_by_the_service_clock(
    store: ServiceStore, clock: FakeClock
) -> None:
    """On exam day the instructor sees who is answering, how far, how long is left, who handed in
    (and whom the clock handed in), who opened the paper but has not begun."""
    from exam_tools.service.status import exam_status, summary

    def begin(member: str) -> str:
        paper = store.paper("cert", member)
        store.start("cert", member, paper.id)
        return paper.id

    store.paper("cert", "dy0")  # opened, not begun
    late = begin("dy3")
    clock.advance(5 * 60)
    busy = begin("dy1")
    store.save("cert", "dy1", busy, 1, 1, "A")
    store.save("cert", "dy1", busy, 1, 2, "B")
    done = begin("dy2")
    store.submit("cert", "dy2", done, 1)
    clock.advance(15 * 60 + 31)  # dy3's 20 minutes and the grace are over; dy1 has 5 minutes
    rows = {r["member"]: r for r in exam_status(store, "cert")}
    assert {m: r["state"] for m, r in rows.items()} == {
        "dy0": "未开始", "dy1": "作答中", "dy2": "已交卷", "dy3": "时间已到（未交卷）",
    }  # fmt: skip
    assert (rows["dy1"]["answered"], rows["dy1"]["questions"]) == (2, 10)
    assert rows["dy1"]["remaining"] == pytest.approx(5 * 60 - 31)
    assert (rows["dy2"]["attempt"], rows["dy2"]["allowed"]) == (1, 2)
    assert summary(list(rows.values())) == (
        "共 4 人打开了试卷：作答中 1 人，已交卷 1 人，时间已到（未交卷） 1 人，未开始 1 人"
    )
    store.submit("cert", "dy3", late, 1)  # the late hand-in: by the clock
    assert exam_status(store, "cert")[-1]["state"] == "到时自动交卷"
    out = cli("exam", "status", "cert", "--service-db", str(store.path))
    assert (
        out.startswith("共 4 人打开了试卷：")
        and "dy2：已交卷，第 1 次（共 2 次），已答 0 / 10 题" in out
    )


def test_one_practice_verdict_per_question_and_attempt(store: ServiceStore) -> None:
    """The page asks for a checked question's verdict again after a reload and on 交卷; those
    asks, and an answer changed once the key was shown, add no verdict to the organisers' counts."""
    paper = store.paper("practice", "dy1")
    store.start("practice", "dy1", paper.id)
    key = key_from_compact(paper, store.key("practice"))
    k = next(k for k in key.items if k.type is QType.JUDGE)
    store.save("practice", "dy1", paper.id, 1, k.n, not k.answer)
    assert store.check("practice", "dy1", paper.id, 1, k.n)["correct"] is False
    assert store.check("practice", "dy1", paper.id, 1, k.n)["correct"] is False  # a reload
    store.save("practice", "dy1", paper.id, 1, k.n, k.answer)  # the key was shown: now right
    store.check("practice", "dy1", paper.id, 1, k.n)
    rows = store.db.execute("select correct from practice where member = 'dy1'").fetchall()
    assert [r[0] for r in rows] == [0]
    assert store.practice_tally("dy1", 0) == {"items": 1, "correct": 0, "graded": 1}
