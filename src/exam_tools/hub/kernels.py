"""Members' kernels end with their page: the kernel manager of a member's server.

jupyter_server culls a kernel after ``cull_idle_timeout`` seconds without activity, and any message
the kernel sends counts as activity. The member page's heartbeat (:mod:`exam_tools.quiz.alive`)
updates a widget every two seconds, so a page closed or reloaded left a kernel that looked busy
forever: one member was seen holding seven kernels of 128 MB (hub-notes 17). What matters for a
member is whether a page is still connected. This manager shuts a kernel down once no page has been
connected to it for ``cull_idle_timeout`` seconds, whatever it sends; a connected page's kernel is
never culled, however long the member thinks over a question. A browser killed without closing its
websocket is noticed by the server's websocket pings (30 s, timeout 90 s) and then counts as gone.

Configured for members' servers only (``ServerApp.kernel_manager_class`` in
:func:`exam_tools.hub.files.member_server_config`); imported there, in the hub's venv.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

#: Kernels' ``oom_score_adj``: +500 counts half the memory limit against a kernel, so a runaway
#: kernel (or any kernel) goes before the member's server does.
OOM_SCORE_ADJ = "500"


def alone_too_long(alone_since: float | None, connections: int, now: float, timeout: float) -> bool:
    """Whether a kernel with ``connections`` pages, first seen without any at ``alone_since``,
    has been alone for longer than ``timeout`` seconds at ``now``."""
    return connections == 0 and alone_since is not None and now - alone_since > timeout


class MemberKernelManager(AsyncMappingKernelManager):
    """Culls by connections, not by messages (see the module's docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._alone_since: dict[str, float] = {}

    async def start_kernel(  # type: ignore[override]  # the async manager's start is a coroutine
        self, *args: Any, **kwargs: Any
    ) -> str:
        kernel_id: str = await super().start_kernel(*args, **kwargs)
        self._first_to_go(kernel_id)
        return kernel_id

    def _first_to_go(self, kernel_id: str) -> None:
        """When the member's memory limit is reached (hub/limits.py), the kernel that used it up
        is the one the kernel kills, never the member's server: kernels are marked first to go
        (an account may raise its own processes' oom_score_adj). Checked again on every cull
        round, for kernels restarted since."""
        pid = getattr(getattr(self._kernels.get(kernel_id), "provisioner", None), "pid", None)
        if isinstance(pid, int):
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/oom_score_adj").write_text(OOM_SCORE_ADJ)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        self._first_to_go(kernel_id)
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
