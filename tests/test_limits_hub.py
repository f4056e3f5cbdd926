"""One member cannot sink the rest (issue 18): each member's server and kernels live in a control
group of their own with a memory and a process limit.

On a real JupyterHub on localhost (root; ports 18340-18344, accounts ``etlim-…``), with a member
limit of 500 MiB: a member's kernel that allocates without end is killed alone, while their own
server, the exam service and another member's kernel carry on, and the service still answers the
other member.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from websocket import WebSocketException

from exam_tools.hub import limits
from exam_tools.hub.client import HubClientError
from exam_tools.hub.localhub import LocalHub

from .conftest import ROOT, running_hub
from .test_service_hub import Member

MEMORY = "500M"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=2, port=18340, prefix="etlim-", course="etlimc",
                     member={"mem_limit": MEMORY, "pids_limit": 200})  # fmt: skip
    yield from running_hub(local)


def test_parse_size() -> None:
    assert limits.parse_size("300M") == 300 * 1024**2
    assert limits.parse_size("1.5GiB") == int(1.5 * 1024**3)
    assert limits.parse_size(4096) == 4096
    with pytest.raises(ValueError, match="768M"):
        limits.parse_size("lots")


def test_prestart_starts_the_sitting_before_anyone_logs_in(hub: LocalHub) -> None:
    """`hub prestart` (issue 18): the members' servers are up before they log in, started by the
    hub's own admin service a few at a time; a member then finds 我的学习 ready."""
    from exam_tools.hub.config import read_config, state_dir
    from exam_tools.hub.prestart import HubAPI, read_token

    hubdir = hub.base / "hub"
    out = hub.cli("hub", "prestart", str(hubdir), *hub.logins, "--parallel", "2")
    assert out.strip().startswith(f"已提前启动 {len(hub.logins)} 名党员的学习页面")
    cfg = read_config(hubdir)
    token = read_token(state_dir(cfg, hubdir))
    assert token and (state_dir(cfg, hubdir) / "admin-api-token").stat().st_mode & 0o077 == 0
    api = HubAPI(f"http://127.0.0.1:{cfg['hub']['hub_port']}/hub/api", token)
    assert all(api.ready(login) for login in hub.logins)
    # the token may start servers, not read the hub's other secrets or act as a member
    status, _ = api.call("GET", "/services")
    assert status == 403
    session = hub.session(hub.logins[0])
    page = session.follow(session.user_url())
    assert page.status_code == 200 and "/voila/render/" in page.url  # no spawn page, no wait
    # prestarting again is harmless: already running
    assert (
        hub.cli("hub", "prestart", str(hubdir), hub.logins[0]).strip().startswith("已提前启动 1 名")
    )


def test_a_kernel_that_allocates_without_end_is_killed_alone(hub: LocalHub) -> None:
    where = limits.layout()
    assert where is not None, "this machine has no cgroup memory and pids controllers"
    hog, other = (Member(hub, name) for name in hub.logins)
    group = where.memory / hog.name
    assert limits.members_of(group), "the member's server is not in its own group"
    limit_file = "memory.max" if where.unified else "memory.limit_in_bytes"
    assert int((group / limit_file).read_text()) == limits.parse_size(MEMORY)
    assert (where.pids / hog.name / "pids.max").read_text().strip() == "200"
    assert not limits.members_of(where.memory / "etlim-t1")  # instructors are not confined
    service = hub.service_pids()
    assert service

    try:
        out = hog.session.execute(
            hog.kernel,
            "chunks = []\nwhile True:\n    chunks.append(bytearray(20_000_000))\n",
            timeout=60,
        )
    except (HubClientError, WebSocketException):
        pass  # the kernel was killed: its websocket closed, or no answer came
    else:
        raise AssertionError(f"the kernel answered: {out}")
    # the hog's own server still answers, and the kernel was restarted or is gone
    assert hog.session.api("GET", "api/status").ok
    assert limits.members_of(group)  # the server is still in its group
    # the other member: their kernel, and the exam service, answer as before
    assert other.run("print(6 * 7)").strip() == "42"
    r = requests.get(f"{other.url}/api/practice", params={"member": other.name},
                     headers={"Authorization": f"token {other.token}"}, timeout=30)  # fmt: skip
    assert r.status_code == 200 and "practice" in r.json()
    assert hub.service_pids() == service  # the service was not killed
    # and the hog can start again: a new kernel in the same server runs
    fresh = hog.session.start_kernel()
    ran = hog.session.execute(fresh, "print('again')")
    assert ran["error"] is None and ran["stdout"].strip() == "again"
