"""What makes a member's page cheaper on the hub (issue 18), outside a hub: templates compiled once
per server (exam_tools.hub.member_server) and the kernel that waits for the first page
(exam_tools.hub.kernels.MemberKernelManager), with real Jinja, nbconvert and ipykernel."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest
from jinja2 import DictLoader, Environment

from exam_tools.hub.kernels import MemberKernelManager, exec_lines_argument
from exam_tools.hub.member_server import (
    TemplateCache,
    install_page_config_cache,
    install_template_cache,
)

from .conftest import require_hub, serving


def env(cache: TemplateCache, source: str, *, is_async: bool = False) -> Environment:
    return Environment(loader=DictLoader({"page.j2": source}), bytecode_cache=cache,
                       enable_async=is_async, autoescape=True)  # fmt: skip


def test_a_template_is_compiled_once_per_process() -> None:
    cache = TemplateCache()
    first = env(cache, "<p>{{ name }}</p>")
    assert first.get_template("page.j2").render(name="党员") == "<p>党员</p>"
    assert len(cache) == 1

    def compile_again(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("compiled again")

    second = env(cache, "<p>{{ name }}</p>")
    second.compile = compile_again  # type: ignore[method-assign]  # the cache must spare it
    assert second.get_template("page.j2").render(name="<b>") == "<p>&lt;b&gt;</p>"

    changed = env(cache, "<p>{{ name }}!</p>")  # a template whose source changed is compiled anew
    assert changed.get_template("page.j2").render(name="a") == "<p>a!</p>"
    asynchronous = env(cache, "<p>{{ name }}</p>", is_async=True)  # and async code apart
    assert asyncio.run(asynchronous.get_template("page.j2").render_async(name="a")) == "<p>a</p>"
    assert len(cache) == 2  # the changed source's code replaced the old; the async code apart


def test_nbconvert_environments_share_the_cache() -> None:
    from nbconvert.exporters import HTMLExporter

    cache = install_template_cache()
    assert cache is not None and install_template_cache() is cache  # installed once
    one, two = HTMLExporter(), HTMLExporter()
    assert one.environment.bytecode_cache is cache is two.environment.bytecode_cache
    before = len(cache)
    one.template  # noqa: B018  # loads (and compiles) the exporter's template
    assert len(cache) > before


def test_voila_works_out_a_page_s_config_once_per_server(monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    import voila.handler
    from voila.configuration import VoilaConfiguration

    real = voila.handler.get_page_config
    calls: list[str] = []

    def counted(base_url: str, **kwargs: Any) -> Any:
        calls.append(base_url)
        return real(base_url=base_url, **kwargs)

    monkeypatch.setattr(voila.handler, "get_page_config", counted)  # restored after the test
    configs = install_page_config_cache()
    assert configs is not None and install_page_config_cache() is configs  # installed once
    kwargs = {"settings": {}, "log": logging.getLogger("test"),
              "voila_configuration": VoilaConfiguration()}  # fmt: skip
    first = voila.handler.get_page_config(base_url="/user/dy1/", **kwargs)
    assert first == real(base_url="/user/dy1/", **kwargs)  # what Voilà would have worked out
    assert first["baseUrl"] == "/user/dy1/" and "federated_extensions" in first
    first["federated_extensions"].append({"name": "changed by one page"})
    second = voila.handler.get_page_config(base_url="/user/dy1/", **kwargs)
    assert second == real(base_url="/user/dy1/", **kwargs)  # each page its own copy
    assert calls == ["/user/dy1/"]
    assert voila.handler.get_page_config(base_url="/user/dy2/", **kwargs)["baseUrl"] == "/user/dy2/"
    assert calls == ["/user/dy1/", "/user/dy2/"]


@pytest.fixture
def manager(tmp_path: Path) -> Any:
    (tmp_path / "pages").mkdir()
    return MemberKernelManager(root_dir=str(tmp_path), warm_kernel=True,
                               warm_notebook="pages/我的学习.ipynb", warm_imports=["json"],
                               cull_idle_timeout=600, ipc_dir=str(tmp_path / "k"),
                               connection_dir=str(tmp_path))  # fmt: skip


def test_the_waiting_kernel_serves_the_first_page_only(manager: Any) -> None:
    async def scenario() -> None:
        manager.start_waiting()
        waiting = await manager._waiting
        # another folder's page, or another kernel spec, gets a kernel of its own
        assert manager._waiting is not None
        first = await manager.start_kernel(kernel_name="python3", path="pages")
        assert first == waiting and manager._waiting is None
        second = await manager.start_kernel(kernel_name="python3", path="pages")
        assert second != first and len(manager.list_kernels()) == 2
        await manager.shutdown_all()

    asyncio.run(scenario())


def test_a_page_asked_for_while_the_waiting_kernel_starts_gets_it_for_good(manager: Any) -> None:
    """A member whose page is asked for before the waiting kernel has started (a quick login on a
    busy server) gets that kernel, and it is a page's kernel from then on: not shut down when a
    waiting kernel's lifetime is up (30 minutes after the server's start, in the middle of an
    exam)."""

    async def scenario() -> None:
        manager.start_waiting()
        page = await manager.start_kernel(kernel_name="python3", path="pages")  # not awaited first
        assert len(manager.list_kernels()) == 1 and manager._waiting is None
        manager.warm_lifetime = 0.0
        await manager.cull_kernel_if_idle(page)
        assert page in manager and await manager.get_kernel(page).is_alive()
        await manager.shutdown_all()

    asyncio.run(scenario())


def test_a_waiting_kernel_that_died_is_not_handed_to_a_page(manager: Any) -> None:
    """Kernels started at once may be given the same free port; one then dies at its start."""

    async def scenario() -> None:
        manager.start_waiting()
        waiting = await manager._waiting
        kernel = manager.get_kernel(waiting)
        await kernel.shutdown_kernel(now=True)  # dead, still listed by the manager
        assert not await kernel.is_alive()
        served = await manager.start_kernel(kernel_name="python3", path="pages")
        assert served != waiting and await manager.get_kernel(served).is_alive()
        assert waiting not in manager
        await manager.shutdown_all()

    asyncio.run(scenario())


def test_a_kernel_no_page_took_ends_after_its_lifetime(manager: Any) -> None:
    async def scenario() -> None:
        manager.start_waiting()
        waiting = await manager._waiting
        other = await manager.start_kernel(kernel_name="python3", path="")  # not the landing's
        assert other != waiting
        await manager.cull_kernel_if_idle(waiting)  # young: it waits on, whatever the culler
        assert waiting in manager
        manager.warm_lifetime = 0.0
        await manager.cull_kernel_if_idle(waiting)
        assert waiting not in manager and manager._waiting is None
        assert await manager.start_kernel(kernel_name="python3", path="pages") != waiting
        await manager.shutdown_all()

    asyncio.run(scenario())


def test_the_waiting_kernel_imports_the_page_modules() -> None:
    assert exec_lines_argument(["ipywidgets", "exam_tools.quiz.landing"]) == [
        "--IPKernelApp.exec_lines=import ipywidgets",
        "--IPKernelApp.exec_lines=import exam_tools.quiz.landing",
    ]


WEIGHED = """
import asyncio, os, sys, time
from pathlib import Path
from exam_tools.hub.kernels import MemberKernelManager
os.setsid()  # a session of its own, as a member's server has
os.nice(5)  # as member.nice gives a member's server
root = Path(sys.argv[1])
(root / "pages").mkdir()
manager = MemberKernelManager(root_dir=str(root), warm_kernel=True, ipc_dir=str(root / "k"),
                              connection_dir=str(root),
                              warm_notebook="pages/我的学习.ipynb", cull_idle_timeout=600)

