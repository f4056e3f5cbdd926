"""A 知识竞赛 under load: N members (real hub tokens) play one contest of Q questions.

Runs a real JupyterHub (the hub venv; ports 18540-18543; no root needed) with the exam service as
a managed service, N hub users and a host (a hub admin), each with an API token made through the
hub's REST API. Each simulated member does what the phone page does, over the same HTTP path
through the hub's proxy: long-polls ``api/contests/<c>?after=version``, and on each new question
answers after a random 0.3-3 s (right or wrong at random). The host moves on with ``POST
api/contests/<c>/next``: open a question, wait ``--answer-time`` seconds, close it, next.

Prints: from the host's "next question" (request sent) to each member's page holding it, p50/p95/
max over every member and question (must be p95 <= 1 s); answer round trips p50/p99/max (p99 <= 200
ms); answers lost (accepted but missing or different in the service's database: must be 0).

    python benchmarks/bench_contest.py [--members 60] [--questions 10] [--answer-time 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_exam_service import (  # noqa: E402  # after the sys.path lines above
    VENV,
    cpu_seconds,
    hub_config,
    make_users,
    stop_hub,
    wait_up,
)
from exam_tools.hub.localhub import service_pids  # noqa: E402

PORT = 18540  # hub, hub API, proxy API, service
CONTEST = "bench"


def cli(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    r = subprocess.run([sys.executable, "-m", "exam_tools", *args], env=env, capture_output=True,
                       text=True, check=False)  # fmt: skip
    if r.returncode:
        raise SystemExit(f"exam-tools {' '.join(args)}:\n{r.stdout}{r.stderr}")
    return r.stdout


def set_up(base: Path, questions: int, seconds: float) -> None:
    db = str(base / "service.sqlite")
    cli("exam", "open", "rice-practice", "--practice", "rice/practice", "--service-db", db,
        "--courses", str(ROOT / "tests" / "data" / "courses"), "--bank", str(ROOT / "question_bank"))  # fmt: skip
    cli("exam", "contest", "new", CONTEST, "--from", "rice-practice", "--title", "压力测试竞赛",
        "--questions", str(questions), "--seconds", str(seconds), "--seed", "7",
        "--service-db", db)  # fmt: skip


class Run:
    def __init__(self, url: str, questions: int) -> None:
        self.url = url
        self.questions = questions
        self.opened: dict[int, float] = {}  # k → perf_counter when the host sent "next"
        self.seen: list[float] = []  # seconds from the host's next to a member holding it
        self.answer_rtt: list[float] = []
        self.accepted: dict[tuple[str, int], Any] = {}
        self.errors: list[str] = []
        self.polling: set[str] = set()
        self.host_rtt: list[float] = []
        self.tasks: set[asyncio.Future[None]] = set()

    async def fetch(self, method: str, path: str, token: str, body: Any = None, **kw: Any) -> Any:
        from tornado.httpclient import AsyncHTTPClient

        data = None if body is None else json.dumps(body)
        r = await AsyncHTTPClient().fetch(f"{self.url}/api/{path}", method=method, body=data,
                                          headers={"Authorization": f"token {token}"},
                                          request_timeout=60, **kw)  # fmt: skip
        return json.loads(r.body)

    async def member(self, name: str, token: str) -> None:
        from tornado.httpclient import HTTPClientError

        version, answered = -1, 0
        while True:
            try:
                self.polling.add(name)
                s = await self.fetch("GET", f"contests/{CONTEST}?member={name}&after={version}",
                                     token)  # fmt: skip
            except (HTTPClientError, OSError) as exc:
                self.errors.append(f"{name} poll: {exc}")
                await asyncio.sleep(1)
                continue
            got = time.perf_counter()
            version = s["version"]
            if s["phase"] == "finished":
                return
            k = s["k"]
            if s["phase"] == "open" and k > answered:
                answered = k
                self.seen.append(got - self.opened[k])
                task = asyncio.ensure_future(self.answer(name, token, k, s["question"]))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)

    async def answer(self, name: str, token: str, k: int, q: dict[str, Any]) -> None:
        from tornado.httpclient import HTTPClientError

        await asyncio.sleep(random.uniform(0.3, 3.0))
        if q["type"] == "judge":
            value: Any = random.choice([True, False])
        else:
            value = random.choice("ABCDEFGH"[: len(q["options"])])
        t0 = time.perf_counter()
        try:
            await self.fetch("POST", f"contests/{CONTEST}/answers", token,
                             {"member": name, "k": k, "value": value})  # fmt: skip
        except (HTTPClientError, OSError) as exc:
            self.errors.append(f"{name} answer {k}: {exc}")
            return
        self.answer_rtt.append(time.perf_counter() - t0)
        self.accepted[(name, k)] = value

    async def host(self, token: str, members: int, answer_time: float) -> None:
        while len(self.polling) < members:  # every phone on the page
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
        for k in range(1, self.questions + 1):
            self.opened[k] = time.perf_counter()
            await self.fetch("POST", f"contests/{CONTEST}/next", token, {})  # question k
            self.host_rtt.append(time.perf_counter() - self.opened[k])
            await asyncio.sleep(answer_time)
            await self.fetch("POST", f"contests/{CONTEST}/next", token, {})  # answer shown
            await asyncio.sleep(0.5)
        await self.fetch("POST", f"contests/{CONTEST}/next", token, {})  # finished


async def play(url: str, tokens: dict[str, str], host: str, questions: int, wait: float) -> Run:
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=3 * len(tokens) + 10)
    run = Run(url, questions)
    await asyncio.gather(run.host(host, len(tokens), wait),
                         *(run.member(n, t) for t, n in tokens.items()))  # fmt: skip
    return run


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return 1000 * v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=60)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--answer-time", type=float, default=4.0,
                        help="seconds the host leaves each question open")  # fmt: skip
    args = parser.parse_args()
    if not (VENV / "bin" / "jupyterhub").exists() or not shutil.which("configurable-http-proxy"):
        raise SystemExit(f"needs the hub venv at {VENV} and configurable-http-proxy")
    base = Path(tempfile.mkdtemp(prefix="etcb-"))
    admin = secrets.token_hex(16)
    config = hub_config(base, admin, PORT) + '\nc.Authenticator.admin_users = {"etcbhost"}\n'
    (base / "jupyterhub_config.py").write_text(config, "utf-8")
    set_up(base, args.questions, 20)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "PATH": f"{VENV / 'bin'}:{os.environ['PATH']}"}  # fmt: skip
    log = (base / "hub.log").open("wb")
    hub = subprocess.Popen([str(VENV / "bin" / "jupyterhub"), "-f", "jupyterhub_config.py"],
                           cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{PORT}/services/exam"  # through the hub's proxy, as phones go
        wait_up(f"http://127.0.0.1:{PORT + 3}/services/exam/api/record")
        tokens = make_users(admin, [f"etcb{i:03d}" for i in range(args.members)], PORT)
        host = _token(admin, "etcbhost")  # a hub admin (admin_users): the host
        [svc] = service_pids(base / "service.sqlite")
        cpu0 = cpu_seconds(svc)
        t0 = time.perf_counter()
        run = asyncio.run(play(url, tokens, host, args.questions, args.answer_time))
        elapsed = time.perf_counter() - t0
        cpu = cpu_seconds(svc) - cpu0
    finally:
        stop_hub(hub, base, log)
    from exam_tools.service.contest import ContestStore
    from exam_tools.service.store import ServiceStore

    store = ContestStore(ServiceStore(base / "service.sqlite"))
    rows = {(a["member"], a["k"]): a["value"] for a in store.answers(CONTEST)}
    lost = sum(1 for key, v in run.accepted.items() if rows.get(key) != v)
    expected = args.members * args.questions
    print(f"members {args.members}, questions {args.questions}, each open {args.answer_time:g} s; "
          f"{elapsed:.0f} s in all on {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"host's next -> member holds the question: {len(run.seen)} of {expected}; ms p50 "
          f"{pct(run.seen, 0.5):.0f}  p95 {pct(run.seen, 0.95):.0f}  max {pct(run.seen, 1):.0f}")  # fmt: skip
    print(f"host's next (round trip) ms: p50 {pct(run.host_rtt, 0.5):.0f}  max "
          f"{pct(run.host_rtt, 1):.0f}")  # fmt: skip
    print(f"answer received (round trip) ms: {len(run.answer_rtt)} answers; p50 "
          f"{pct(run.answer_rtt, 0.5):.1f}  p99 {pct(run.answer_rtt, 0.99):.1f}  max "
          f"{pct(run.answer_rtt, 1):.1f}")  # fmt: skip
    print(f"service CPU {cpu:.1f} s; errors {len(run.errors)}; answers accepted "
          f"{len(run.accepted)}, in the database {len(rows)}, lost {lost}")  # fmt: skip
    for e in run.errors[:5]:
        print("  ", e)
    shutil.rmtree(base, ignore_errors=True)
    ok = (not lost and not run.errors and len(run.seen) == expected
          and pct(run.seen, 0.95) <= 1000 and pct(run.answer_rtt, 0.99) <= 200)  # fmt: skip
    print("PASS" if ok else "FAIL: a target above is missed")
    if not ok:
        raise SystemExit(1)


def _token(admin: str, name: str) -> str:
    """A token of the existing hub user ``name``."""
    import urllib.request

    req = urllib.request.Request(f"http://127.0.0.1:{PORT + 1}/hub/api/users/{name}/tokens",
                                 data=json.dumps({"note": "bench host"}).encode(), method="POST",
                                 headers={"Authorization": f"token {admin}"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=30) as r:
        return str(json.loads(r.read())["token"])


if __name__ == "__main__":
    main()
