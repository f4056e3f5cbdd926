"""Benchmark: N members log in at once and take an exam the service holds, on a real JupyterHub
on localhost, with members' servers as before issue 18 (a full Jupyter server) and as now (Voilà
only), one after the other in the same run (needs root).

    python3 benchmarks/bench_hub.py [--members 30] [--pace 2.0] [--only before|after|unshared]

For each configuration a throwaway hub (exam_tools.hub.localhub; accounts ``etbo-…`` before and
``etbh-…`` after, ports 18600-18604 and 18610-18614, everything removed afterwards) gets the 党章
exam (30 questions) handed to the exam service. Then every member at the same moment takes the
path a member takes, without a browser:

1. logs in through the hub's form; the hub spawns their server and the Voilà page 我的学习 is
   rendered (its notebook runs in the page's kernel, which lists the exams through the service);
2. in that page's kernel (code sent over its websocket does what a tap's handler does): taps the
   exam's tile (the service hands out the 开始考试 screen), taps 开始考试 (the service hands out the
   paper), answers every question at a human pace (``--pace`` s ± 50 %), each answer saved
   through the exam service by the quiz's own store, then 交卷;
3. every answer sent is looked up in the service's database (lost answers must be 0).

Then every server is stopped, started again ahead of the sitting by ``exam-tools hub prestart``,
and the members log in at once again (login → 我的学习 with the server already running), or
arriving at random over ``--spread`` seconds.

Reported per configuration and side by side (with the ratio after/before): login → 我的学习 p50/p95
cold and prestarted, CPU-seconds per login (the member's server and the page's kernel when the page
is there), memory per member with 我的学习 and the exam open (PSS and USS of the member's server and
kernels, from /proc/<pid>/smaps_rollup), kernels per member, members per 24 GiB, answer saves
through the service p50/p99 while the logins storm, failures and lost answers.

The "before" configuration is the code of ``--before`` (a git commit, by default the last one
before the member kernel stopped importing nbgrader to list an empty exchange) with the member
server's Jupyter config replaced by what it was before issue 18: every server extension of the hub
venv (JupyterLab, LSP, terminals, notebook, nbgrader's member extensions), jupyter_server's own
kernel manager, no memory or process limit. "after" is this checkout as it is (members' servers
forked from the fork server, a kernel and the templates ready with each server). ``--only
unshared`` runs "after" with ``member.fork_server: false`` (accounts ``etbu-…``, ports 18620-18624):
each server imports everything itself and shares nothing with other members, as in a Kubernetes
pod. All run in the same hub venv (``/opt/exam-tools-hub``; what the venv holds is printed with the
figures).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from exam_tools.bank.model import QType  # noqa: E402  # the checkout's src, put first above
from exam_tools.course.key import key_from_compact  # noqa: E402
from exam_tools.hub.client import HubClientError, HubSession  # noqa: E402
from exam_tools.hub.config import read_config  # noqa: E402
from exam_tools.hub.files import GRADER_ONLY, dumps, member_server_config  # noqa: E402
from exam_tools.hub.localhub import LocalHub, unavailable  # noqa: E402
from exam_tools.hub.prestart import read_token  # noqa: E402

COURSE, EXAM = "dangzhang", "exam"
MAX_MEMBERS = 60
MiB, GiB = 2**20, 2**30
CONFIGS = {"before": ("etbo-", 18600), "after": ("etbh-", 18610), "unshared": ("etbu-", 18620)}
#: run unless asked for: "unshared" is "after" with each member's server started on its own, not
#: forked (what a Kubernetes pod gets: nothing shared with other members)
OPTIONAL = {"unshared"}
#: the code "before" runs: main before this issue's member-kernel and benchmark changes
BEFORE = "ef3aa84"
#: what a 24 GiB server keeps for the system, the hub, its proxy and the exam service
RESERVED = 2 * GiB

PAGE = """
import json, time, ipywidgets as w
page = globals()["page"]  # the landing the notebook's one cell made
def _shown():
    return [c.value if isinstance(c, w.HTML) else c.description for c in page.body.children
            if isinstance(c, (w.HTML, w.Button))]