def autogroup(kernel_id):
    pid = manager.get_kernel(kernel_id).provisioner.pid
    return Path(f"/proc/{pid}/autogroup").read_text().split()[-1]

async def weight(kernel_id, want):
    # the session's niceness once it is `want`, else what it is after a while
    end = time.monotonic() + 30
    while autogroup(kernel_id) != want and time.monotonic() < end:
        await asyncio.sleep(0.05)
    return autogroup(kernel_id)

async def scenario():
    manager.start_waiting()
    waiting = await manager._waiting
    print("waiting", await weight(waiting, "5"))
    await manager.cull_kernel_if_idle(waiting)  # the cull round keeps it so
    print("culled", autogroup(waiting))
    page = await manager.start_kernel(kernel_name="python3", path="pages")
    print("page", page == waiting, await weight(page, "0"))
    other = await manager.start_kernel(kernel_name="python3", path="")
    print("other", await weight(other, "0"))
    manager.start_waiting()  # a page asked for before the waiting kernel has started
    early = await manager.start_kernel(kernel_name="python3", path="pages")
    await asyncio.sleep(1)  # nothing tries to weigh it as waiting meanwhile
    print("early", autogroup(early))
    await manager.shutdown_all()

asyncio.run(scenario())
"""

#: Another account's session that takes the machine's one write of a session's niceness every
#: 100 ms (for accounts without CAP_SYS_ADMIN) nearly each time it comes free: most members'
#: first tries are refused, as in a login storm.
HOGGING = """
import os, time
os.setsid()
while True:
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write(str(os.getpid() % 2))
    except OSError:
        pass
    time.sleep(0.125)
