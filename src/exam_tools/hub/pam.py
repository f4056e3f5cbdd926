"""PAM settings that throttle password guessing (hub-notes 14), written by ``exam-tools hub init``.

- ``/etc/pam.d/exam-tools-hub``: the hub's own PAM service (``PAMAuthenticator.service``), a whole
  file we own: ``pam_faillock`` around ``pam_unix`` (``nodelay``), no ``pam_faildelay``;
- ``/etc/pam.d/su``: the same ``pam_faillock`` lines in a marked block after ``pam_rootok`` (root's
  own ``su`` is untouched), replaced on every run, never appended twice.

Both count failures in the same tally (``/var/run/faillock/<login>``, root's): after ``deny``
wrong passwords within ``unlock_time`` the account is locked for ``unlock_time`` seconds, for the
hub and for ``su`` alike, and ``exam-tools hub unlock DIR LOGIN`` (``faillock --reset``) frees it.
The text is made here (pure); :func:`install` writes it (root).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

SERVICE = "exam-tools-hub"
PAM_DIR = Path("/etc/pam.d")
BEGIN = "# BEGIN exam-tools: throttle password guessing (exam-tools hub init writes this block)"
END = "# END exam-tools"


def faillock_args(cfg: Mapping[str, Any]) -> str:
    login = cfg["login"]
    seconds = int(login["lock_minutes"]) * 60
    return f"deny={int(login['max_failures'])} unlock_time={seconds} fail_interval={seconds}"


def auth_lines(cfg: Mapping[str, Any], unix: str) -> list[str]:
    """The auth stack: refuse a locked account before looking at the password; record a failure
    and stop; a success resets the tally and ends the stack."""
    args = faillock_args(cfg)
    return [
        f"auth     requisite                   pam_faillock.so preauth {args}",
        f"auth     [success=1 default=ignore]  {unix}",
        f"auth     [default=die]               pam_faillock.so authfail {args}",
        f"auth     sufficient                  pam_faillock.so authsucc {args}",
        "auth     requisite                   pam_deny.so",
    ]


def service_file(cfg: Mapping[str, Any]) -> str:
    lines = [
        f"# PAM service of the exam-tools JupyterHub ({SERVICE}); written by `exam-tools hub init`,",
        "# changes are overwritten. No pam_faildelay: the hub paces logins itself (hub-notes 14).",
        *auth_lines(cfg, "pam_unix.so nodelay"),
        "@include common-account",
        "@include common-session-noninteractive",
        "",
    ]
    return "\n".join(lines)


def with_block(text: str, block: list[str]) -> str:
    """``text`` (a PAM file) with our block put after its ``pam_rootok`` line (or first), any
    earlier block of ours removed first."""
    lines = text.splitlines()
    if BEGIN in lines:
        start = lines.index(BEGIN)
        end = lines.index(END, start) if END in lines[start:] else start
        del lines[start : end + 1]
    at = next(
        (
            i + 1
            for i, line in enumerate(lines)
            if "pam_rootok.so" in line and line.startswith("auth")
        ),
        next(
            (i for i, line in enumerate(lines) if line.strip().startswith(("auth", "@include"))), 0
        ),
    )
    lines[at:at] = [BEGIN, *block, END]
    return "\n".join(lines) + "\n"


def su_file(text: str, cfg: Mapping[str, Any]) -> str:
    return with_block(text, auth_lines(cfg, "pam_unix.so"))


def install(cfg: Mapping[str, Any], pam_dir: Path = PAM_DIR) -> list[Path]:
    """Write our service file and the ``su`` block (root); returns the files changed."""
    from exam_tools.fileio import write_atomic

    changed = []
    wanted = {pam_dir / SERVICE: service_file(cfg)}
    su = pam_dir / "su"
    if su.exists():
        wanted[su] = su_file(su.read_text("utf-8"), cfg)
    for path, text in wanted.items():
        if not path.exists() or path.read_text("utf-8") != text:
            write_atomic(path, text)
            path.chmod(0o644)
            changed.append(path)
    return changed


def unlock(login: str) -> None:
    """Forget the account's failures (``faillock --reset``): the lock ends now."""
    import subprocess

    from exam_tools.hub.system import HubSetupError

    result = subprocess.run(
        ["faillock", "--user", login, "--reset"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise HubSetupError(f"faillock 失败：{(result.stderr or result.stdout).strip()}")