tiles = [b for b in page.body.children if isinstance(b, w.Button) and "et-exam" in b._dom_classes]
assert tiles, _shown()
tiles[0].click()
page.working.join(60)
assert page.launcher is not None, (_shown(), page.wait.value)
page.launcher.begin_button.click()
assert page.app is not None, page.launcher.message.value
_client = page.app.store.client
_save, _lat, _seen = _client.save, [], 0
def _timed(*a, **k):
    t = time.perf_counter()
    try:
        return _save(*a, **k)
    finally:
        _lat.append(time.perf_counter() - t)
_client.save = _timed
print(json.dumps({"paper": page.app.paper.id, "n": len(page.app.paper)}))
"""

ANSWER = """
_t = time.perf_counter()
page.app.store.set_answer({n}, json.loads({value!r}))
_took = time.perf_counter() - _t
# saves since the last report: the quiz sends answers from a background thread (issue 17 item 6),
# so an answer's round trip may finish after its tap returned
_new, _seen = _lat[_seen:], len(_lat)
print(json.dumps([_took, _new, page.app.store.notice]))
"""

HAND_IN = """
page.app.ask_submit()
page.app.confirm_submit()
print(json.dumps([page.app.submitted, page.app.store.notice, page.app.store.queue.pending]))
"""


@dataclass
class Member:
    name: str
    login: float | None = None  # login → 我的学习 (s)
    cpu: float | None = None  # CPU-s of the member's processes when the page is there
    saves: list[float] = field(default_factory=list)  # service round trips (s)
    taps: list[float] = field(default_factory=list)  # the whole set_answer in the kernel (s)
    queued: int = 0  # answers the service did not take at once (kept in the queue)
    sent: dict[int, Any] = field(default_factory=dict)
    in_exam: bool = False
    submitted: bool = False
    error: str | None = None
    pss: list[int] = field(default_factory=list)  # samples while the exam is open
    uss: list[int] = field(default_factory=list)
    kernels: list[int] = field(default_factory=list)


@dataclass
class Figures:
    config: str
    members: int
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    saves: list[float] = field(default_factory=list)
    storm_saves: list[float] = field(default_factory=list)
    taps: list[float] = field(default_factory=list)
    pss: list[int] = field(default_factory=list)
    uss: list[int] = field(default_factory=list)
    kernels: list[int] = field(default_factory=list)
    server_pss: list[int] = field(default_factory=list)
    kernel_pss: list[int] = field(default_factory=list)
    hub_pss: int = 0
    failures: list[str] = field(default_factory=list)
    warm_failures: list[str] = field(default_factory=list)
    lost: int = 0
    queued: int = 0
    wall: float = 0.0
    prestart: float = 0.0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# ---- /proc ---------------------------------------------------------------------------------------


def pids_of(uid: int) -> list[int]:
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if proc.stat().st_uid == uid:
                    out.append(int(proc.name))
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> tuple[int, int]:
    """(PSS, USS) in bytes: USS is what only this process holds (private clean + dirty)."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    except OSError:
        return 0, 0
    kib = {line.split()[0]: int(line.split()[1]) for line in lines if len(line.split()) >= 2}
    uss = kib.get("Private_Clean:", 0) + kib.get("Private_Dirty:", 0)
    return kib.get("Pss:", 0) * 1024, uss * 1024


def is_kernel(cmd: str) -> bool:
    return "ipykernel" in cmd


# ---- one member --------------------------------------------------------------------------------


def answer_for(item: Any) -> Any:
    if item.type is QType.FILL:
        return [alts[0] for alts in item.answer]
    if item.type is QType.MULTIPLE:
        return list(item.answer)
    if item.type is QType.SHORT:
        return "坚持党的领导，密切联系群众。"
    return item.answer