"""


def test_a_kernel_yields_the_cpu_until_it_serves_a_page() -> None:
    """Each kernel is a session of its own, and with autogroup scheduling a session weighs as much
    as the exam service whatever its processes' niceness: the waiting kernel (imports, before any
    page) is given the server's niceness, a kernel serving a page the hub's, so that answers are
    saved at once while other members log in. Run as an account without privileges, as members'
    servers are, while another account takes the machine's writes of a session's niceness as
    they come free (the kernel refuses all but one every 100 ms): a refused write is tried again
    until it holds (deploy/hub-notes.md 33; before, the page's kernel stayed at 5)."""
    import pwd
    import shutil
    import subprocess
    import tempfile

    from exam_tools.hub.localhub import DEFAULT_VENV

    from .conftest import ROOT

    if not Path("/proc/self/autogroup").exists():
        pytest.fail("this kernel has no autogroup scheduling (CONFIG_SCHED_AUTOGROUP)")
    require_hub()  # root, with the hub venv (members' Python)
    nobody = pwd.getpwnam("nobody")
    base = Path(tempfile.mkdtemp(prefix="et-weigh-"))
    try:
        shutil.copytree(ROOT / "src", base / "src", ignore=shutil.ignore_patterns("__pycache__"))
        (base / "run").mkdir()
        for path in [base, *base.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        as_nobody = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                     "--clear-groups", str(DEFAULT_VENV / "bin" / "python")]  # fmt: skip
        env = {"PATH": f"{DEFAULT_VENV / 'bin'}:/usr/bin:/bin", "HOME": str(base / "run"),
               "PYTHONPATH": str(base / "src"), "JUPYTER_PLATFORM_DIRS": "1"}  # fmt: skip
        hog = subprocess.Popen([*as_nobody, "-c", HOGGING], env=env)
        try:
            out = subprocess.run([*as_nobody, "-c", WEIGHED, str(base / "run")], env=env,
                                 capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        finally:
            hog.kill()
            hog.wait()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert out.returncode == 0, out.stderr[-2000:]
    expected = ["waiting 5", "culled 5", "page True 0", "other 0", "early 0"]
    assert out.stdout.split("\n")[:5] == expected, out.stderr[-2000:]


def test_a_member_server_yields_the_cpu_in_its_session() -> None:
    """member.nice, as the spawner's preexec function and the fork server apply it, weighs against
    other sessions (the hub's, the exam service's), not only inside the server's own."""
    import subprocess
    import sys

    code = ("import os; from exam_tools.hub.limits import limit_self; os.setsid(); "
            "limit_self(0, 5); print(os.getpriority(os.PRIO_PROCESS, 0), "
            "open('/proc/self/autogroup').read().split()[-1])")  # fmt: skip
    # as root, as the spawner and the fork server call it (before dropping to the member)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["5", "5"]


def tcp_listening(pid: int) -> set[str]:
    """The TCP sockets process ``pid`` listens on (socket inodes)."""
    links = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            links.add(str(fd.readlink()))
        except OSError:
            continue
    own = {link[len("socket:[") : -1] for link in links if link.startswith("socket:[")}
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                listening.add(fields[9])
    return own & listening


def test_kernels_talk_over_unix_sockets_in_the_member_s_own_folder(tmp_path: Path) -> None:
    """No TCP port to race for in a login storm; channels no other account can connect to."""

    import shutil
    import tempfile

    short = Path(tempfile.mkdtemp(prefix="etk-", dir="/tmp"))  # as ~/.kernels: a short path

    async def scenario() -> None:
        manager = MemberKernelManager(root_dir=str(tmp_path), ipc_dir=str(short / "k"))
        kernel_id = await manager.start_kernel(kernel_name="python3", path="")
        km = manager.get_kernel(kernel_id)
        info = km.get_connection_info()
        assert info["transport"] == "ipc" and info["ip"].startswith(str(short / "k"))
        assert (short / "k").stat().st_mode & 0o777 == 0o700
        client = km.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        msg_id = client.execute("answer = 6 * 7")
        reply = await client.get_shell_msg(timeout=30)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["content"]["status"] == "ok"
        sockets = sorted(p.name for p in (short / "k").iterdir() if p.is_socket())
        assert len(sockets) == 5, sockets  # shell, iopub, stdin, control, heartbeat
        # on TCP only ipykernel's pipe for output of forked subprocesses, bound by ZeroMQ to a
        # port it keeps (nothing to race for); the five channels over TCP would add five
        assert len(tcp_listening(km.provisioner.pid)) <= 1
        client.stop_channels()
        await manager.shutdown_all()
        assert not list((short / "k").iterdir())  # sockets and connection file removed

        deep = tmp_path / ("d" * 90)  # a socket path too long for Unix sockets: TCP as before
        manager = MemberKernelManager(
            root_dir=str(tmp_path), ipc_dir=str(deep), connection_dir=str(tmp_path)
        )
        kernel_id = await manager.start_kernel(kernel_name="python3", path="")
        assert manager.get_kernel(kernel_id).get_connection_info()["transport"] == "tcp"
        await manager.shutdown_all()

    try:
        asyncio.run(scenario())
    finally:
        shutil.rmtree(short, ignore_errors=True)


def test_a_page_leaves_in_a_few_writes_and_shows_its_start_while_the_kernel_works() -> None:
    """Voilà flushed every snippet its template yields (57 for 我的学习 before the cell ran);
    stream_page flushes each stretch once, and what came before a wait for the kernel reaches
    the phone during the wait, not after it."""
    import socket

    from tornado.web import Application, RequestHandler

    from exam_tools.hub.member_server import FLUSH_AFTER, stream_page

    flushes: list[int] = []

    async def snippets() -> Any:
        for i in range(60):  # the page's head and the cell's frame: no wait between them
            yield f"<div>{i}</div>"
        await asyncio.sleep(1.0)  # the kernel runs the cell
        for i in range(60, 80):
            yield f"<div>{i}</div>"

    class Page(RequestHandler):
        def flush(self, include_footers: bool = False) -> Any:
            flushes.append(1)
            return super().flush(include_footers)

        async def get(self) -> None:
            await stream_page(self, snippets())

    with serving(Application([("/page", Page)])) as port:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /page HTTP/1.1\r\nHost: x\r\n\r\n")
        t0, received = time.monotonic(), b""
        first_seen = None
        while not received.endswith(b"0\r\n\r\n"):  # the chunked body's end
            data = sock.recv(65536)
            assert data, received[-200:]
            received += data
            if first_seen is None and b"<div>59</div>" in received:
                first_seen = time.monotonic() - t0
        sock.close()
    body = received.split(b"\r\n\r\n", 1)[1]
    assert all(f"<div>{i}</div>".encode() in body for i in range(80))
    assert body.index(b"<div>59</div>") < body.index(b"<div>60</div>")
    assert first_seen is not None and first_seen < 0.5  # during the kernel's second
    assert len(flushes) <= 3, flushes  # one per stretch (the end flushes with finish), not 80
    assert FLUSH_AFTER <= 0.05  # a delay nobody sees


def test_a_member_s_kernel_keeps_no_history(
    manager: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IPython wrote each cell Voilà ran into a SQLite file in the member's home, from a thread,
    committing each time; members' kernels are started without it, the waiting kernel too."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    code = "import os\nh = get_ipython().history_manager\nprint(h.enabled, os.path.exists(h.hist_file))"

    async def run(kernel_id: str) -> str:
        client = manager.get_kernel(kernel_id).client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            out: list[str] = []
            reply = await client.execute_interactive(
                code, timeout=60,
                output_hook=lambda m: out.append(m["content"].get("text", "")),
            )  # fmt: skip
            assert reply["content"]["status"] == "ok", reply["content"]
            return "".join(out).strip()
        finally:
            client.stop_channels()

    async def scenario() -> list[str]:
        manager.start_waiting()
        waiting = await manager._waiting
        other = await manager.start_kernel(kernel_name="python3", path="")
        try:
            return [await run(waiting), await run(other)]
        finally:
            await manager.shutdown_all()

    assert asyncio.run(scenario()) == ["False False", "False False"]
    assert not list((tmp_path / "ipython").rglob("history.sqlite"))


def test_voila_s_page_handler_writes_through_stream_page() -> None:
    import voila.tornado.handler

    from exam_tools.hub.member_server import install_coalesced_flush

    original = voila.tornado.handler.TornadoVoilaHandler.get
    try:
        assert install_coalesced_flush() and install_coalesced_flush()  # once, found again
        patched = voila.tornado.handler.TornadoVoilaHandler.get
        assert patched is not original and getattr(patched, "coalesced", False)
        assert voila.tornado.handler.TornadoVoilaHandler.get is patched
    finally:
        voila.tornado.handler.TornadoVoilaHandler.get = original
