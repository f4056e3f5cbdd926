"""Which roster id each member's login belongs to: a file in the hub directory that only root writes.

``exam-tools hub users`` writes ``DIR/accounts.json`` (``{"login": "roster id", …}``, owned by root,
mode 0644 in the root-owned DIR). Grading, ``grade import-nbgrader``, ``exam publish-records``,
``exam pull-practice`` and the hub's pre-spawn hook read it; nothing reads the account's comment
(GECOS) field any more, which the member can change with ``chfn`` (hub-notes 15).

Deployments made before this file existed kept the roster id only in GECOS. The next ``hub users``
run carries those over, but only claims the account's name itself confirms: a login name is the
first free ``<prefix><digits>`` on the walk that starts at the hash of its roster id
(:func:`~exam_tools.hub.accounts.login_name`), so a comment changed to another member's id does not
fit the account's name and is reported, never taken.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from exam_tools.errors import InvalidInputError
from exam_tools.hub.accounts import DIGITS, login_name

MAP_FILE = "accounts.json"
#: Where the commands look when neither ``--hub`` nor ``EXAM_TOOLS_HUB`` names the hub directory
#: (the directory of the README and deploy/exam-tools-hub.service).
DEFAULT_HUB_DIR = Path("/srv/exam-tools-hub")


def hub_dir(given: Path | None = None) -> Path:
    """The hub directory: ``given``, else ``$EXAM_TOOLS_HUB``, else :data:`DEFAULT_HUB_DIR`."""
    if given is not None:
        return given
    env = os.environ.get("EXAM_TOOLS_HUB")
    return Path(env) if env else DEFAULT_HUB_DIR


def read_map(directory: Path | None) -> dict[str, str]:
    """login → roster id from ``DIR/accounts.json``; empty when there is none (no hub here).

    The file counts only if root owns it and nobody else may write it (nor its directory)."""
    if directory is None:
        return {}
    path = directory / MAP_FILE
    try:
        st = path.stat()
    except OSError:
        return {}
    for p, s in ((path, st), (directory, directory.stat())):
        if s.st_uid != 0 or s.st_mode & 0o022:
            raise InvalidInputError(
                f"{p} 不是只有 root 能写（属主 uid {s.st_uid}，权限 {s.st_mode & 0o777:o}），"
                "不能用它对应登录名和党员编号；请以 root 重新运行 exam-tools hub users"
            )
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{path} 读不出来（{exc}）；请以 root 重新运行 hub users") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise InvalidInputError(f"{path} 格式不对；请以 root 重新运行 exam-tools hub users")
    return dict(data)


def hub_map(given: Path | None = None) -> dict[str, str]:
    """login → roster id of the hub in ``given`` (or found by :func:`hub_dir`)."""
    return read_map(hub_dir(given))


def write_map(directory: Path, mapping: Mapping[str, str]) -> Path:
    """Write ``DIR/accounts.json`` (root's, 0644), sorted, atomically."""
    from exam_tools.fileio import write_atomic

    path = directory / MAP_FILE
    text = json.dumps(dict(sorted(mapping.items())), ensure_ascii=False, indent=1) + "\n"
    write_atomic(path, text)
    if os.geteuid() == 0:
        os.chown(path, 0, 0)
    path.chmod(0o644)
    return path


def by_member(directory: Path | None) -> dict[str, str]:
    """roster id → login (the map turned round)."""
    return {mid: login for login, mid in read_map(directory).items()}


def fits_name(login: str, member_id: str, prefix: str, existing: Iterable[str]) -> bool:
    """True if ``login`` is where :func:`login_name` could have put ``member_id``: on the walk
    from the id's hash, with every name before it on the walk already taken."""
    first = login_name(member_id, prefix)
    if login == first:
        return True
    if not login.startswith(prefix):
        return False
    taken = set(existing)
    n = int(first[len(prefix) :])
    for step in range(len(taken) + 1):
        name = f"{prefix}{(n + step) % 10**DIGITS:0{DIGITS}d}"
        if name == login:
            return True
        if name not in taken:
            return False
    return False


def from_comments(
    claims: Mapping[str, str], prefix: str, mapped: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Carry GECOS-only deployments over: ``claims`` is login → roster id as the accounts'
    comments say, ``mapped`` the map so far. Returns (login → roster id to add, problems)."""
    existing = set(claims) | set(mapped)
    taken_ids = set(mapped.values())
    add: dict[str, str] = {}
    problems: list[str] = []
    count: dict[str, int] = {}
    for mid in claims.values():
        count[mid] = count.get(mid, 0) + 1
    for login, mid in sorted(claims.items()):
        if login in mapped:
            continue
        if count[mid] > 1 or mid in taken_ids:
            problems.append(f"账号 {login} 的备注写的党员编号 {mid} 已另有账号，未采用")
        elif not fits_name(login, mid, prefix, existing):
            problems.append(
                f"账号 {login} 的备注（党员编号 {mid}）与登录名对不上，可能被改过，未采用"
            )
        else:
            add[login] = mid
    return add, problems
