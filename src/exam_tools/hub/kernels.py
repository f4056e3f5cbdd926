"""Members' kernels end with their page: the kernel manager of a member's server.

jupyter_server culls a kernel after ``cull_idle_timeout`` seconds without activity, and any message
the kernel sends counts as activity. The member page's heartbeat (:mod:`exam_tools.quiz.alive`)
updates a widget every few seconds, so a page closed or reloaded left a kernel that looked busy
forever: one member was seen holding seven kernels of 128 MB (hub-notes 17). What matters for a
member is whether a page is still connected. This manager shuts a kernel down once no page has been
connected to it for ``cull_idle_timeout`` seconds, whatever it sends; a connected page's kernel is
never culled, however long the member thinks over a question. A browser killed without closing its
websocket is noticed by the server's websocket pings (30 s, timeout 90 s) and then counts as gone.

A kernel waits for the member's first page (``warm_kernel``): started with the server (so with
``exam-tools hub prestart``, before the sitting), with the page's modules imported, it is the kernel
Voilà gets for the first page of the landing's folder. The notebook itself still runs when the member
opens the page, so 待考 is what the service says then, not at the server's start. Nothing is started
in its place afterwards: a member holds one kernel, as before. A kernel no page took within
``warm_lifetime`` seconds is shut down, and the idle server can stop.

Kernels talk to the server over Unix sockets in the member's own ``~/.kernels`` (ZeroMQ's ``ipc``
transport), not over TCP ports on 127.0.0.1: a kernel's five ports were picked free and bound a
moment later, and in a login storm another kernel or connection could take one first (the kernel
died at its start, deploy/hub-notes.md 23); and no other account on the server can reach a
member's kernel's channels. Where the socket's path would be too long for a Unix socket (a deep
home folder), the kernel uses TCP as before.

Members' kernels keep no IPython history (``--HistoryManager.enabled=False``): nobody reads it
(a member never sees code), and IPython wrote every cell Voilà ran into a SQLite file in the
member's home, from a thread of its own, with a commit each time (7 % of a page kernel's samples
in a py-spy of a prestarted login, 2026-12-07).

Configured for members' servers only (``ServerApp.kernel_manager_class`` in
:func:`exam_tools.hub.files.member_server_config`); imported there, in the hub's venv.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import posixpath
import random
import time
from pathlib import Path
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import ApiPath
from traitlets import Bool, Float, List, Unicode

from exam_tools.hub.limits import yield_cpu

#: The longest path a Unix socket may have on Linux (``sun_path`` less its final NUL).
IPC_PATH_MAX = 107

#: Kernels' ``oom_score_adj``: +500 counts half the memory limit against a kernel, so a runaway
#: kernel (or any kernel) goes before the member's server does.
OOM_SCORE_ADJ = "500"

#: A kernel's weight on the CPU refused by the machine for now (it takes one such write every
#: 100 ms from all members together; :func:`exam_tools.hub.limits.yield_cpu`) is tried again
#: after ~20 ms, then half as long again each time up to 250 ms: for about a minute at most
#: (and again in every cull round).
WEIGH_FIRST, WEIGH_LONGEST, WEIGH_TRIES = 0.02, 0.25, 240


def alone_too_long(alone_since: float | None, connections: int, now: float, timeout: float) -> bool:
    """Whether a kernel with ``connections`` pages, first seen without any at ``alone_since``,
    has been alone for longer than ``timeout`` seconds at ``now``."""
    return connections == 0 and alone_since is not None and now - alone_since > timeout


#: What every member's kernel is started with (the module's docstring says why).
KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False",)


def exec_lines_argument(modules: list[str]) -> list[str]:
    """The kernel's command-line option that imports ``modules`` at its start."""
    return [f"--IPKernelApp.exec_lines=import {name}" for name in modules]


