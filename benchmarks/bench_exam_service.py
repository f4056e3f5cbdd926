"""Load on the exam service: N members start an exam, save answers with jitter, and hand in.

Runs a real JupyterHub (the hub venv, ports 18110-18113, no root needed) with the exam service as a
managed service, and N hub users, each with an API token of their own, made through the hub's REST
API (users without Unix accounts or servers). Every request goes the real path: the token is checked by
``HubAuth`` against the hub (once per member, then cached), the rules run, the answer is committed
to SQLite (WAL) before the reply. Members are simulated by one asyncio process (tornado's HTTP
client), each saving ``--answers`` answers at random intervals averaging ``--pace`` seconds.

Prints: save latency p50/p90/p99/max, throughput, errors, and lost answers (accepted by the
service but missing from its database, or a last answer that differs): must be 0.

    python benchmarks/bench_exam_service.py [--members 500] [--answers 30] [--pace 1.5] [--ramp 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from exam_tools.hub.localhub import service_pids  # noqa: E402  # after the sys.path line above

VENV = Path("/opt/exam-tools-hub")
PORT = 18110  # hub, hub API, proxy API, service


def hub_config(base: Path, admin: str, port: int = PORT) -> str:
    service = [str(VENV / "bin" / "python"), "-m", "exam_tools.service.server",
               "--db", str(base / "service.sqlite")]  # fmt: skip
    return f"""
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {port + 1}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{port + 2}"
c.ConfigurableHTTPProxy.pid_file = {str(base / "proxy.pid")!r}
c.JupyterHub.db_url = "sqlite:///{base / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(base / "cookie_secret")!r}
c.JupyterHub.log_level = "WARN"
c.JupyterHub.authenticator_class = "null"  # users made through the API; nobody logs in
c.JupyterHub.load_roles = [
    {{"name": "user", "scopes": ["self", "access:services!service=exam"]}},
    {{"name": "bench-admin", "services": ["bench-admin"], "scopes": ["admin:users", "tokens"]}},
]
c.JupyterHub.services = [{{"name": "exam", "url": "http://127.0.0.1:{port + 3}",
                           "command": {service!r},
                           "environment": {{"PYTHONPATH": {str(ROOT / "src")!r}}}}},
                         {{"name": "bench-admin", "api_token": {admin!r}}}]
"""


def set_up_exam(base: Path) -> None:
    """The rice course's certification exam, assigned and handed to the service's database."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    course = base / "course"
    for args in (
        ["assign", "rice", "cert", "--course-dir", str(course),
         "--courses", str(ROOT / "tests" / "data" / "courses")],
        ["exam", "open", "cert", "--course-dir", str(course),
         "--service-db", str(base / "service.sqlite")],
    ):  # fmt: skip
        subprocess.run([sys.executable, "-m", "exam_tools", *args], env=env, check=True,
                       capture_output=True)  # fmt: skip


async def member(
    name: str, token: str, url: str, answers: int, pace: float, ramp: float, out: dict[str, list]
) -> None:
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError

    client = AsyncHTTPClient()
    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}

    async def call(method: str, path: str, body: dict | None = None) -> dict:
        kw = {"body": json.dumps({**body, "member": name})} if body is not None else {}
        q = "" if body is not None else f"?member={name}"
        r = await client.fetch(f"{url}/api/{path}{q}", method=method, headers=headers,
                               request_timeout=60, **kw)  # fmt: skip
        return json.loads(r.body)

    await asyncio.sleep(random.uniform(0, ramp))  # members open the exam over a while
    t_start = time.perf_counter()
    try:
        state = await call("GET", "exams/cert")
        paper = state["paper"]  # the questions come with 开始考试 (issue 16)
        started = await call("POST", "exams/cert/start", {"paper": paper})
        length = len(started["paper_json"]["items"])
        out["start"].append(time.perf_counter() - t_start)
    except (HTTPClientError, OSError) as exc:
        out["errors"].append(f"{name} start: {exc}")
        return
    sent: dict[int, str] = {}
    for i in range(answers):
        await asyncio.sleep(random.expovariate(1 / pace))
        n, value = 1 + i % length, f"{name}-{i}"
        t0 = time.perf_counter()
        try:
            await call("POST", "exams/cert/answers",
                       {"paper": paper, "attempt": 1, "n": n, "value": value})  # fmt: skip
        except (HTTPClientError, OSError) as exc:
            out["errors"].append(f"{name} save {i}: {exc}")
            continue
        out["latency"].append(time.perf_counter() - t0)
        sent[n] = value
    try:
        await call("POST", "exams/cert/submit", {"paper": paper, "attempt": 1})
    except (HTTPClientError, OSError) as exc:
        out["errors"].append(f"{name} submit: {exc}")
    out["sent"].append((name, sent))


