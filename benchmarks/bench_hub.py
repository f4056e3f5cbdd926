"""Benchmark: N members take an exam at once on a real JupyterHub on localhost (needs root).

    python3 benchmarks/bench_hub.py [--members 30] [--pace 2.0] [--questions 30]

Sets up a throwaway hub (exam_tools.hub.localhub: Unix accounts ``ebench-…``, ports 18050-18053,
all removed afterwards), releases the 党章 exam (30 questions) to the exchange, then N members at
the same moment: log in (their servers spawn) and load the Voilà landing page, fetch the exam
through their server's nbgrader endpoint, draw their paper in a kernel and begin (what opening
the exam and tapping 开始考试 do), answer every question at a human-like pace (``--pace`` seconds ± 50 % jitter between
answers), each answer saved through the server's contents API, then 交卷 and nbgrader submit.
Every saved answer is checked in the submitted copy in the exchange.

Prints spawn time p50/p95, answer-save latency p50/p99, memory per member (server, kernels),
failures and lost answers (both must be 0), and the members one 2-core/24 GiB server implies.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exam_tools.bank.load import load_bank
from exam_tools.bank.model import QType
from exam_tools.course.key import answer_key
from exam_tools.course.paper import read_paper
from exam_tools.hub.client import HubSession
from exam_tools.hub.localhub import LocalHub, unavailable

ROOT = Path(__file__).resolve().parents[1]
COURSE, ASSIGNMENT = "ebenchc", "exam"
MAX_MEMBERS, MAX_SECONDS = 200, 1800
GIB = 1024**3


@dataclass
class Result:
    name: str
    spawn: float | None = None
    saves: list[float] = field(default_factory=list)
    sent: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def release_exam(hub: LocalHub, work: Path) -> None:
    """exam-tools assign + nbgrader generate_assignment, then what nbgrader release does."""
    course_dir = work / "course"
    hub.cli("assign", "dangzhang", ASSIGNMENT, "--course-dir", str(course_dir))
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT],
                   cwd=course_dir, check=True, capture_output=True)  # fmt: skip
    outbound = hub.base / "exchange" / COURSE / "outbound" / ASSIGNMENT
    shutil.copytree(course_dir / "release" / ASSIGNMENT, outbound)
    subprocess.run(["chown", "-R", f"{hub.grader}:{hub.grader}",
                    str(hub.base / "exchange" / COURSE)], check=True)  # fmt: skip
    for root, dirs, names in os.walk(hub.base / "exchange" / COURSE / "outbound"):
        for d in dirs:
            Path(root, d).chmod(0o755)
        for n in names:
            Path(root, n).chmod(0o644)
    inbound = hub.base / "exchange" / COURSE / "inbound"
    inbound.mkdir(exist_ok=True)
    shutil.chown(inbound, hub.grader, hub.grader)
    inbound.chmod(0o733)  # nbgrader's inbound: members write, nobody lists


def answer_for(item: Any) -> Any:
    if item.type is QType.FILL:
        return [alts[0] for alts in item.answer]
    if item.type is QType.MULTIPLE:
        return list(item.answer)
    return item.answer


def take_exam(hub: LocalHub, name: str, bank: Any, pace: float, start: threading.Event,
              result: Result, tmp: Path) -> None:  # fmt: skip
    try:
        start.wait()
        t0 = time.monotonic()
        m = HubSession(hub.url, name)
        page = m.login(hub.passwords[name])  # follows to the landing page once the server is up
        if page.status_code != 200 or "voila" not in page.text.lower():
            raise RuntimeError(f"landing page: {page.status_code} {page.url}")
        result.spawn = time.monotonic() - t0
        m.nbgrader("fetch", COURSE, ASSIGNMENT)
        kernel = m.start_kernel()
        ran = m.execute(kernel, f'import os\nos.chdir(os.path.expanduser("~/{COURSE}/{ASSIGNMENT}"))\n'
                                'from exam_tools.quiz.exam import open_exam\napp = open_exam("exam.json", intro=True)\n'
                                'assert app.attempt is None\napp.begin_button.click()')  # fmt: skip
        if ran["error"]:
            raise RuntimeError(f"opening the exam: {ran}")
        folder = f"{COURSE}/{ASSIGNMENT}"
        paper_file = tmp / f"{name}.paper.json"
        paper_file.write_text(m.read_file(f"{folder}/exam.paper.json").json()["content"], "utf-8")
        key = answer_key(read_paper(paper_file), bank)
        responses = json.loads(m.read_file(f"{folder}/exam.paper.responses.json").json()["content"])
        answers: dict[str, Any] = {}
        for k in key.items:
            time.sleep(pace * random.uniform(0.5, 1.5))
            if k.type is not QType.SHORT:
                answers[str(k.n)] = answer_for(k)
            else:
                answers[str(k.n)] = "坚持党的领导，密切联系群众。"
            responses["attempts"][-1]["answers"] = answers
            t = time.monotonic()
            r = m.save_text(f"{folder}/exam.paper.responses.json", json.dumps(responses))
            result.saves.append(time.monotonic() - t)
            if r.status_code != 200:
                raise RuntimeError(f"saving answer {k.n}: {r.status_code}")
        responses["attempts"][-1]["submitted_at"] = datetime.now(UTC).isoformat()
        m.save_text(f"{folder}/exam.paper.responses.json", json.dumps(responses))
        m.nbgrader("submit", COURSE, ASSIGNMENT)
        result.sent = dict(answers)
    except Exception as exc:  # every failure is counted and shown, none stops the others
        result.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"


def processes_by_uid() -> dict[int, list[tuple[str, int, float]]]:
    """uid → [(command, RSS bytes, CPU seconds)] from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[int, list[tuple[str, int, float]]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uid = int(fields["Uid"].split()[0])
        rss = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
        cpu = (int(stat[11]) + int(stat[12])) / ticks
        out.setdefault(uid, []).append((cmd, rss, cpu))
    return out


def lost_answers(hub: LocalHub, results: list[Result]) -> int:
    lost = 0
    inbound = hub.base / "exchange" / COURSE / "inbound"
    for r in results:
        if r.error:
            continue
        found = sorted(inbound.glob(f"{r.name}+{ASSIGNMENT}+*/exam.paper.responses.json"))
        if not found:
            lost += len(r.sent)
            continue
        saved = json.loads(found[-1].read_text("utf-8"))["attempts"][-1]["answers"]
        lost += sum(1 for n, a in r.sent.items() if saved.get(n) != a)
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--pace", type=float, default=2.0, help="seconds between answers (mean)")
    args = parser.parse_args()
    members = max(1, min(args.members, MAX_MEMBERS))
    reason = unavailable()
    if reason:
        sys.exit(f"bench_hub: {reason}")
    bank = load_bank(ROOT / "question_bank")
    hub = LocalHub(ROOT / "src", members=members, port=18050, prefix="ebench-", course=COURSE,
                   landing=ROOT / "notebooks" / "member" / "我的学习.ipynb",
                   env={"EXAM_TOOLS_ROOT": str(ROOT)})  # fmt: skip
    t_setup = time.monotonic()
    with hub, tempfile.TemporaryDirectory() as tmp:
        release_exam(hub, Path(tmp))
        print(f"hub up with {members} accounts in {time.monotonic() - t_setup:.1f} s")
        results = [Result(name) for name in hub.logins]
        start = threading.Event()
        threads = [threading.Thread(target=take_exam, daemon=True,
                                    args=(hub, r.name, bank, args.pace, start, r, Path(tmp)))
                   for r in results]  # fmt: skip
        for t in threads:
            t.start()
        t0 = time.monotonic()
        start.set()
        peak: dict[int, list[tuple[str, int, float]]] = {}
        peak_total = 0
        cpu = 0.0
        while any(t.is_alive() for t in threads) and time.monotonic() - t0 < MAX_SECONDS:
            time.sleep(2)
            snap = processes_by_uid()
            uids = {pwd.getpwnam(r.name).pw_uid for r in results}
            total = sum(rss for uid in uids for _, rss, _ in snap.get(uid, []))
            cpu = sum(c for uid in uids for _, _, c in snap.get(uid, []))
            if total > peak_total:
                peak_total, peak = total, {u: snap.get(u, []) for u in uids}
        wall = time.monotonic() - t0
        failures = [r for r in results if r.error or len(r.saves) < 1]
        lost = lost_answers(hub, results)
        hub_rss = sum(rss for cmd, rss, _ in processes_by_uid().get(0, [])
                      if "jupyterhub -f" in cmd or "configurable-http-proxy" in cmd)  # fmt: skip
    spawn = [r.spawn for r in results if r.spawn is not None]
    saves = [s for r in results for s in r.saves]
    servers = [rss for procs in peak.values() for cmd, rss, _ in procs if "singleuser" in cmd]
    kernels = [rss for procs in peak.values() for cmd, rss, _ in procs if "ipykernel" in cmd]
    print(f"{members} members at once, pace {args.pace} s ± 50 %, whole run {wall:.0f} s")
    if spawn:
        print(f"login → landing page (spawn): p50 {statistics.median(spawn):.1f} s, "
              f"p95 {percentile(spawn, 95):.1f} s, max {max(spawn):.1f} s")  # fmt: skip
    if saves:
        print(f"answer saved: p50 {statistics.median(saves) * 1000:.0f} ms, "
              f"p99 {percentile(saves, 99) * 1000:.0f} ms ({len(saves)} saves)")  # fmt: skip
    if servers and kernels:
        server, kernel = statistics.median(servers), statistics.median(kernels)
        per_member = peak_total / len(peak)
        print(f"memory at peak: {peak_total / GIB:.2f} GiB for {len(peak)} members = "
              f"{per_member / 2**20:.0f} MiB each (server {server / 2**20:.0f} MiB, "
              f"{len(kernels) / len(peak):.1f} kernels of {kernel / 2**20:.0f} MiB); "
              f"hub + proxy {hub_rss / 2**20:.0f} MiB")  # fmt: skip
        usable = 24 * GIB - 2 * GIB - hub_rss  # 2 GiB for the system
        one_page = server + kernel  # a member with the exam page open: server + one kernel
        print(f"implied per 2-core/24 GiB server: {usable / per_member:.0f} members as measured, "
              f"{usable / one_page:.0f} with one page (kernel) each")  # fmt: skip
    print(f"CPU of members' servers and kernels: {cpu:.0f} s over {wall:.0f} s "
          f"= {cpu / wall:.2f} cores on average for {members} members (spawns included)")  # fmt: skip
    print(f"failures: {len(failures)}   lost answers: {lost}")
    for r in failures[:5]:
        print(f"  {r.name}: {r.error}")
    if failures or lost:
        sys.exit(1)


if __name__ == "__main__":
    main()
