"""The hub's spawner: JupyterHub's LocalProcessSpawner, with each member's server confined to a
control group of its own (memory and process limits, :mod:`exam_tools.hub.limits`).

``mem_limit`` is JupyterHub's own Spawner trait (LocalProcessSpawner alone ignores it);
``pids_limit`` caps the member's processes and threads (a fork bomb stops there);
``file_size_limit`` is the largest file the member's server and kernels may write (RLIMIT_FSIZE,
set in the child before the server starts, inherited by every kernel): one member cannot fill the
disk the exam service's database lives on with one file (Python ignores SIGXFSZ, so the write
fails with "File too large" and the kernel carries on). The pre-spawn hook sets all three for
members from ``config.yaml``; instructors' and graders' servers stay unlimited.
Imported by the hub process only (``c.JupyterHub.spawner_class``).
"""

from __future__ import annotations

import resource
from collections.abc import Callable
from typing import Any

from jupyterhub.spawner import LocalProcessSpawner  # type: ignore[import-not-found]  # hub venv
from traitlets import Integer

from exam_tools.hub import limits


class MemberSpawner(LocalProcessSpawner):  # type: ignore[misc]  # untyped base (hub venv only)
    pids_limit = Integer(0, config=True, help="Processes and threads a server may have (0: any).")
    file_size_limit = Integer(0, config=True, help="Largest file a server may write (0: any).")

    def make_preexec_fn(self, name: str) -> Callable[[], None]:
        """The member's uid (JupyterHub's own function), then the file size limit: set by the
        member's process on itself after the uid change (lowering a limit needs no privilege)."""
        become = super().make_preexec_fn(name)
        size = int(self.file_size_limit or 0)

        def preexec() -> None:
            become()
            if size:
                resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

        return preexec

    async def start(self) -> Any:
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
        where = limits.layout()
        if where is not None:
            limits.release(self.user.name, where)
