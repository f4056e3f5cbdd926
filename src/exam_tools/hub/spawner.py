"""The hub's spawner: JupyterHub's LocalProcessSpawner, with each member's server confined to a
control group of its own (memory and process limits, :mod:`exam_tools.hub.limits`).

``mem_limit`` is JupyterHub's own Spawner trait (LocalProcessSpawner alone ignores it);
``pids_limit`` caps the member's processes and threads (a fork bomb stops there);
``file_size_limit`` is the largest file the member's server and kernels may write (RLIMIT_FSIZE,
set in the child before the server starts, inherited by every kernel): one member cannot fill the
disk the exam service's database lives on with one file (Python ignores SIGXFSZ, so the write
fails with "File too large" and the kernel carries on). ``fork_server`` is the socket of the
fork server (:mod:`exam_tools.hub.forkserver`) members' servers are forked from; if it cannot be
started or does not answer, the server starts the usual way. ``nice`` lowers the member's
server's CPU priority, its session's too (:func:`exam_tools.hub.limits.limit_self`), and that of
the kernel waiting for the first page (a kernel serving a page weighs as much as the hub:
:mod:`exam_tools.hub.kernels`), so the exam service, the hub and its proxy run first when a
sitting logs in at once. The pre-spawn hook sets all five for members from
``config.yaml``; instructors' and graders' servers stay unlimited and start as usual. Every
server listens on a port of its own range, apart from the ports kernels and connections take
(:mod:`exam_tools.hub.ports`).
Imported by the hub process only (``c.JupyterHub.spawner_class``).
"""

from __future__ import annotations

import asyncio
import pwd
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from jupyterhub.spawner import LocalProcessSpawner  # type: ignore[import-not-found]  # hub venv
from traitlets import Integer, Unicode

from exam_tools.hub import forkserver, limits, ports


class MemberSpawner(LocalProcessSpawner):  # type: ignore[misc]  # untyped base (hub venv only)
    pids_limit = Integer(0, config=True, help="Processes and threads a server may have (0: any).")
    file_size_limit = Integer(0, config=True, help="Largest file a server may write (0: any).")
    fork_server = Unicode("", config=True, help="Socket of the fork server ('': start as usual).")
    nice = Integer(
        0, config=True, help="Niceness of the server and its waiting kernel (0: as the hub)."
    )

    #: the fork server this hub started (one per hub process) and the lock its start is under
    _forks: ClassVar[dict[str, Any]] = {}
    _fork_lock: ClassVar[asyncio.Lock | None] = None
    #: the ports this hub handed to servers still running, by user and server name
    _ports: ClassVar[dict[str, int]] = {}

    def make_preexec_fn(self, name: str) -> Callable[[], None]:
        """The file size limit and the niceness (:func:`exam_tools.hub.limits.limit_self`), then
        the member's uid (JupyterHub's own function)."""
        become = super().make_preexec_fn(name)
        size, nice = int(self.file_size_limit or 0), int(self.nice or 0)

        def preexec() -> None:
            limits.limit_self(size, nice)
            become()

        return preexec

    async def ensure_fork_server(self, path: Path) -> None:
        """Start the fork server on ``path`` unless this hub has one running there."""
        cls = type(self)
        if cls._fork_lock is None:
            cls._fork_lock = asyncio.Lock()
        async with cls._fork_lock:
            proc = cls._forks.get(str(path))
            if proc is not None and proc.poll() is None:
                return
            loop = asyncio.get_running_loop()
            cls._forks[str(path)] = await loop.run_in_executor(
                None, forkserver.start, path, sys.executable, self.log
            )

    async def start_forked(self) -> Any:
        """LocalProcessSpawner's start, with the process forked by the fork server."""
        path = Path(self.fork_server)
        await self.ensure_fork_server(path)
        request = {"user": self.user.name, "argv": [*self.cmd, *self.get_args()],
                   "env": self.get_env(), "file_size": int(self.file_size_limit or 0),
                   "nice": int(self.nice or 0)}  # fmt: skip
        pwd.getpwnam(self.user.name)  # an account that does not exist fails here, in the hub
        self.pid = await forkserver.ask(path, request)
        self.proc = None
        self.log.info("Forked %s's server (pid %s).", self.user.name, self.pid)
        return (self.ip or "127.0.0.1", self.port)

    def choose_port(self) -> None:
        """A port no other server of this hub holds, apart from the ports the system hands out."""
        cls, key = type(self), f"{self.user.name}/{self.name}"
        cls._ports.pop(key, None)
        self.port = ports.free_port(set(cls._ports.values()))
        cls._ports[key] = self.port

    async def start(self) -> Any:
        self.choose_port()
        started = None
        if self.fork_server:
            try:
                started = await self.start_forked()
            except (OSError, forkserver.ForkServerError, ValueError) as exc:
                self.log.warning("Fork server: %s; %s's server starts the usual way.",
                                 exc, self.user.name)  # fmt: skip
        if started is None:
            started = await super().start()
        memory, pids = int(self.mem_limit or 0), int(self.pids_limit or 0)
        if memory or pids:
            where = limits.layout()
            if where is None:
                self.log.warning("No cgroup memory/pids controllers: %s runs without limits.",
                                 self.user.name)  # fmt: skip
            else:
                try:
                    limits.confine(self.user.name, self.pid, memory, pids, where)
                except OSError as exc:
                    self.log.warning("Could not confine %s: %s", self.user.name, exc)
                else:
                    self.log.info("Confined %s (pid %s) to %s bytes, %s tasks.",
                                  self.user.name, self.pid, memory or "any", pids or "any")  # fmt: skip
        return started

    async def stop(self, now: bool = False) -> None:
        await super().stop(now=now)
        type(self)._ports.pop(f"{self.user.name}/{self.name}", None)
        where = limits.layout()
        if where is not None:
            limits.release(self.user.name, where)
