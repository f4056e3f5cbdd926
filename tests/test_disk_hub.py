"""One member cannot fill the disk the exam service saves answers on (issue 18).

On a real JupyterHub on localhost (root; ports 18650-18654, accounts ``etdk-…``, removed
afterwards) with ``member.file_size_limit: 8M``: a member's kernel writing a file on and on is
stopped at 8 MiB with "File too large" and carries on; the member's page and the exam service still
answer; an instructor's server has no such limit.
``hub init`` and ``hub users`` say so when the members' homes and the service's database share a
filesystem (here both are under /tmp).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from exam_tools.hub.client import HubSession
from exam_tools.hub.localhub import LocalHub

from .conftest import ROOT, running_hub

LIMIT = 8 * 2**20
PORT = 18650


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=2, port=PORT, prefix="etdk-", course="etdkc",
                     member={"file_size_limit": '"8M"'})  # fmt: skip
    yield from running_hub(local)


def kernel_of(hub: LocalHub, name: str) -> tuple[HubSession, str]:
    session = hub.session(name)
    session.follow(session.user_url())
    return session, session.start_kernel()


def run(session: HubSession, kernel: str, code: str) -> str:
    out = session.execute(kernel, code, timeout=120)
    assert out["error"] is None, out
    return str(out["stdout"]).strip()


FILL = """
import errno, os
path = os.path.expanduser("~/fill.bin")
block = b"x" * 2**20
outcome = "none"
try:
    with open(path, "wb") as f:
        for _ in range(64):  # 64 MiB at most, should the limit be missing
            f.write(block)
            f.flush()
except OSError as exc:
    outcome = errno.errorcode[exc.errno]
print(outcome, os.path.getsize(path))
os.remove(path)
"""


def test_a_member_cannot_write_a_file_larger_than_the_limit(hub: LocalHub) -> None:
    filler, other = hub.logins
    session, kernel = kernel_of(hub, filler)
    code, size = run(session, kernel, FILL).split()
    assert code == "EFBIG" and int(size) == LIMIT  # stopped at the limit, not at a full disk
    # the same kernel carries on, and small files (the page's own) are written as before
    assert run(session, kernel, "open('ok.txt', 'w').write('答案'); print(6 * 7)") == "42"
    assert run(session, kernel, "import resource\nprint(resource.getrlimit(resource.RLIMIT_FSIZE))"
               ) == f"({LIMIT}, {LIMIT})"  # fmt: skip
    # the exam service still answers the member's token
    token = run(session, kernel, "import os; print(os.environ['JUPYTERHUB_API_TOKEN'])")
    url = run(session, kernel, "import os; print(os.environ['EXAM_TOOLS_SERVICE_URL'])")
    r = requests.get(f"{url}/api/practice", params={"member": filler}, timeout=30,
                     headers={"Authorization": f"token {token}"})  # fmt: skip
    assert r.status_code == 200 and "practice" in r.json()
    assert hub.service_pids()
    # another member's kernel is not affected by the first one's writes
    s2, k2 = kernel_of(hub, other)
    assert run(s2, k2, "print(len(open('/dev/zero', 'rb').read(2**20)))") == str(2**20)


def test_an_instructor_has_no_file_size_limit(hub: LocalHub) -> None:
    session, kernel = kernel_of(hub, hub.teacher)
    got = run(session, kernel, "import resource\nprint(resource.getrlimit(resource.RLIMIT_FSIZE))")
    assert got == "(-1, -1)"


def cli_warnings(hub: LocalHub, *args: str) -> str:
    """What the CLI prints as warnings (stderr), run as LocalHub runs it."""
    env = {**os.environ, "EXAM_TOOLS_HUB": str(hub.base / "hub"), **hub.env,
           "PYTHONPATH": str(hub.base / "src")}  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "exam_tools", *args], env=env,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stderr


def test_init_and_users_warn_when_homes_and_the_service_database_share_a_disk(
    hub: LocalHub,
) -> None:
    hubdir = str(hub.base / "hub")
    for err in (
        cli_warnings(hub, "hub", "init", hubdir),
        cli_warnings(
            hub,
            "hub",
            "users",
            hubdir,
            "--db",
            str(hub.base / "roster.db"),
            "--cards",
            str(hub.base / "cards2.html"),
        ),
    ):
        assert "党员主目录" in err and "同一个文件系统" in err, err
        assert str(hub.service_db) in err and "exam_service.db" in err
