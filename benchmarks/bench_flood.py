"""One member floods the exam service while the others answer: database growth and their latency.

Runs a real JupyterHub with the exam service (the hub venv, ports 18250-18253, localhost only, no
root), as bench_exam_service does: hub users with real API tokens, every request checked by
``HubAuth``. ``--members`` members each save an answer every ``--pace`` seconds on average
throughout; meanwhile, phase by phase, one more member floods for ``--seconds`` seconds with
``--conns`` connections sending back to back:

- ``quiet``: nobody floods (the others' baseline);
- ``refused``: saves for a paper that is not the member's (each one refused);
- ``made-up tokens``: requests with a new random token each (no hub user);
- ``max-size answers``: valid saves of the largest answer the service takes, two questions in turn;
- ``错题本 papers``: new 错题本 papers, as fast as the service gives them.

Prints per phase: the flood's requests and replies, the growth of the database (its pages with
every committed write, and the file plus write-ahead log on disk), the refusal rows added, and
the others' save latency p50/p99/max and errors.

    python benchmarks/bench_flood.py [--members 40] [--pace 1.0] [--seconds 30] [--conns 8]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_exam_service import (  # after the sys.path line above
    ROOT,
    VENV,
    hub_config,
    make_users,
    set_up_exam,
    stop_hub,
    wait_up,
)

PORT = 18250  # hub, hub API, proxy API, service


def db_size(db: Path) -> tuple[int, int]:
    """(pages × page size with every committed write, file + write-ahead log on disk)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    pages = (
        con.execute("pragma page_count").fetchone()[0]
        * con.execute("pragma page_size").fetchone()[0]
    )
    con.close()
    wal = db.with_name(db.name + "-wal")
    return pages, db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def refusal_rows(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    n = con.execute("select count(*) from refusals").fetchone()[0]
    con.close()
    return int(n)


async def answering(client: Any, url: str, name: str, token: str, paper: str, length: int,
                    pace: float, stop: asyncio.Event, lat: list[float], errors: list[str]) -> None:  # fmt: skip
    """One member saving answers at random intervals until ``stop``."""
    from tornado.httpclient import HTTPClientError

    headers = {"Authorization": f"token {token}"}
    i = 0
    while not stop.is_set():
        await asyncio.sleep(random.expovariate(1 / pace))
        i += 1
        body = json.dumps({"member": name, "paper": paper, "attempt": 1, "n": 1 + i % length,
                           "value": f"{name}-{i}"})  # fmt: skip
        t0 = time.perf_counter()
        try:
            await client.fetch(f"{url}/api/exams/cert/answers", method="POST", body=body,
                               headers=headers, request_timeout=60)  # fmt: skip
        except (HTTPClientError, OSError) as exc:
            errors.append(f"{name}: {exc}")
            continue
        lat.append(time.perf_counter() - t0)


async def flooding(url: str, make: Any, seconds: float, conns: int) -> collections.Counter[str]:
    """``conns`` connections sending ``make()`` (path, body, token) back to back for ``seconds``."""
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError

    client = AsyncHTTPClient(force_instance=True, max_clients=conns)
    counts: collections.Counter[str] = collections.Counter()
    end = time.monotonic() + seconds

    async def one() -> None:
        while time.monotonic() < end:
            path, body, token = make()
            try:
                r = await client.fetch(f"{url}/api/{path}", method="POST", body=json.dumps(body),
                                       headers={"Authorization": f"token {token}"},
                                       request_timeout=60)  # fmt: skip
                counts[str(r.code)] += 1
            except HTTPClientError as exc:
                counts[str(exc.code)] += 1
            except OSError:
                counts["error"] += 1

    await asyncio.gather(*(one() for _ in range(conns)))
    client.close()
    return counts


async def start_members(
    client: Any, url: str, tokens: dict[str, str]
) -> dict[str, tuple[str, int]]:
    """Each member opens the exam and starts: name → (paper, questions)."""
    out = {}
    for token, name in tokens.items():
        h = {"Authorization": f"token {token}"}
        r = await client.fetch(f"{url}/api/exams/cert?member={name}", headers=h)
        state = json.loads(r.body)
        await client.fetch(f"{url}/api/exams/cert/start", method="POST", headers=h,
                           body=json.dumps({"member": name, "paper": state["paper"]}))  # fmt: skip
        out[name] = (state["paper"], len(state["paper_json"]["items"]))
        await asyncio.sleep(0.25)  # within each member's request rate
    return out


def pct(lat: list[float], p: float) -> float:
    s = sorted(lat)
    return 1000 * s[min(len(s) - 1, int(p * len(s)))] if s else float("nan")


async def run(args: argparse.Namespace, url: str, db: Path, tokens: dict[str, str],
              flooder: tuple[str, str]) -> None:  # fmt: skip
    from tornado.httpclient import AsyncHTTPClient

    from exam_tools.course.key import key_from_compact
    from exam_tools.service import rules as R
    from exam_tools.service.store import ServiceStore

    client = AsyncHTTPClient(force_instance=True, max_clients=len(tokens) + 2)
    papers = await start_members(client, url, tokens)
    fname, ftoken = flooder
    fh = {"Authorization": f"token {ftoken}"}
    state = json.loads(
        (await client.fetch(f"{url}/api/exams/cert?member={fname}", headers=fh)).body
    )
    await client.fetch(f"{url}/api/exams/cert/start", method="POST", headers=fh,
                       body=json.dumps({"member": fname, "paper": state["paper"]}))  # fmt: skip
    # a wrong verdict in practice puts a question in the flooder's 错题本
    drill = json.loads(
        (await client.fetch(f"{url}/api/exams/drill?member={fname}", headers=fh)).body
    )
    await client.fetch(f"{url}/api/exams/drill/start", method="POST", headers=fh,
                       body=json.dumps({"member": fname, "paper": drill["paper"]}))  # fmt: skip
    store = ServiceStore(db)
    paper = store.paper("drill", fname)
    key = key_from_compact(paper, store.key("drill"))
    store.close()
    judge = next(k for k in key.items if k.type.value == "judge")
    body = {"member": fname, "paper": drill["paper"], "attempt": 1, "n": judge.n}
    await client.fetch(f"{url}/api/exams/drill/answers", method="POST", headers=fh,
                       body=json.dumps({**body, "value": not judge.answer}))  # fmt: skip
    await client.fetch(
        f"{url}/api/exams/drill/check", method="POST", headers=fh, body=json.dumps(body)
    )
    await asyncio.sleep(5)  # the flooder's bucket full again

    big = "长" * (R.MAX_ANSWER_BYTES // 3 - 2)
    wrong = {"member": fname, "paper": "not-mine", "attempt": 1, "n": 1, "value": "A"}
    turn = iter(range(10**9))
    phases: list[tuple[str, Any]] = [
        ("quiet", None),
        ("refused", lambda: ("exams/cert/answers", wrong, ftoken)),
        ("made-up tokens", lambda: ("exams/cert/answers", wrong, secrets.token_hex(16))),
        ("max-size answers", lambda: ("exams/cert/answers", {"member": fname, "paper": state["paper"],
                                      "attempt": 1, "n": 1 + next(turn) % 2, "value": big}, ftoken)),
        ("错题本 papers", lambda: ("mistakes", {"member": fname}, ftoken)),
    ]  # fmt: skip
    print(f"{len(tokens)} members each saving every {args.pace:g} s on average; one more member "
          f"floods {args.seconds:g} s per phase over {args.conns} connections; "
          f"limit {R.ANSWERS_PER_QUESTION} answers a question per attempt, "
          f"{R.REVIEWS_PER_DAY} 错题本 papers a day")  # fmt: skip
    print(f"{'phase':<18} {'flood requests':>15}  replies{'':<28} {'db +KB':>7} {'disk +KB':>8} "
          f"{'rows+':>5}  others' saves: n  p50 ms  p99 ms  max ms  errors")  # fmt: skip
    for name, make in phases:
        stop = asyncio.Event()
        lat: list[float] = []
        errors: list[str] = []
        rows0, (pages0, disk0) = refusal_rows(db), db_size(db)
        others = [asyncio.ensure_future(answering(client, url, n, t, papers[n][0], papers[n][1],
                                                  args.pace, stop, lat, errors))
                  for t, n in tokens.items()]  # fmt: skip
        await asyncio.sleep(1)
        if make is None:
            await asyncio.sleep(args.seconds)
            counts: collections.Counter[str] = collections.Counter()
        else:
            counts = await flooding(url, make, args.seconds, args.conns)
        stop.set()
        await asyncio.gather(*others)
        await asyncio.sleep(1.5)  # the counts the service holds are written once a second
        pages1, disk1 = db_size(db)
        replies = " ".join(f"{k}:{v}" for k, v in sorted(counts.items()))
        print(f"{name:<18} {sum(counts.values()):>15}  {replies:<35} "
              f"{(pages1 - pages0) / 1024:>7.0f} {(disk1 - disk0) / 1024:>8.0f} "
              f"{refusal_rows(db) - rows0:>5}  {len(lat):>16} {pct(lat, 0.5):>7.1f} "
              f"{pct(lat, 0.99):>7.1f} {1000 * max(lat, default=0):>7.1f}  {len(errors)}")  # fmt: skip
        for e in errors[:3]:
            print("   ", e)
        await asyncio.sleep(5)  # the flooder's bucket refills between phases
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--pace", type=float, default=1.0, help="mean seconds between saves")
    parser.add_argument("--seconds", type=float, default=30, help="length of each phase")
    parser.add_argument("--conns", type=int, default=8, help="the flood's connections")
    args = parser.parse_args()
    if not (VENV / "bin" / "jupyterhub").exists() or not shutil.which("configurable-http-proxy"):
        raise SystemExit(f"needs the hub venv at {VENV} and configurable-http-proxy")
    base = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    admin = secrets.token_hex(16)
    (base / "jupyterhub_config.py").write_text(hub_config(base, admin, PORT), "utf-8")
    set_up_exam(base)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "PATH": f"{VENV / 'bin'}:{os.environ['PATH']}"}  # fmt: skip
    subprocess.run([sys.executable, "-m", "exam_tools", "exam", "open", "drill", "--practice",
                    "rice/practice", "--service-db", str(base / "service.sqlite"), "--courses",
                    str(ROOT / "tests" / "data" / "courses")], env=env, check=True,
                   capture_output=True)  # fmt: skip
    log = (base / "hub.log").open("wb")
    hub = subprocess.Popen([str(VENV / "bin" / "jupyterhub"), "-f", "jupyterhub_config.py"],
                           cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{PORT + 3}/services/exam"
        wait_up(f"{url}/api/record")
        tokens = make_users(admin, [f"bf{i:03d}" for i in range(args.members + 1)], PORT)
        (ftoken, fname), *rest = tokens.items()
        asyncio.run(run(args, url, base / "service.sqlite", dict(rest), (fname, ftoken)))
    finally:
        stop_hub(hub, base, log)
    svc_log = (base / "hub.log").read_text("utf-8", "replace").splitlines()
    print(
        f"hub + service log: {len(svc_log)} lines over the whole run "
        f"(the refusals and unknown tokens at most a few lines a minute)"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
