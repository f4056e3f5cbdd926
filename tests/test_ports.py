"""Members' servers listen on ports of their own range (exam_tools.hub.ports): never a port the
system hands out to kernels and connections, never one another running server holds."""

from __future__ import annotations

import random
import socket
from pathlib import Path

import pytest

from exam_tools.hub.ports import RANGE, NoFreePort, bindable, ephemeral_range, free_port


def test_the_range_lies_outside_the_ports_the_system_hands_out() -> None:
    low, high = ephemeral_range()
    assert RANGE[1] < low or RANGE[0] > high
    with socket.socket() as sock:  # what JupyterHub's random_port and kernels get
        sock.bind(("127.0.0.1", 0))
        assert not RANGE[0] <= sock.getsockname()[1] <= RANGE[1]


def test_a_port_is_neither_taken_by_a_server_nor_held_by_anyone() -> None:
    held = {20001}
    assert free_port({20000}, (20000, 20002), check=lambda p: p not in held) == 20002
    with pytest.raises(NoFreePort, match="20000-20002"):
        free_port({20000, 20002}, (20000, 20002), check=lambda p: p not in held)


def test_ports_are_tried_in_random_order() -> None:
    seen = {free_port(set(), (20000, 20099), check=lambda p: True, rng=random.Random(seed))
            for seed in range(20)}  # fmt: skip
    assert len(seen) > 10 and all(20000 <= p <= 20099 for p in seen)


def test_the_system_s_own_ports_are_never_chosen() -> None:
    low, _ = ephemeral_range()
    for seed in range(20):
        port = free_port(set(), (low - 3, low + 50), check=lambda p: True, rng=random.Random(seed))
        assert low - 3 <= port < low
    with pytest.raises(NoFreePort, match="ip_local_port_range"):
        free_port(set(), (low, low + 5), check=lambda p: True)


def test_a_port_someone_listens_on_is_not_free() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not bindable(port)
    port = free_port(set(), (RANGE[0], RANGE[0] + 200))
    assert bindable(port)


def test_the_ephemeral_range_is_read_from_the_system(tmp_path: Path) -> None:
    sysctl = tmp_path / "ip_local_port_range"
    sysctl.write_text("40000\t50000\n")
    assert ephemeral_range(sysctl) == (40000, 50000)
    sysctl.write_text("junk")
    assert ephemeral_range(sysctl) == (32768, 60999)  # Linux's default
    assert ephemeral_range(tmp_path / "absent") == (32768, 60999)
