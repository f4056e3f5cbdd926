"""Unix accounts and folders for the hub (the I/O edge; needs root).

Every function is idempotent, so ``exam-tools hub init`` and ``exam-tools hub users`` may run
again after a change or an interruption: an account that exists is brought to the wanted state,
never duplicated. Passwords pass through ``chpasswd`` on its standard input and are never written
anywhere by exam-tools.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from exam_tools.errors import ExamToolsError


class HubSetupError(ExamToolsError, RuntimeError):
    """A system command failed (useradd, chpasswd …); carries the command's own message."""


def _run(*args: str, stdin: str | None = None) -> None:
    result = subprocess.run(args, input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise HubSetupError(f"{args[0]} 失败：{(result.stderr or result.stdout).strip()}")


def require_root() -> None:
    if os.geteuid() != 0:
        raise HubSetupError("需要以 root 身份运行（建立系统账号和目录）")


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def ensure_group(name: str) -> None:
    try:
        grp.getgrnam(name)
    except KeyError:
        _run("groupadd", "--force", name)


#: How an account's comment (GECOS) named its roster id before ``accounts.json`` (read only to carry
#: such deployments over; the member can change it).
MEMBER_ID_TAG = "exam-tools member "


def member_comment(member_id: str) -> str:
    """The GECOS field that ties an account to a roster id (ASCII, no ':' or ','; ids are percent-encoded)."""
    return MEMBER_ID_TAG + quote(member_id, safe="")


def comment_claims() -> dict[str, str]:
    """login → the roster id an account's comment (GECOS) names. The member can change it with
    ``chfn``: only :func:`exam_tools.hub.logins.from_comments` reads it, to carry a deployment
    made before ``accounts.json`` over, and it checks each claim against the login name."""
    from urllib.parse import unquote

    return {
        p.pw_name: unquote(p.pw_gecos[len(MEMBER_ID_TAG) :])
        for p in pwd.getpwall()
        if p.pw_gecos.startswith(MEMBER_ID_TAG)
    }


def ensure_user(
    name: str,
    groups: Iterable[str],
    home_base: str | Path,
    *,
    comment: str = "",
    login_shell: str = "/usr/sbin/nologin",
) -> bool:
    """Make (or bring up to date) a Unix account with a private home; True if it was created.

    Homes are ``chmod o-rwx`` (and g-rwx): other members cannot list or read them.
    """
    wanted = sorted(set(groups))
    for g in wanted:
        ensure_group(g)
    home = Path(home_base) / name
    created = not user_exists(name)
    if created:
        Path(home_base).mkdir(parents=True, exist_ok=True)
        _run(
            "useradd", "--create-home", "--home-dir", str(home), "--shell", login_shell,
            "--comment", comment, "--groups", ",".join(wanted), "--user-group", name,
        )  # fmt: skip
    else:
        _run("usermod", "--append", "--groups", ",".join(wanted), "--comment", comment, name)
        home = Path(pwd.getpwnam(name).pw_dir)
    home.mkdir(parents=True, exist_ok=True)
    entry = pwd.getpwnam(name)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    home.chmod(0o700)
    return created


def remove_user(name: str) -> bool:
    """Delete the account and its home; True if it existed."""
    if not user_exists(name):
        return False
    # the account's own processes (its server, kernels) end first: userdel refuses otherwise
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True, check=False)
        if subprocess.run(["pgrep", "-u", name], capture_output=True, check=False).returncode:
            break
        time.sleep(0.2)
    _run("userdel", "--remove", name)
    # its wrong-password count (pam_faillock) goes too: a login name made again starts clean
    if shutil.which("faillock"):
        subprocess.run(["faillock", "--user", name, "--reset"], capture_output=True, check=False)
    return True


def set_password(name: str, password: str) -> None:
    if ":" in name or "\n" in password or ":" in password:
        raise HubSetupError("用户名或密码含有不允许的字符")
    _run("chpasswd", stdin=f"{name}:{password}\n")


def copy_tree_as(source: Path, target: Path, owner: str) -> list[Path]:
    """Copy the files under ``source`` into ``target``, owned by ``owner``; files that already
    exist and are the same are left alone, changed ones replaced. Returns what was written."""
    entry = pwd.getpwnam(owner)
    written = []
    for path in sorted(source.rglob("*")):
        if path.is_dir() or any(part.startswith(".") for part in path.relative_to(source).parts):
            continue
        dest = target / path.relative_to(source)
        if dest.exists() and dest.read_bytes() == path.read_bytes():
            continue
        for parent in reversed(dest.relative_to(target).parents):
            folder = target / parent
            if not folder.exists():
                folder.mkdir()
                os.chown(folder, entry.pw_uid, entry.pw_gid)
        shutil.copyfile(path, dest)
        os.chown(dest, entry.pw_uid, entry.pw_gid)
        dest.chmod(0o600)
        written.append(dest)
    return written


def make_dir(path: Path, mode: int, owner: str | None = None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(mode)