async def run_members(
    tokens: dict[str, str], url: str, answers: int, pace: float, ramp: float
) -> dict:
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=len(tokens))
    out: dict[str, list] = {"latency": [], "errors": [], "sent": [], "start": []}
    t0 = time.perf_counter()
    await asyncio.gather(*(member(name, tok, url, answers, pace, ramp, out)
                           for tok, name in tokens.items()))  # fmt: skip
    out["elapsed"] = [time.perf_counter() - t0]
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_hub(hub: subprocess.Popen[bytes], base: Path, log: IO[bytes]) -> None:
    """Stop the hub a run started, its proxy (by the pid file) and the service it left running."""
    hub.send_signal(signal.SIGTERM)
    hub.wait(30)
    pid = base / "proxy.pid"
    if pid.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid.read_text()), signal.SIGTERM)
    log.close()
    stop_service(base / "service.sqlite")


def stop_service(db: Path) -> None:
    """The service this run started, if the hub left it running."""
    for pid in service_pids(db):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def make_users(admin: str, names: list[str], port: int = PORT) -> dict[str, str]:
    """Hub users and a token for each, made through the hub's REST API: token → name."""
    import urllib.error
    import urllib.request

    api = f"http://127.0.0.1:{port + 1}/hub/api"

    def call(method: str, path: str, body: dict) -> dict:
        req = urllib.request.Request(f"{api}/{path}", data=json.dumps(body).encode(),
                                     method=method, headers={"Authorization": f"token {admin}"})  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())  # type: ignore[no-any-return]
        except urllib.error.HTTPError as exc:
            raise SystemExit(f"{method} {path}: {exc.code} {exc.read()[:300]!r}") from None

    call("POST", "users", {"usernames": names})
    return {call("POST", f"users/{n}/tokens", {"note": "bench"})["token"]: n for n in names}


def wait_up(url: str, timeout: float = 120) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except urllib.error.HTTPError:
            return  # answering (403 without a token): up
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} not up in {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--answers", type=int, default=30)
    parser.add_argument("--pace", type=float, default=1.5, help="mean seconds between saves")
    parser.add_argument("--ramp", type=float, default=30, help="members arrive within this many s")
    args = parser.parse_args()
    if not (VENV / "bin" / "jupyterhub").exists() or not shutil.which("configurable-http-proxy"):
        raise SystemExit(f"needs the hub venv at {VENV} and configurable-http-proxy")
    base = Path(tempfile.mkdtemp(prefix="bench-exam-service-"))
    admin = secrets.token_hex(16)
    (base / "jupyterhub_config.py").write_text(hub_config(base, admin), "utf-8")
    set_up_exam(base)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "PATH": f"{VENV / 'bin'}:{os.environ['PATH']}"}  # fmt: skip
    log = (base / "hub.log").open("wb")
    t_hub = time.perf_counter()
    hub = subprocess.Popen([str(VENV / "bin" / "jupyterhub", ), "-f", "jupyterhub_config.py"],
                           cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{PORT + 3}/services/exam"
        wait_up(f"{url}/api/record")
        tokens = make_users(admin, [f"bm{i:04d}" for i in range(args.members)])
        print(f"hub and service up in {time.perf_counter() - t_hub:.1f} s "
              f"({args.members} users with tokens)")  # fmt: skip
        [svc] = service_pids(base / "service.sqlite")
        cpu0, gen0 = cpu_seconds(svc), time.process_time()
        out = asyncio.run(run_members(tokens, url, args.answers, args.pace, args.ramp))
        cpu = {"service": cpu_seconds(svc) - cpu0, "load generator": time.process_time() - gen0}
    finally:
        stop_hub(hub, base, log)
    from exam_tools.service.store import ServiceStore

    store = ServiceStore(base / "service.sqlite")
    lat = sorted(out["latency"])
    rows = store.db.execute("select count(*) from answers").fetchone()[0]
    lost = 0
    for name, sent in out["sent"]:
        got = store.answers("cert", name, 1)
        lost += sum(1 for n, v in sent.items() if got.get(n) != v)
    lost += max(0, len(lat) - rows)  # accepted saves missing from the database
    elapsed = out["elapsed"][0]

    def pct(p: float) -> float:
        return 1000 * lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")

    print(f"members {args.members} arriving within {args.ramp:g} s, answers each {args.answers}, "
          f"mean pace {args.pace} s")  # fmt: skip
    print(f"saves accepted {len(lat)} in {elapsed:.1f} s: {len(lat) / elapsed:.0f} saves/s")
    print(f"save latency ms: p50 {pct(0.50):.1f}  p90 {pct(0.90):.1f}  p99 {pct(0.99):.1f}  "
          f"max {1000 * lat[-1]:.1f}  mean {1000 * statistics.fmean(lat):.1f}")  # fmt: skip
    starts = sorted(out["start"])
    if starts:
        print(f"first requests (token checked by the hub, paper drawn, attempt started) ms: "
              f"p50 {1000 * starts[len(starts) // 2]:.0f}  max {1000 * starts[-1]:.0f}")  # fmt: skip
    requests = len(lat) + 3 * len(out["sent"])  # saves, and state + start + submit per member
    print(f"CPU: service {cpu['service']:.1f} s ({1000 * cpu['service'] / requests:.2f} ms per "
          f"request), load generator {cpu['load generator']:.1f} s; elapsed {elapsed:.0f} s on "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"errors {len(out['errors'])}, lost answers {lost}, rows in database {rows}")
    for e in out["errors"][:5]:
        print("  ", e)
    shutil.rmtree(base, ignore_errors=True)
    if lost or out["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