def page_kernel(page: str) -> str:
    m = re.search(r'"kernelId"\s*:\s*"([0-9a-f-]{36})"', page) or re.search(
        r"kernel_id\W+([0-9a-f]{8}-[0-9a-f-]{27})", page
    )
    if not m:
        raise HubClientError("no kernel id in the 我的学习 page")
    return m.group(1)


def log_in(hub: LocalHub, name: str) -> tuple[HubSession, str, float]:
    """Log in and load 我的学习 (the Voilà page, fully rendered): session, page, seconds."""
    t0 = time.monotonic()
    s = HubSession(hub.url, name)
    page = s.login(hub.passwords[name])
    took = time.monotonic() - t0
    if page.status_code != 200 or "voila_finish" not in page.text:
        Path(f"/tmp/{name}-page.html").write_text(page.text, "utf-8")
        raise HubClientError(f"我的学习: {page.status_code} {page.url} {page.text[-300:]!r}")
    return s, page.text, took


def run(s: HubSession, kernel: str, code: str, timeout: float = 120) -> Any:
    out = s.execute(kernel, code, timeout=timeout)
    if out["error"]:
        raise HubClientError(f"{out['error']}: {out['stderr'][-600:]}")
    return json.loads(out["stdout"].strip().splitlines()[-1])


def take_exam(hub: LocalHub, m: Member, key_of: Any, pace: float, start: threading.Event) -> None:
    try:
        start.wait()
        s, page, m.login = log_in(hub, m.name)
        uid = pwd.getpwnam(m.name).pw_uid
        m.cpu = sum(cpu_seconds(p) for p in pids_of(uid))
        kernel = page_kernel(page)
        run(s, kernel, PAGE)
        m.in_exam = True
        for k in key_of(m.name).items:
            time.sleep(pace * random.uniform(0.5, 1.5))
            value = answer_for(k)
            took, lat, notice = run(s, kernel, ANSWER.format(n=k.n, value=json.dumps(value)))
            m.taps.append(took)
            m.saves += lat
            m.queued += bool(notice)
            m.sent[k.n] = value
        submitted, _notice, pending = run(s, kernel, HAND_IN)
        m.in_exam = False
        m.submitted = bool(submitted) and not pending
        if not m.submitted:
            raise HubClientError(f"交卷: submitted {submitted}, still queued {pending}")
    except Exception as exc:  # every failure is counted and shown, none stops the others
        m.in_exam = False
        m.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=2)}"


# ---- one configuration -------------------------------------------------------------------------


def before_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """The member server's Jupyter config as it was before issue 18: every server extension of
    the venv but formgrader's, jupyter_server's kernel manager (culling idle kernels)."""
    now = member_server_config(cfg)
    server = {k: v for k, v in now["ServerApp"].items()
              if k not in ("jpserver_extensions", "terminals_enabled", "kernel_manager_class")}  # fmt: skip
    server["jpserver_extensions"] = dict.fromkeys(GRADER_ONLY, False)
    kernels = {k: v for k, v in now["MappingKernelManager"].items() if k != "cull_connected"}
    return {**now, "ServerApp": server, "MappingKernelManager": kernels}


