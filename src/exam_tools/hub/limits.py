"""One member cannot sink the rest: a control group per member's server, with memory and process
limits.

JupyterHub's LocalProcessSpawner starts members' servers in the hub's own control group, with no
memory or process limit (hub-notes 19): one member's kernel allocating without end would take the
whole machine's memory from the exam service and everyone else. The Littlest JupyterHub uses
SystemdSpawner's ``mem_limit``; without systemd, the hub (root) puts each member's server in a
group of its own as soon as it has started, and everything the server starts (kernels) is counted
there. When the group runs out of memory the kernel uses it up, the kernel alone is killed; the
member's server, the exam service and the other members carry on.

Works with cgroup v2 (``/sys/fs/cgroup`` unified, as on Debian 12 and later) and with the v1
``memory`` and ``pids`` hierarchies. Group names are ``exam-tools-members/<login>``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import resource
from dataclasses import dataclass
from pathlib import Path

from exam_tools.errors import InvalidInputError

ROOT = Path("/sys/fs/cgroup")
GROUP = "exam-tools-members"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)


def parse_size(text: str | int) -> int:
    """Bytes from ``768M``, ``1G``, ``1.5GiB`` or a plain number of bytes."""
    if isinstance(text, int):
        return text
    m = _SIZE.match(str(text))
    if not m:
        raise InvalidInputError(f"大小“{text}”写得不对，请写成 768M、1G 这样的形式。")
    power = " KMGT".index(m.group(2).upper() or " ")
    return int(float(m.group(1)) * 1024**power)


@dataclass(frozen=True)
class Layout:
    """Where the groups of one machine live: (memory dir, pids dir); one dir on cgroup v2."""

    memory: Path
    pids: Path

    @property
    def unified(self) -> bool:
        return self.memory == self.pids


def layout(root: Path = ROOT) -> Layout | None:
    """The machine's cgroup layout with memory and pids controllers, or None."""
    controllers = root / "cgroup.controllers"
    if controllers.exists():
        if {"memory", "pids"} <= set(controllers.read_text().split()):
            return Layout(root / GROUP, root / GROUP)
        return None
    if (root / "memory" / "memory.limit_in_bytes").exists() and (root / "pids").is_dir():
        return Layout(root / "memory" / GROUP, root / "pids" / GROUP)
    return None


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def fresh(group: Path) -> Path:
    """The group, made anew when it is left over from an earlier server with nothing in it (what
    that server's files still held in the page cache would count against the new one)."""
    if group.is_dir() and not members_of(group):
        with contextlib.suppress(OSError):
            group.rmdir()
    group.mkdir(exist_ok=True)
    return group


def confine(name: str, pid: int, memory: int, pids: int, where: Layout) -> list[Path]:
    """Put process ``pid`` (a member's server) in the member's own group with ``memory`` bytes and
    ``pids`` tasks at most (0: no limit). The groups it is now in."""
    groups = []
    if where.unified:
        where.memory.mkdir(exist_ok=True)
        # the parent must hand its controllers down before a child can limit them
        with contextlib.suppress(OSError):
            _write(where.memory.parent / "cgroup.subtree_control", "+memory +pids")
        _write(where.memory / "cgroup.subtree_control", "+memory +pids")
        group = fresh(where.memory / name)
        _write(group / "memory.max", str(memory) if memory else "max")
        with contextlib.suppress(OSError):  # no swap accounting on some kernels
            _write(group / "memory.swap.max", "0")
        _write(group / "pids.max", str(pids) if pids else "max")
        _write(group / "cgroup.procs", str(pid))
        return [group]
    where.memory.mkdir(exist_ok=True)
    where.pids.mkdir(exist_ok=True)
    mem, tasks = fresh(where.memory / name), fresh(where.pids / name)
    _write(mem / "memory.limit_in_bytes", str(memory) if memory else "-1")
    with contextlib.suppress(OSError):  # only where swap accounting is on
        _write(mem / "memory.memsw.limit_in_bytes", str(memory) if memory else "-1")
    _write(tasks / "pids.max", str(pids) if pids else "max")
    for g in (mem, tasks):
        _write(g / "cgroup.procs", str(pid))
        groups.append(g)
    return groups


def release(name: str, where: Layout) -> None:
    """Remove the member's groups once their server has stopped (kept while anything is left)."""
    for g in {where.memory / name, where.pids / name}:
        with contextlib.suppress(OSError):
            g.rmdir()


def members_of(group: Path) -> list[int]:
    """The pids in a group (for tests and ``hub`` diagnostics)."""
    try:
        return [int(p) for p in (group / "cgroup.procs").read_text().split()]
    except OSError:
        return []


def limit_self(file_size: int, nice: int) -> None:
    """In a member's server process, in its own session, before it drops to the member (a
    process that changed its uid cannot write its own ``/proc`` files until it runs a new
    program; and the member cannot take back what root set): the largest file it and its kernels
    may write (RLIMIT_FSIZE) and its niceness, also its session's (see :func:`yield_cpu`). Called
    by the spawner's preexec function, by the fork server and (niceness only, for the exam
    service) by :mod:`exam_tools.hub.runas`."""
    if file_size:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    if nice:
        os.nice(nice)
        yield_cpu(nice)


def yield_cpu(nice: int, pid: int | str = "self") -> bool:
    """Give process ``pid``'s session the niceness ``nice`` (raising it needs no privilege).

    A process's niceness alone weighs nothing against other sessions: with the kernel's autogroup
    scheduling (``/proc/sys/kernel/sched_autogroup_enabled``, on by default), each session is
    scheduled as one group of weight "nice 0" and niceness counts only inside it. Members'
    servers and their kernels each start a session of their own (``start_new_session``), as do
    the hub, its proxy and the exam service, so ``os.nice`` alone left a starting member's server
    as heavy as the exam service (deploy/hub-notes.md 21). Nothing to do where the file is absent
    (no autogroup scheduling). An account may set its own sessions' niceness back to 0: this
    orders the work of a busy minute (answers before logins), it does not limit a member.

    Returns False when the kernel refused the write *for now*: it takes one such write every
    100 ms from the whole machine's accounts without ``CAP_SYS_ADMIN`` (``EAGAIN``; root is
    exempt), so in a login storm most members' kernels are refused at the first try
    (deploy/hub-notes.md 33); the caller tries again later (:mod:`exam_tools.hub.kernels`).
    A session that has the niceness already is left alone (reading costs no write), and a
    process that is gone, or no autogroup scheduling, is nothing to do (True)."""
    path = Path(f"/proc/{pid}/autogroup")
    try:
        if path.read_text("ascii").split()[-1:] == [str(nice)]:  # "/autogroup-123 nice 5"
            return True
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, str(nice).encode())
        finally:
            os.close(fd)
    except OSError as exc:
        return exc.errno != errno.EAGAIN
    return True
