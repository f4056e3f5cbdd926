"""Ports for members' servers, apart from every port the system hands out by itself.

JupyterHub gives each server a "random free port": it binds port 0, reads the port the system
chose and lets it go; the server binds it a second or more later. Kernels choose their five ports
the same way, and every outgoing connection (a kernel to the exam service, a server to the hub)
takes one from the same range (``net.ipv4.ip_local_port_range``). While a sitting logs in at once,
a port let go was seen taken again before its server bound it: one member's server could not
start ("not ready in time": the hub found a kernel's ZeroMQ socket on its port), another member's
browser was sent to a third member's server (404) (deploy/hub-notes.md 24). Members' servers
therefore get ports from a range of their own below that one, never one the hub has handed to a
running server.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Callable, Collection
from pathlib import Path

from exam_tools.errors import ExamToolsError


class NoFreePort(ExamToolsError, OSError):
    """No port of the range is free for a member's server."""


#: where members' servers listen: below Linux's default ephemeral range (32768-60999)
RANGE = (20000, 29999)


def ephemeral_range(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> tuple[int, int]:
    """The ports the system hands out by itself (bind to port 0, outgoing connections)."""
    try:
        low, high = (int(x) for x in path.read_text().split())
    except (OSError, ValueError):
        return (32768, 60999)
    return (low, high)


def bindable(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing holds ``port`` now (bound without SO_REUSEADDR: a port in TIME_WAIT counts
    as held, and is passed over)."""
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(
    taken: Collection[int],
    span: tuple[int, int] = RANGE,
    *,
    check: Callable[[int], bool] = bindable,
    rng: random.Random | None = None,
) -> int:
    """A port of ``span`` (inclusive) that is not in ``taken`` (the running servers' ports), not
    one the system hands out by itself, and that ``check`` finds free, tried in random order."""
    low, high = span
    eph_low, eph_high = ephemeral_range()
    candidates = [
        p for p in range(low, high + 1) if p not in taken and not eph_low <= p <= eph_high
    ]
    (rng or random.Random()).shuffle(candidates)
    for port in candidates:
        if check(port):
            return port
    raise NoFreePort(f"端口 {low}-{high} 中没有空闲的（系统自动分配的 {eph_low}-{eph_high} 不能用），"
                     "党员的服务器无法启动：请检查 net.ipv4.ip_local_port_range 和占用这些端口的程序。")  # fmt: skip