def hub_api(hub: LocalHub, method: str, path: str) -> tuple[int, Any]:
    token = read_token(hub.base / "hub" / "state")
    req = urllib.request.Request(f"http://127.0.0.1:{hub.port + 1}/hub/api{path}", method=method,
                                 headers={"Authorization": f"token {token}"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            body = r.read()
            return r.status, json.loads(body) if body else None
    except urllib.error.HTTPError as exc:
        return exc.code, None


def stop_servers(hub: LocalHub, names: list[str], timeout: float = 180) -> None:
    for name in names:
        hub_api(hub, "DELETE", f"/users/{name}/server")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = [n for n in names if (hub_api(hub, "GET", f"/users/{n}")[1] or {}).get("servers")]
        if not running:
            return
        time.sleep(1)
    raise SystemExit(f"servers still running after {timeout} s: {running}")


def sample(members: list[Member], uids: dict[str, int], fig: Figures) -> None:
    """Memory of each member with the exam open: the sum over their processes."""
    for m in members:
        if not m.in_exam:
            continue
        procs = [(p, cmdline(p)) for p in pids_of(uids[m.name])]
        mem = [(memory(p), is_kernel(c)) for p, c in procs]
        if not m.in_exam or not mem:
            continue
        m.pss.append(sum(pss for (pss, _), _k in mem))
        m.uss.append(sum(uss for (_, uss), _k in mem))
        m.kernels.append(sum(1 for _, k in mem if k))
        fig.server_pss += [pss for (pss, _), k in mem if not k]
        fig.kernel_pss += [pss for (pss, _), k in mem if k]


def hub_memory(hub: LocalHub) -> int:
    """PSS of the hub (run in its folder), its proxy (by its API port), the exam service and the
    fork server members' servers are forked from (its share of the pages they have in common)."""
    pids = set(hub.service_pids())
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            cmd = cmdline(int(proc.name))
            with contextlib.suppress(OSError):
                if "jupyterhub -f" in cmd and (proc / "cwd").resolve() == hub.base / "hub":
                    pids.add(int(proc.name))
            if "configurable-http-proxy" in cmd and f"--api-port {hub.port + 2}" in cmd:
                pids.add(int(proc.name))
            with contextlib.suppress(OSError):  # root's: members' servers forked from it look alike
                if "exam_tools.hub.forkserver" in cmd and str(hub.base) in cmd \
                        and proc.stat().st_uid == 0:  # fmt: skip
                    pids.add(int(proc.name))
    return sum(memory(pid)[0] for pid in pids)


def source(ref: str, into: Path) -> Path:
    """The ``src`` folder of commit ``ref`` of this checkout, exported into ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True,
                             capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def bench(which: str, n: int, pace: float, src: Path, spread: float = 0.0) -> Figures:
    prefix, port = CONFIGS[which]
    before = which == "before"
    fig = Figures(which, n)
    hub = LocalHub(src, members=n, port=port, prefix=prefix, course=f"{prefix[:-1]}c",
                   landing=ROOT / "notebooks" / "member" / "我的学习.ipynb",
                   env={"EXAM_TOOLS_ROOT": str(ROOT)},
                   member={"mem_limit": '"0"', "pids_limit": 0} if before else
                   {"fork_server": "false"} if which == "unshared" else {},
                   watchdog=2400)  # fmt: skip
    t0 = time.monotonic()
    with hub:
        if before:
            conf = hub.base / "hub" / "jupyter" / "member" / "jupyter_server_config.json"
            conf.write_text(dumps(before_config(read_config(hub.base / "hub"))), "utf-8")
        hub.cli("assign", COURSE, EXAM, "--course-dir", str(hub.course_root), "--force")
        hub.cli("exam", "open", EXAM, "--course-dir", str(hub.course_root),
                "--service-db", str(hub.service_db))  # fmt: skip
        print(f"[{which}] hub up with {n} accounts in {time.monotonic() - t0:.0f} s", flush=True)
        from exam_tools.service.store import ServiceStore

        store = ServiceStore(hub.service_db)
        lock = threading.Lock()

        def key_of(name: str) -> Any:
            with lock:
                return key_from_compact(store.paper(EXAM, name), store.key(EXAM))

        members = [Member(name) for name in hub.logins]
        uids = {m.name: pwd.getpwnam(m.name).pw_uid for m in members}
        start = threading.Event()
        threads = [threading.Thread(target=take_exam, args=(hub, m, key_of, pace, start),
                                    daemon=True) for m in members]  # fmt: skip
        for t in threads:
            t.start()
        began = time.monotonic()
        start.set()
        while any(t.is_alive() for t in threads) and time.monotonic() - began < 1500:
            time.sleep(3)
            sample(members, uids, fig)
        fig.wall = time.monotonic() - began
        fig.hub_pss = hub_memory(hub)
        storm_end = max((m.login for m in members if m.login is not None), default=0.0)
        for m in members:
            fig.cold += [m.login] if m.login is not None else []
            fig.cpu += [m.cpu] if m.cpu is not None else []
            fig.saves += m.saves
            fig.taps += m.taps
            fig.queued += m.queued
            if m.pss:
                fig.pss.append(max(m.pss))
                fig.uss.append(max(m.uss))
                fig.kernels.append(max(m.kernels))
            if m.error:
                fig.failures.append(f"{m.name}: {m.error}")
            got = store.answers(EXAM, m.name, 1)
            fig.lost += sum(1 for q, v in m.sent.items() if got.get(q) != v)
            done = store.attempts(EXAM, m.name)
            if m.submitted and not (done and done[0].submitted_at):
                fig.failures.append(f"{m.name}: 交卷 not in the service's database")
        # saves made while someone was still logging in: first-in members answer during the storm
        fig.storm_saves = [s for m in members if m.login is not None for s in m.saves[: max(
            0, int((storm_end - m.login) / pace))]]  # fmt: skip
        store.close()
        print(f"[{which}] cold run over in {fig.wall:.0f} s; prestarting", flush=True)
        names = [m.name for m in members]
        stop_servers(hub, names)
        t = time.monotonic()
        hub.cli("hub", "prestart", str(hub.base / "hub"), *names)
        fig.prestart = time.monotonic() - t
        warm: dict[str, float] = {}

        def again(name: str) -> None:
            try:
                start.wait()
                time.sleep(random.uniform(0, spread))  # members arriving over `spread` seconds
                warm[name] = log_in(hub, name)[2]
            except Exception as exc:  # counted, shown
                fig.warm_failures.append(f"{name}: {type(exc).__name__}: {exc}")

        start.clear()
        threads = [threading.Thread(target=again, args=(name,), daemon=True) for name in names]
        for t2 in threads:
            t2.start()
        start.set()
        for t2 in threads:
            t2.join(600)
        fig.warm = list(warm.values())
        # the hub's log (servers' and the service's too) outlives the hub
        kept = Path(tempfile.gettempdir()) / f"bench_hub-{which}.log"
        shutil.copy(hub.log, kept)
        print(f"[{which}] the hub's log is kept in {kept}", flush=True)
    return fig


# ---- report ------------------------------------------------------------------------------------


def rows(f: Figures) -> dict[str, tuple[float, str]]:
    med = statistics.median
    per = med(f.pss) if f.pss else float("nan")
    usable = 24 * GiB - RESERVED
    return {
        "login → 我的学习 p50, cold (s)": (med(f.cold) if f.cold else float("nan"), "{:.1f}"),
        "login → 我的学习 p95, cold (s)": (percentile(f.cold, 95), "{:.1f}"),
        # to the hundredth: their goal is 3 s, and at one decimal 3.04 s would print as 3.0
        "login → 我的学习 p50, prestarted (s)": (med(f.warm) if f.warm else float("nan"), "{:.2f}"),
        "login → 我的学习 p95, prestarted (s)": (percentile(f.warm, 95), "{:.2f}"),
        "CPU-s per login (server + page kernel)": (med(f.cpu) if f.cpu else float("nan"), "{:.2f}"),
        "PSS per member, exam open (MiB)": (per / MiB, "{:.0f}"),
        "USS per member, exam open (MiB)": (
            (med(f.uss) if f.uss else float("nan")) / MiB,
            "{:.0f}",
        ),
        "  server PSS (MiB, median)": (
            (med(f.server_pss) if f.server_pss else float("nan")) / MiB,
            "{:.0f}",
        ),
        "  kernel PSS (MiB, median)": (
            (med(f.kernel_pss) if f.kernel_pss else float("nan")) / MiB,
            "{:.0f}",
        ),
        "kernels per member, exam open (max)": (max(f.kernels, default=0), "{:.0f}"),
        "members per 24 GiB (PSS)": (usable / per if f.pss else float("nan"), "{:.0f}"),
        "save via service p50 (ms)": ((med(f.saves) if f.saves else float("nan")) * 1000, "{:.0f}"),
        "save via service p99 (ms)": (percentile(f.saves, 99) * 1000, "{:.0f}"),
        "save p99 during the login storm (ms)": (percentile(f.storm_saves, 99) * 1000, "{:.0f}"),
        "tap → answer kept, p99 (ms)": (percentile(f.taps, 99) * 1000, "{:.0f}"),
        "failures (cold + prestarted)": (len(f.failures) + len(f.warm_failures), "{:.0f}"),
        "lost answers": (f.lost, "{:.0f}"),
    }


def report(figs: list[Figures]) -> None:
    print()
    for f in figs:
        print(f"{f.config}: {f.members} members, cold run {f.wall:.0f} s, "
              f"{len(f.saves)} saves ({f.queued} queued first), prestart {f.prestart:.0f} s, "
              f"hub + proxy + service + fork server PSS {f.hub_pss / MiB:.0f} MiB")  # fmt: skip
    table = [rows(f) for f in figs]
    head = f"{'':42}" + "".join(f"{f.config:>10}" for f in figs)
    head += f"{'ratio':>8}" if len(figs) == 2 else ""
    print(head)
    for label in table[0]:
        cells = "".join(f"{t[label][1].format(t[label][0]):>10}" for t in table)
        if len(figs) == 2:
            a, b = table[0][label][0], table[1][label][0]
            cells += f"{b / a:>8.2f}" if a and a == a and b == b else f"{'':>8}"
        print(f"{label:42}{cells}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    for f in figs:
        for line in (f.failures + f.warm_failures)[:5]:
            print(f"  {f.config} {line}")


def venv_note() -> str:
    """Whether the hub venv holds rfc3987-syntax (jsonschema imports it if present: its grammar
    costs each server start about 1.7 CPU-seconds; deploy/install-hub.sh removes it)."""
    python = "/opt/exam-tools-hub/bin/python"
    found = subprocess.run([python, "-c", "import importlib.util as u; "
                            "print(u.find_spec('rfc3987_syntax') is not None)"],
                           capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    return "with rfc3987-syntax" if found == "True" else "without rfc3987-syntax"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--pace", type=float, default=2.0, help="seconds between answers (mean)")
    parser.add_argument(
        "--spread",
        type=float,
        default=0.0,
        help="prestarted logins arrive over this many seconds (default: at once)",
    )
    parser.add_argument("--only", choices=list(CONFIGS), help="one configuration only")
    parser.add_argument("--before", default=BEFORE, help="git commit whose code runs 'before'")
    args = parser.parse_args()
    n = max(1, min(args.members, MAX_MEMBERS))
    reason = unavailable()
    if reason:
        sys.exit(f"bench_hub: {reason}")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="etbo-src-") as tmp:
        old = source(args.before, Path(tmp))
        figs = [bench(which, n, args.pace, old if which == "before" else ROOT / "src", args.spread)
                for which in CONFIGS
                if args.only == which or (args.only is None and which not in OPTIONAL)]  # fmt: skip
    report(figs)
    if args.spread:
        print(f"prestarted logins arrived at random over {args.spread:.0f} s")
    print(f"before: commit {args.before}; hub venv: {venv_note()}")
    if any(f.failures or f.warm_failures or f.lost for f in figs):
        sys.exit(1)


if __name__ == "__main__":
    main()
