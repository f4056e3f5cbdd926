"""The fork server members' servers are forked from (exam_tools.hub.forkserver), outside a hub:
its requests, its socket, what it keeps of the hub's environment, and its end with the hub.
What a forked server holds on a real hub: tests/test_forkserver_hub.py."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exam_tools.hub import forkserver


def request_over(payload: bytes) -> dict[str, object] | None:
    a, b = socket.socketpair()
    with a, b:
        a.sendall(payload)
        a.shutdown(socket.SHUT_WR)
        return forkserver.read_request(b)


@given(st.dictionaries(st.text(), st.text() | st.integers() | st.lists(st.text())))
def test_a_request_is_one_line_of_json(request: dict[str, object]) -> None:
    assert request_over(json.dumps(request).encode() + b"\n") == request


def test_bad_requests() -> None:
    assert request_over(b"\n") is None  # a probe
    with pytest.raises(forkserver.ForkServerError, match="JSON object"):
        request_over(b"[1, 2]\n")
    with pytest.raises(forkserver.ForkServerError, match="incomplete"):
        request_over(b'{"user": "dy1"')  # closed before the end of the line
    with pytest.raises(ValueError):
        request_over(b"{not json\n")


def test_peer_uid_is_the_callers() -> None:
    a, b = socket.socketpair()
    with a, b:
        assert forkserver.peer_uid(b) == os.getuid()


def test_ask_reads_the_pid_or_the_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"

    async def scenario(answer: bytes) -> int:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            assert json.loads(await reader.readline()) == {"user": "dy1"}
            writer.write(answer)
            await writer.drain()
            writer.close()

        server = await asyncio.start_unix_server(handle, str(path))
        async with server:
            return await forkserver.ask(path, {"user": "dy1"}, timeout=5)

    assert asyncio.run(scenario(b'{"pid": 4242}\n')) == 4242
    with pytest.raises(forkserver.ForkServerError, match="still root"):
        asyncio.run(scenario(b'{"error": "ForkServerError: still root"}\n'))
    with pytest.raises(forkserver.ForkServerError, match="closed"):
        asyncio.run(scenario(b""))


def test_the_fork_server_keeps_no_secret_and_ends_with_its_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started (as the spawner does) by a process that then ends: the socket is its owner's
    alone, the hub's tokens are not in its environment, and it is gone soon after its hub."""
    path = tmp_path / "forkserver.sock"
    starter = f"""
import os, sys, time
from pathlib import Path
from exam_tools.hub import forkserver
proc = forkserver.start(Path({str(path)!r}), sys.executable)
print(proc.pid, flush=True)
sys.stdin.readline()  # the hub runs until the test says so
"""
    env = {**os.environ, "JUPYTERHUB_API_TOKEN": "s3cret-hub-token",
           "CONFIGPROXY_AUTH_TOKEN": "s3cret-proxy-token"}  # fmt: skip
    hub = subprocess.Popen([sys.executable, "-c", starter], env=env, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert hub.stdout is not None and hub.stdin is not None
        pid = int(hub.stdout.readline())
        mode = path.stat()
        assert stat.S_ISSOCK(mode.st_mode)
        assert stat.S_IMODE(mode.st_mode) == 0o600 and mode.st_uid == os.getuid()
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        assert b"s3cret" not in environ and b"TOKEN" not in environ
        assert forkserver.answering(path)
        hub.stdin.write("\n")
        hub.stdin.flush()
        hub.wait(10)  # the hub is gone
        end = time.monotonic() + 10
        while time.monotonic() < end and Path(f"/proc/{pid}").exists():
            time.sleep(0.2)
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
        assert not path.exists()
    finally:
        hub.kill()
        hub.communicate()  # and closes the pipes