class MemberKernelManager(AsyncMappingKernelManager):
    """Culls by connections, not by messages; one kernel waits for the first page (see the
    module's docstring)."""

    warm_kernel = Bool(
        False, config=True, help="Start a kernel for the first page with the server."
    )
    warm_notebook = Unicode("", config=True, help="That page's notebook (from the server's root).")
    warm_kernel_name = Unicode("python3", config=True, help="Kernel spec of that page.")
    warm_imports = List(Unicode(), config=True, help="Modules the waiting kernel imports.")
    warm_lifetime = Float(1800.0, config=True, help="Seconds it waits for a page (then ends).")
    ipc_dir = Unicode(
        "~/.kernels", config=True, help="Folder of kernels' Unix sockets ('': TCP on 127.0.0.1)."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._alone_since: dict[str, float] = {}
        self._waiting: asyncio.Task[str] | None = None
        self._waiting_id: str | None = None
        self._waiting_since = 0.0
        self._weighing: set[str] = set()  # kernels with a try pending

    def pre_start_kernel(self, kernel_name: str | None, kwargs: Any) -> tuple[Any, str, str]:
        """The kernel's manager, set to use Unix sockets in ``ipc_dir``, and the kernel's
        arguments with :data:`KERNEL_ARGUMENTS` (see the module)."""
        kwargs["extra_arguments"] = [*(kwargs.get("extra_arguments") or ()), *KERNEL_ARGUMENTS]
        km, kernel_name, kernel_id = super().pre_start_kernel(kernel_name, kwargs)
        if self.ipc_dir:
            folder = Path(self.ipc_dir).expanduser()
            endpoint = str(folder / f"kernel-{kernel_id}-ipc")
            if len(endpoint) + len("-99") <= IPC_PATH_MAX:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                folder.chmod(0o700)  # the connection file holds the kernel's key
                km.connection_file = str(folder / f"kernel-{kernel_id}.json")
                km.transport, km.ip, km.cache_ports = "ipc", endpoint, False
        return km, kernel_name, kernel_id

    @property
    def warm_path(self) -> str:
        """The folder Voilà starts the page's kernel in (the notebook's, from the server's root)."""
        return posixpath.dirname(self.warm_notebook)

    def start_waiting(self) -> None:
        """Start the kernel that waits for the first page (called once the server's loop runs)."""
        if self.warm_kernel and self._waiting is None:
            self._waiting_since = time.monotonic()
            self._waiting = asyncio.ensure_future(self._start_waiting())

    async def _start_waiting(self) -> str:
        kernel_id: str = await super().start_kernel(
            kernel_name=self.warm_kernel_name,
            path=ApiPath(self.warm_path),
            extra_arguments=exec_lines_argument(list(self.warm_imports)),
        )
        if self._waiting is not asyncio.current_task():
            # a page took it while it started (_take_waiting): it serves that page and is placed
            # there; marked as waiting it would keep the server's niceness and be shut down
            # warm_lifetime after the server's start, in the middle of the member's exam
            return kernel_id
        self._waiting_id = kernel_id
        self._place(kernel_id)
        self.log.info("Kernel %s waits for the member's first page.", kernel_id)
        return kernel_id

    async def _take_waiting(self, kwargs: dict[str, Any]) -> str | None:
        """The waiting kernel, if this start is for a page it was started for."""
        task = self._waiting
        if task is None or kwargs.get("kernel_id") is not None:
            return None
        if kwargs.get("kernel_name") not in (None, self.warm_kernel_name):
            return None
        if (kwargs.get("path") or "") != self.warm_path:
            return None
        self._waiting, self._waiting_id = None, None
        try:
            kernel_id = await task
        except Exception as exc:  # a kernel that failed to start: start one the usual way
            self.log.warning("The waiting kernel did not start: %s", exc)
            return None
        if kernel_id not in self:
            return None
        if not await ensure_async(self.get_kernel(kernel_id).is_alive()):
            # died at its start (two kernels started at once can be given the same free port:
            # "Address already in use"): the page gets a kernel started the usual way
            self.log.warning("The waiting kernel %s is dead; starting another.", kernel_id)
            with contextlib.suppress(Exception):
                await self.shutdown_kernel(kernel_id, now=True)
            return None
        self.log.info("Kernel %s (started with the server) serves the page.", kernel_id)
        self._place(kernel_id)  # now serving a page: its full weight
        return kernel_id

    async def start_kernel(  # type: ignore[override]  # the async manager's start is a coroutine
        self, *args: Any, **kwargs: Any
    ) -> str:
        taken = None if args else await self._take_waiting(kwargs)
        if taken is not None:
            return taken
        kernel_id: str = await super().start_kernel(*args, **kwargs)
        self._place(kernel_id)
        return kernel_id

    def _place(self, kernel_id: str) -> None:
        """Where a kernel stands: first to go when the member's memory limit is reached
        (hub/limits.py: the kernel that used it up is the one the kernel kills, never the
        member's server; an account may raise its own processes' oom_score_adj), and its weight
        on the CPU (:meth:`_weigh`). Both set again on every cull round, for kernels restarted
        since."""
        pid = self._pid(kernel_id)
        if pid is not None:
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/oom_score_adj").write_text(OOM_SCORE_ADJ)
            self._weigh(kernel_id, pid)

    def _pid(self, kernel_id: str) -> int | None:
        pid = getattr(getattr(self._kernels.get(kernel_id), "provisioner", None), "pid", None)
        return pid if isinstance(pid, int) else None

    def _weigh(self, kernel_id: str, pid: int, tries: int = 0) -> None:
        """The kernel waiting for a page starts and imports with the server's niceness, yielding
        to the hub, the exam service and members already in; a kernel serving a page (the member
        is in, answering) weighs as much as the hub, so that while others log in their answers
        are still saved at once. A kernel starts a session of its own, which the server's
        niceness does not reach (:func:`exam_tools.hub.limits.yield_cpu`). A write the machine
        refuses for now is tried again shortly (:data:`WEIGH_FIRST`), by what the kernel is
        then: once taken by a page while a try was pending, it weighs as serving the page."""
        waiting = kernel_id == self._waiting_id
        if yield_cpu(os.getpriority(os.PRIO_PROCESS, 0) if waiting else 0, pid):
            self._weighing.discard(kernel_id)
            return
        if not tries and kernel_id in self._weighing:
            return  # a try is pending already, and weighs by the kernel's state then
        if tries >= WEIGH_TRIES:
            self._weighing.discard(kernel_id)
            self.log.warning("Kernel %s: its weight on the CPU refused %d times; the cull round "
                             "tries again.", kernel_id, tries)  # fmt: skip
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (not in the server): the cull round tries again
            return
        jitter = random.uniform(0.5, 1.5)  # members' servers do not try in step
        delay = min(WEIGH_LONGEST, WEIGH_FIRST * 1.5**tries) * jitter
        self._weighing.add(kernel_id)
        loop.call_later(delay, self._weigh_again, kernel_id, pid, tries + 1)

    def _weigh_again(self, kernel_id: str, pid: int, tries: int) -> None:
        if self._pid(kernel_id) == pid:  # the same kernel, still running
            self._weigh(kernel_id, pid, tries)
        else:
            self._weighing.discard(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        self._place(kernel_id)
        if kernel_id == self._waiting_id:  # no page yet: it waits for one, up to warm_lifetime
            if time.monotonic() - self._waiting_since > float(self.warm_lifetime):
                self.log.info("Kernel %s waited %.0f s for a page; shutting it down.", kernel_id,
                              time.monotonic() - self._waiting_since)  # fmt: skip
                self._waiting, self._waiting_id = None, None
                await self.shutdown_kernel(kernel_id)
            return
        connections = self._kernel_connections.get(kernel_id, 0)
        now = time.monotonic()
        if connections:
            self._alone_since.pop(kernel_id, None)
        else:
            self._alone_since.setdefault(kernel_id, now)
        timeout = float(self.cull_idle_timeout)
        if timeout > 0 and alone_too_long(self._alone_since.get(kernel_id), connections, now,
                                          timeout):  # fmt: skip
            self.log.warning(
                "Culling kernel %s: no page connected for %.0f seconds.",
                kernel_id,
                now - self._alone_since[kernel_id],
            )
            self._alone_since.pop(kernel_id, None)
            await self.shutdown_kernel(kernel_id)
            return
        await super().cull_kernel_if_idle(kernel_id)  # dead kernels, and plain idleness
