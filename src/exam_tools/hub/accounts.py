"""Login names and first passwords for members (pure), and choosing members from the roster.

A member's login name is ``<prefix><6 digits>`` (``dy381920``): short enough to type on a phone,
never the name of a system account, the same every time for the same roster id (the digits come
from a hash of it; a clash with another member moves on to the next free number).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from exam_tools.errors import InvalidInputError

if TYPE_CHECKING:  # the hub's spawn hook imports this module: no sqlite_utils (and numpy) there
    import sqlite_utils

DIGITS = 6


def login_name(member_id: str, prefix: str, taken: Iterable[str] = ()) -> str:
    """The login name for ``member_id``, avoiding names in ``taken``."""
    used = set(taken)
    n = int.from_bytes(hashlib.sha256(member_id.encode("utf-8")).digest()[:8], "big")
    for step in range(10**DIGITS):
        name = f"{prefix}{(n + step) % 10**DIGITS:0{DIGITS}d}"
        if name not in used:
            return name
    raise InvalidInputError(f"前缀 {prefix} 下的登录名已用完")


#: Digits in a first password: as long as a phone number, and long enough for the guessing rate
#: pam_faillock allows (README: 5 guesses per 30 minutes per account, 240 a day, against 10^10).
PASSWORD_DIGITS = 10


def first_password(length: int = PASSWORD_DIGITS) -> str:
    """A random first password of digits only: the number pad is the easiest thing to type on a
    phone for older members. ``secrets`` makes it unpredictable; it is printed on the card and set
    with chpasswd, and exam-tools keeps no copy."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


@dataclass(frozen=True)
class Account:
    member_id: str
    name: str  # real name (姓名)
    org_path: str  # 所在党组织, e.g. 城关镇党委/花王村党支部
    login: str
    password: str | None  # only when it was just set; None for accounts that already existed

    @property
    def branch(self) -> str:
        """The 支部 (last part of the organisation path)."""
        return self.org_path.rsplit("/", 1)[-1]


def members_of_org(db: sqlite_utils.Database, org: str | None) -> list[dict[str, Any]]:
    """Members (id, name, org path) of the organisation ``org`` (a path such as 城关镇党委, or its
    last part if that is unique) and everything under it; all members when ``org`` is None."""
    orgs = list(db.query("select id, name, path from orgs"))
    if org is not None:
        wanted = org.strip("/")
        hits = [o for o in orgs if o["path"] == wanted] or [o for o in orgs if o["name"] == wanted]
        if not hits:
            raise InvalidInputError(f"数据库里没有党组织“{org}”；请先导入花名册，或写完整路径")
        if len(hits) > 1:
            paths = "、".join(o["path"] for o in hits)
            raise InvalidInputError(f"有多个党组织叫“{org}”（{paths}），请写完整路径")
        base = hits[0]["path"]
        orgs = [o for o in orgs if o["path"] == base or o["path"].startswith(base + "/")]
    path_of = {o["id"]: o["path"] for o in orgs}
    rows = db.query("select id, name, org from members")
    found = [
        {"id": r["id"], "name": r["name"], "org_path": path_of[r["org"]]}
        for r in rows
        if r["org"] in path_of
    ]
    return sorted(found, key=lambda m: (m["org_path"], m["name"], m["id"]))


def plan_accounts(
    members: Iterable[Mapping[str, Any]], existing: Mapping[str, str], prefix: str
) -> list[tuple[Mapping[str, Any], str, bool]]:
    """(member, login name, is new) for each member: existing accounts keep their name."""
    taken = set(existing.values())
    out = []
    for m in members:
        if m["id"] in existing:
            out.append((m, existing[m["id"]], False))
            continue
        name = login_name(m["id"], prefix, taken)
        taken.add(name)
        out.append((m, name, True))
    return out
