"""Members' servers forked from one process that has already imported them (issue 18).

A member's server spent ~2.3 of its ~3 CPU-seconds at login importing JupyterHub's single-user
server, jupyter_server, Voilà and nbconvert, and held those modules' ~100 MiB on its own. The fork
server imports them once; each member's server is a fork of it, so a start costs the server's own
setting up, and the imported code and data stay shared between members' servers (copy on write;
:func:`gc.freeze` keeps the collector from touching them).

Trust: the fork server runs as root, started by :class:`exam_tools.hub.spawner.MemberSpawner` with
an environment holding no secret (no hub token, no proxy token), and listens on a socket in the
hub's root-only state folder. It forks *before* it reads a request, so it never holds any member's
token or environment, and no fork inherits another member's. The child checks the caller is root
(``SO_PEERCRED``), reads the request, sets the file size limit and the niceness, drops to the
member exactly as JupyterHub's LocalProcessSpawner does (``set_user_setuid``: groups, gid, uid,
home), replaces its environment, answers with its pid and runs ``jupyterhub-singleuser``'s
``main``. The fork server reaps its children at once, so JupyterHub's ``kill(pid, 0)`` sees a
stopped server as gone, and exits when the hub that started it does.

    python -m exam_tools.hub.forkserver SOCKET   (run by the spawner, as root)
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import signal
import socket
import struct
import sys
import time
from pathlib import Path
from typing import Any

from exam_tools.hub import limits

#: What a member's server imports when it starts (measured: 2.3 CPU-s and ~100 MiB when each
#: server imports them itself).
PRELOAD = [
    "jupyterhub.singleuser",
    "jupyterhub.singleuser.extension",
    "jupyter_server.serverapp",
    "jupyter_server.services.kernels.kernelmanager",
    "jupyter_client.ioloop",
    "jupyterlab_server.themes_handler",
    "anyio._backends._asyncio",  # else at a page's first file read (0.02 CPU-s)
    "voila.server_extension",
    "voila.tornado.handler",
    "voila.notebook_renderer",
    "voila.exporter",
    "voila.execute",
    "nbclient",
    "nbconvert.exporters.html",
    "exam_tools.hub.kernels",
    "exam_tools.hub.member_server",
]

#: The environment the fork server starts with: no secret of the hub's reaches it.
KEEP = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "VIRTUAL_ENV", "LD_LIBRARY_PATH")


class ForkServerError(RuntimeError):
    """The fork server could not start a member's server."""


# ---- the fork server ---------------------------------------------------------------------------


def preload(log: Any = print) -> None:
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a module a newer stack moved: the server imports it itself
            log(f"forkserver: could not preload {name}: {exc}")


def reap(*_: Any) -> None:
    """Collect every child that has ended (the hub checks a server is alive with kill(pid, 0),
    which a zombie would pass)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def serve(path: Path) -> None:
    """Listen on ``path`` and fork a member's server for each connection, until the process that
    started this one is gone."""
    preload(lambda msg: print(msg, file=sys.stderr, flush=True))
    import gc

    gc.collect()
    gc.freeze()  # the collector leaves the preloaded objects alone: their pages stay shared
    parent = os.getppid()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(old)
    ours = path.stat().st_ino
    listener.listen(64)
    listener.settimeout(1.0)
    signal.signal(signal.SIGCHLD, reap)
    print(f"forkserver: ready on {path} (pid {os.getpid()})", file=sys.stderr, flush=True)
    while os.getppid() == parent:
        try:
            conn, _ = listener.accept()
        except (TimeoutError, InterruptedError):
            continue
        pid = os.fork()
        if pid == 0:
            listener.close()
            child(conn)  # never returns
        conn.close()
    listener.close()
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_ino == ours:  # not the socket of a fork server started since
            path.unlink()


def peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def read_request(conn: socket.socket, limit: int = 1 << 20) -> dict[str, Any] | None:
    """The request on ``conn``: one line of JSON; None for an empty line (a probe)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk or len(data) > limit:
            raise ForkServerError("incomplete request")
        data += chunk
    if not data.strip():
        return None
    request = json.loads(data)
    if not isinstance(request, dict):
        raise ForkServerError("a request is a JSON object")
    return request


def child(conn: socket.socket) -> None:
    """In the fork: become the member and run their server; never returns."""
    code = 1
    try:
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        os.setsid()  # as LocalProcessSpawner's start_new_session: the hub's signals stay its own
        conn.settimeout(30)
        if peer_uid(conn) != 0:
            raise ForkServerError("only root may ask for a server")
        request = read_request(conn)
        if request is None:  # a probe (answering()): nothing to start
            code = 0
            return
        become(request)
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        conn.close()
        code = run(request["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # reported to the hub when it still listens, and in its log
        print(f"forkserver: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def drop_to(name: str, *, chdir: bool = True) -> None:
    """Become ``name`` exactly as JupyterHub's LocalProcessSpawner does (``set_user_setuid``:
    groups, gid, uid, home); never root afterwards, in any of the real, effective or saved ids.
    Used by the fork server's children and by :mod:`exam_tools.hub.runas`."""
    from jupyterhub.spawner import set_user_setuid  # type: ignore[import-not-found]  # hub venv

    set_user_setuid(name, chdir=chdir)()
    if 0 in os.getresuid() or 0 in os.getresgid():
        raise ForkServerError(f"still root after dropping to {name}")


def become(request: dict[str, Any]) -> None:
    """The file size limit and the niceness, then drop to the member (JupyterHub's own preexec
    function), then the environment the spawner made."""
    import random

    limits.limit_self(int(request.get("file_size") or 0), int(request.get("nice") or 0))
    drop_to(str(request["user"]))
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    random.seed()  # each server its own random state, not a copy of the fork server's


def run(argv: list[str]) -> int:
    from jupyterhub.singleuser import main  # type: ignore[import-not-found]  # hub venv (preloaded)

    sys.argv = [str(a) for a in argv]
    result = main()
    return result if isinstance(result, int) else 0


# ---- the spawner's side ------------------------------------------------------------------------


async def ask(path: Path, request: dict[str, Any], timeout: float = 30) -> int:
    """Ask the fork server at ``path`` for a server; its pid."""
    reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(str(path)), timeout)
    try:
        writer.write(json.dumps(request).encode() + b"\n")
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
    finally:
        writer.close()
    if not line:
        raise ForkServerError("the fork server closed the connection")
    answer = json.loads(line)
    if "pid" not in answer:
        raise ForkServerError(str(answer.get("error") or answer))
    return int(answer["pid"])


def answering(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(2)
        try:
            probe.connect(str(path))
        except OSError:
            return False
        probe.sendall(b"\n")  # an empty request: the fork that took it exits
    return True


def start(path: Path, python: str, log: Any = None) -> Any:
    """Start a fork server on ``path`` with the hub venv's ``python`` and a clean environment."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k in KEEP}
    proc = subprocess.Popen([python, "-m", "exam_tools.hub.forkserver", str(path)], env=env,
                            stdin=subprocess.DEVNULL, close_fds=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ForkServerError(f"the fork server ended at its start ({proc.returncode})")
        if path.exists() and answering(path):
            if log is not None:
                log.info("Fork server for members' servers started (pid %s).", proc.pid)
            return proc
        time.sleep(0.2)
    proc.kill()
    raise ForkServerError("the fork server did not answer in 120 s")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m exam_tools.hub.forkserver SOCKET")
    serve(Path(sys.argv[1]))
