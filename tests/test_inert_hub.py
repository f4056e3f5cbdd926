"""What members write reaches instructors inert, and the exchange cannot be taken over (issue 16
items 3 and 4), on a real JupyterHub on localhost and in a real browser.

Needs root (a LocalHub: Unix accounts ``etxss-…``, removed afterwards) and the hub venv; ports
18220-18224 are this file's own. A member hands in, through their own server, a notebook full of
scripts (``<img onerror>``, ``<script>``, SVG ``onload``, ``<details ontoggle>``, a ``javascript:``
link, HTML, SVG and JavaScript outputs, an image whose data breaks out of its attribute, a hostile
cell tag); each script would mark the page, send a request, and raise the member's score in
formgrader's gradebook to 38. The instructor collects with formgrader, grades with exam-tools and
opens the submission in formgrader in headless Chromium: nothing runs, the score stays. Then a
member tries to move the course's exchange folder aside and put their own in its place.

The first tests need no hub: the sanitizer itself, rendered with nbconvert as formgrader does.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exam_tools.bank.model import Bank
from exam_tools.grading.inert import inert_notebook, safe_name, sanitize_folder
from exam_tools.hub.client import HubSession
from exam_tools.hub.localhub import LocalHub

from .conftest import DATA, ROOT, running_hub, write_exam

COURSE = "etxssc"
PORT = 18220
SCORE = 38  # what the payload writes into formgrader's gradebook

PAYLOAD_JS = """\
window.__pwned = (window.__pwned || []).concat([TAG]);
fetch('/pwned-' + TAG).catch(function () {});
var b = location.pathname.split('/formgrader/')[0] + '/formgrader/api/';
var sid = (location.pathname.split('/submissions/')[1] || '').split('/')[0];
var h = {'X-XSRFToken': decodeURIComponent((document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '')};
fetch(b + 'grades?submission_id=' + sid, {headers: h}).then(function (r) { return r.json(); })
  .then(function (gs) { gs.forEach(function (g) {
    fetch(b + 'grade/' + g.id, {method: 'PUT', headers: h,
                                body: JSON.stringify({manual_score: SCORE})}); }); });
"""


def js(tag: str) -> str:
    """``eval(atob('…'))`` of the payload marked ``tag`` (no quotes to escape in attributes)."""
    code = PAYLOAD_JS.replace("TAG", json.dumps(tag)).replace("SCORE", str(SCORE))
    return f"eval(atob('{base64.b64encode(code.encode()).decode()}'))"


def hostile_cells() -> list[dict[str, Any]]:
    """Cells a member adds to the exam notebook before handing it in."""
    md = [
        f'我的心得：认真学习 <img src=x onerror="{js("img")}">',
        f"<script>{js('script')}</script>",
        f'<svg onload="{js("svg")}"><circle r="5"/></svg>',
        f'<details open ontoggle="{js("details")}"><summary>摘要</summary>内容</details>',
        f'[点我看答案](javascript:{js("link")}) 和 <a href="javascript:{js("a")}">这里</a>',
    ]
    cells: list[dict[str, Any]] = [
        {"cell_type": "markdown", "metadata": {}, "source": s} for s in md
    ]
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{js("svg-output")}"><rect/></svg>'
    outputs = [
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": f"<b>输出</b><script>{js('html-output')}</script>"
                               f'<img src=y onerror="{js("html-img")}">',
                  "text/plain": "输出"}},
        {"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": svg}},
        {"output_type": "display_data", "metadata": {},
         "data": {"application/javascript": js("js-output")}},
        {"output_type": "display_data",
         "metadata": {"image/png": {"width": f'1" onmouseover="{js("width")}'}},
         "data": {"image/png": f'x" onerror="{js("png")}'}},
    ]  # fmt: skip
    cells.append({"cell_type": "code", "execution_count": 1, "source": "print(1)",
                  "metadata": {"tags": [f'x"><img src=t onerror="{js("tag")}">']},
                  "outputs": outputs})  # fmt: skip
    return [{"id": f"hostile-{i}", **c} for i, c in enumerate(cells)]


# ---- the sanitizer, rendered as formgrader renders (no hub needed) ---------------------------


def rendered(nb: dict[str, Any]) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    node = nbformat.from_dict(nb)
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(node)
    return str(body)


def member_scripts(page: str) -> list[str]:
    """What in a rendered page could run the payload: an event handler, a script, a
    ``javascript:`` URL or raw SVG carrying it."""
    found = re.findall(r"<[^>]*\bon[a-z]+\s*=[^>]*>", page, re.I)
    found += [s for s in re.findall(r"<script[^>]*>.*?</script>", page, re.S | re.I)
              if "atob" in s]  # fmt: skip
    found += re.findall(r"(?:href|src)\s*=\s*[\"']?\s*javascript:", page, re.I)
    found += re.findall(r"<svg[^>]*>", page, re.I)
    return found


def test_the_hostile_notebook_renders_inert_and_still_readable() -> None:
    nb = {"cells": hostile_cells(), "metadata": {"kernelspec": {"name": "python3<x>", "display_name": "P"}},
          "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    assert member_scripts(rendered(nb))  # the same notebook untouched: scripts everywhere
    clean = inert_notebook(nb)
    page = rendered(clean)
    assert member_scripts(page) == []
    assert "我的心得：认真学习" in page and "摘要" in page and "点我看答案" in page
    assert "<b>输出</b>" in page  # harmless HTML stays HTML
    assert "未显示的输出：application/javascript" in page and "image/svg+xml" in page
    assert clean["metadata"]["kernelspec"]["name"] == "python3"
    assert all(c["metadata"] == {} for c in clean["cells"])
    # sanitising twice (collect, then grade's copy) keeps it inert and readable
    twice = rendered(inert_notebook(clean))
    assert member_scripts(twice) == [] and "我的心得：认真学习" in twice


def test_nbgrader_metadata_is_kept_only_with_the_expected_types() -> None:
    cell = {"cell_type": "code", "source": "", "outputs": [], "execution_count": "<b>",
            "metadata": {"nbgrader": {"grade": True, "grade_id": "exam_score", "points": 33,
                                      "solution": "yes", "locked": False, "schema_version": 3,
                                      "cell_type": "code"}}}  # fmt: skip
    bad = {"cell_type": "code", "source": "", "outputs": [],
           "metadata": {"nbgrader": {"grade": True, "grade_id": '"><script>'}}}  # fmt: skip
    [good, hostile] = inert_notebook({"cells": [cell, bad]})["cells"]
    assert good["metadata"]["nbgrader"] == {"grade": True, "grade_id": "exam_score", "points": 33,
                                            "locked": False, "schema_version": 3,
                                            "cell_type": "code"}  # fmt: skip
    assert good["execution_count"] is None
    assert hostile["metadata"]["nbgrader"] == {"grade": True}
    assert inert_notebook("not a notebook")["cells"] == []


def test_folders_lose_links_and_unsafe_names(tmp_path: Path) -> None:
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / '<img src=x onerror="alert(1)">.ipynb').write_text(
        json.dumps({"cells": hostile_cells()}), "utf-8"
    )
    (folder / "broken.ipynb").write_text("{not json", "utf-8")
    (folder / "key").symlink_to("/etc/passwd")
    assert sanitize_folder(folder) == 2
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["_img src_x onerror__alert(1)__.ipynb", "broken.ipynb",
                     "broken.ipynb.rejected"]  # fmt: skip
    for nb in folder.glob("*.ipynb"):
        assert member_scripts(rendered(json.loads(nb.read_text("utf-8")))) == []
    assert safe_name("党员心得.ipynb") == "党员心得.ipynb"


def test_a_service_exams_notebook_shows_the_services_answers_escaped(
    bank: Bank, tmp_path: Path
) -> None:
    from exam_tools.service.notebook import service_notebook

    paper = write_exam(bank, tmp_path / "exam", "m1")
    hostile = f'<img src=x onerror="{js("answer")}"> [点](javascript:{js("answer-link")})'
    answers = {item.n: hostile for item in paper.items}
    nb = service_notebook({"cells": hostile_cells()}, paper, [(1, answers)])
    page = rendered(nb)
    assert member_scripts(page) == []
    assert "考试服务记录的作答" in page and "第 1 次作答" in page
    assert "&lt;img src=x onerror=" in page  # shown as text, for the instructor to read


def test_feedback_pages_show_names_and_answers_as_text(bank: Bank, tmp_path: Path) -> None:
    """The 成绩反馈 page exam-tools writes (instructors open it too) escapes what members wrote."""
    import html

    from exam_tools.course.key import answer_key
    from exam_tools.grading.grade import ItemResult, SubmissionResult
    from exam_tools.reports.feedback import feedback_html

    paper = write_exam(bank, tmp_path / "exam", "m1")
    hostile = f'<img src=x onerror="{js("feedback")}"><script>{js("feedback")}</script>'
    items = [ItemResult(i.n, i.qid, i.type.value, hostile, (), 0.0, i.points, False, False)
             for i in paper.items]  # fmt: skip
    result = SubmissionResult("m1", "cert", "rice", "cert", paper.id, 1, None, None,
                              paper.total_points, 60.0, items)  # fmt: skip
    page = feedback_html(paper, result, answer_key(paper, bank), name=hostile)
    assert member_scripts(page) == []
    assert page.count(html.escape(hostile)) > len(paper.items)  # name and each answer, as text


@pytest.mark.skipif(os.geteuid() != 0, reason="changes owners (CI runs as root)")
def test_hub_init_does_not_adopt_a_course_folder_someone_else_made(tmp_path: Path) -> None:
    """A member may create folders in the sticky root before a course is added: hub init moves
    such a folder aside (root's, 700) and makes the grader's own, instead of adopting its contents."""
    import pwd

    from exam_tools.hub.setup import EXCHANGE_MODE, InitReport, claim_course_folder

    root = tmp_path / "exchange"
    root.mkdir()
    root.chmod(EXCHANGE_MODE)
    squatted = root / "newcourse"
    (squatted / "outbound" / "fake").mkdir(parents=True)
    nobody = pwd.getpwnam("nobody")
    os.chown(squatted, nobody.pw_uid, nobody.pw_gid)
    report = InitReport()
    claim_course_folder(squatted, "root", report)
    assert squatted.stat().st_uid == 0 and list(squatted.iterdir()) == []
    [aside] = [p for p in root.iterdir() if p.name.startswith("newcourse.untrusted-")]
    assert (aside / "outbound" / "fake").is_dir() and aside.stat().st_mode & 0o777 == 0o700
    assert "不属于阅卷账号" in report.warnings[0]
    claim_course_folder(squatted, "root", report)  # the grader's own folder is kept
    assert len(report.warnings) == 1 and squatted.is_dir()


# ---- on a real hub ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=3, port=PORT, prefix="etxss-", course=COURSE,
                     landing=ROOT / "notebooks" / "member" / "我的学习.ipynb",
                     env={"EXAM_TOOLS_ROOT": str(ROOT)})  # fmt: skip
    yield from running_hub(local)


def formgrader(hub: LocalHub, t: HubSession, action: str, assignment: str = "cert") -> None:
    deadline = time.monotonic() + 60  # the course's formgrader service may still be starting
    while t.http.get(f"{hub.url}/services/{COURSE}/formgrader/", timeout=60).status_code != 200:
        assert time.monotonic() < deadline, "formgrader did not start"
        time.sleep(1)
    xsrf = t.http.cookies.get("_xsrf", path=f"/services/{COURSE}/") or ""
    r = t.http.post(f"{hub.url}/services/{COURSE}/formgrader/api/assignment/{assignment}/{action}",
                    headers={"X-XSRFToken": xsrf}, timeout=300)  # fmt: skip
    assert r.status_code == 200 and r.json()["success"], r.text[-2000:]


def chown_to_grader(hub: LocalHub, path: Path) -> None:
    subprocess.run(["chown", "-R", f"{hub.grader}:{hub.grader}", str(path)], check=True)


@pytest.fixture(scope="module")
def released(hub: LocalHub) -> HubSession:
    """The course's exam, assigned, generated and released through formgrader; the teacher."""
    root = hub.course_root
    hub.cli("assign", "rice", "cert", "--course-dir", str(root), "--courses", str(DATA / "courses"))
    chown_to_grader(hub, root)
    t = hub.session(hub.teacher)
    formgrader(hub, t, "assign")
    formgrader(hub, t, "release")
    return t


def gradebook_score(hub: LocalHub, member: str, exam: str = "cert") -> tuple[float, list[Any]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{hub.course_root / 'gradebook.db'}") as gb:
        sub = gb.find_submission(exam, member)
        return float(sub.score), [g.manual_score for nb in sub.notebooks for g in nb.grades]


def submission_id(hub: LocalHub, member: str, exam: str) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{hub.course_root / 'gradebook.db'}") as gb:
        return str(gb.find_submission_notebook("exam", exam, member).id)


def open_in_formgrader(
    hub: LocalHub, member: str, exam: str, expected: str
) -> tuple[Any, list[str], list[str], list[str]]:
    """The instructor logs in and opens ``member``'s submission in formgrader, in Chromium, and
    hovers and scrolls over it: what the payloads marked, the requests they sent, the dialogs
    they opened, and the ``javascript:`` links on the page."""
    from playwright.sync_api import sync_playwright

    from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
    from .test_member_ui import PC, WAIT

    name = member
    url = f"{hub.url}/services/{COURSE}/formgrader/submissions/{submission_id(hub, name, exam)}/"
    hits: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=PC)
        page.on("request", lambda r: hits.append(r.url) if "pwned" in r.url else None)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(f"{hub.url}/hub/login", timeout=WAIT)
            page.fill("#username_input", hub.teacher)
            page.fill("#password_input", hub.passwords[hub.teacher])
            page.click("#login_submit")
            page.wait_for_url(re.compile(r".*/user/.*"), timeout=WAIT)
            page.goto(url, timeout=WAIT)
            page.wait_for_load_state("networkidle", timeout=WAIT)
            assert expected in page.content()  # the submission is shown, as text
            page.mouse.move(200, 300)  # hovering and scrolling over everything
            page.mouse.wheel(0, 5000)
            page.wait_for_timeout(3000)
            pwned = page.evaluate("window.__pwned || null")
            links = page.evaluate(
                "[...document.querySelectorAll('a[href]')].map(a => a.href)"
                ".filter(h => h.trim().toLowerCase().startsWith('javascript:'))"
            )
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(
                path=str(ARTIFACTS / f"instructor-formgrader-inert-{exam}.png"), full_page=True
            )
        finally:
            browser.close()
    return pwned, hits, dialogs, links


def test_a_members_scripts_do_not_run_in_the_instructors_formgrader(
    hub: LocalHub, released: HubSession
) -> None:

    name = hub.logins[0]
    m = hub.session(name)
    m.follow(m.user_url())
    m.nbgrader("fetch", COURSE, "cert")
    kernel = m.start_kernel()
    ran = m.execute(kernel, f'import os\nos.chdir(os.path.expanduser("~/{COURSE}/cert"))\n'
                            'from exam_tools.quiz.exam import open_exam\n'
                            'app = open_exam("exam.json", intro=True)\napp.begin_button.click()')  # fmt: skip
    assert ran["error"] is None, ran
    path = f"{COURSE}/cert/exam.ipynb"
    nb = m.read_file(path).json()["content"]  # the contents API reads a notebook as one
    nb["cells"] += hostile_cells()
    assert m.save_text(path, json.dumps(nb, ensure_ascii=False)).status_code == 200
    m.nbgrader("submit", COURSE, "cert")

    t = released
    formgrader(hub, t, "collect")  # formgrader's 收取 (Collect) button
    db = hub.base / "grades.db"
    hub.cli("grade", "cert", "--course-dir", str(hub.course_root), "--db", str(db))
    chown_to_grader(hub, hub.course_root)
    before = gradebook_score(hub, name)
    assert before[0] == 0  # nothing answered

    pwned, hits, dialogs, links = open_in_formgrader(hub, name, "cert", "我的心得")
    after = gradebook_score(hub, name)
    assert (pwned, hits, dialogs, after) == (None, [], [], before)  # still 0, no manual 38
    assert links == []
    # inert from the moment it is collected, not only in the copy formgrader renders
    collected = hub.course_root / "submitted" / name / "cert" / "exam.ipynb"
    text = collected.read_text("utf-8")
    assert "我的心得" in text
    assert "atob" not in text, "the collected notebook still holds the member's scripts"


def test_a_service_exams_answers_reach_formgrader_as_text(
    hub: LocalHub, released: HubSession
) -> None:
    """A service exam: the member sends hostile answers to the service with their own token
    (from their kernel's environment); the notebook formgrader shows is made from the service's
    record, the answers in it are text, and nothing runs."""
    import requests

    from exam_tools.bank.model import QType
    from exam_tools.service.store import ServiceStore

    exam, name = "svc", hub.logins[1]
    root = hub.course_root
    hub.cli("assign", "rice", "cert", "--course-dir", str(root), "--name", exam,
            "--courses", str(DATA / "courses"), "--force")  # fmt: skip
    hub.cli("exam", "open", exam, "--course-dir", str(root), "--service-db", str(hub.service_db))
    chown_to_grader(hub, root)
    formgrader(hub, released, "assign", exam)  # the gradebook's assignment, for formgrader
    m = hub.session(name)
    m.follow(m.user_url())
    kernel = m.start_kernel()
    env = m.execute(kernel, "import os\nprint(os.environ['JUPYTERHUB_API_TOKEN'])\n"
                            "print(os.environ['EXAM_TOOLS_SERVICE_URL'])")  # fmt: skip
    token, url = env["stdout"].split()

    def call(path: str, body: dict[str, Any]) -> requests.Response:
        data = json.dumps({"member": name, **body}).encode()
        return requests.post(f"{url}/api/exams/{exam}/{path}", data=data, timeout=30,
                             headers={"Authorization": f"token {token}"})  # fmt: skip

    store = ServiceStore(hub.service_db)
    paper = store.paper(exam, name)
    store.close()
    assert call("start", {"paper": paper.id}).status_code == 200
    hostile = f'<img src=x onerror="{js("answer")}"><script>{js("answer-script")}</script>'
    sent = 0
    for item in paper.items:
        if item.type in (QType.SHORT, QType.FILL):
            value: Any = hostile if item.type is QType.SHORT else [hostile] * item.blanks
            r = call("answers", {"paper": paper.id, "attempt": 1, "n": item.n, "value": value})
            assert r.status_code == 200, r.text
            sent += 1
    assert sent and call("submit", {"paper": paper.id, "attempt": 1}).status_code == 200

    hub.cli("exam", "export", exam, "--course-dir", str(root), "--service-db", str(hub.service_db))
    hub.cli("grade", exam, "--course-dir", str(root), "--db", str(hub.base / "grades-svc.db"))
    chown_to_grader(hub, root)
    before = gradebook_score(hub, name, exam)
    pwned, hits, dialogs, links = open_in_formgrader(hub, name, exam, "考试服务记录的作答")
    after = gradebook_score(hub, name, exam)
    assert (pwned, hits, dialogs, links, after) == (None, [], [], [], before)
    text = (root / "submitted" / name / exam / "exam.ipynb").read_text("utf-8")
    assert "<img src=x onerror=" not in text and "<script>" not in text
    assert "&lt;img src=x onerror=" in text  # the answer, escaped once: shown as typed
    assert "&amp;lt;img" not in text


def test_a_member_cannot_take_over_the_exchange(hub: LocalHub, released: HubSession) -> None:
    exchange = hub.base / "exchange"
    assert exchange.stat().st_mode & 0o7777 == 0o1777
    course = exchange / COURSE
    attacker, other = hub.session(hub.logins[1]), hub.session(hub.logins[2])
    kernel = attacker.start_kernel()
    code = f"""
import json, os
course = {str(course)!r}
fake = os.path.expanduser("~/fake")
os.makedirs(fake + "/outbound/fake-exam", exist_ok=True)
open(fake + "/outbound/fake-exam/exam.ipynb", "w").write("{{}}")
out = {{}}
for what, args in [("rename", (course, course + ".old")),
                   ("replace", (fake, course)),
                   ("outbound", (course + "/outbound", course + "/outbound.old"))]:
    try:
        os.rename(*args)
        out[what] = "done"
    except OSError as exc:
        out[what] = type(exc).__name__
print(json.dumps(out))
"""
    ran = attacker.execute(kernel, code)
    assert ran["error"] is None, ran
    assert json.loads(ran["stdout"]) == {"rename": "PermissionError", "replace": "PermissionError",
                                         "outbound": "PermissionError"}  # fmt: skip
    # nbgrader's own layout still holds: inbound write-only, outbound readable, owned by the grader
    import pwd

    assert pwd.getpwuid(course.stat().st_uid).pw_name == hub.grader
    assert (course / "inbound").stat().st_mode & 0o777 == 0o733
    assert (course / "outbound").stat().st_mode & 0o777 == 0o755
    # and another member's 待考 lists the real exam, from the real folder
    k2 = other.start_kernel()
    listed = other.execute(k2, "import json, os\nfrom exam_tools.quiz.exchange import MemberExchange\n"
                               "ex = MemberExchange(os.path.expanduser('~'), os.environ['JUPYTERHUB_USER'])\n"
                               "print(json.dumps([[e.course_id, e.assignment_id, str(e.source)] "
                               "for e in ex.exams()]))")  # fmt: skip
    assert listed["error"] is None, listed
    assert json.loads(listed["stdout"]) == [[COURSE, "cert", str(course / "outbound" / "cert")]]
