"""Start a hub service as its own account, ahead of members on the CPU.

JupyterHub starts a managed service in a session of its own and drops to the service's account
before the service's program runs. With the kernel's autogroup scheduling each session weighs as
much as any other whatever its processes' niceness (deploy/hub-notes.md 21), and only root may
give a session more weight than "nice 0". While thirty members log in at once, the exam service then
waited up to 75 ms for the CPU between two answers. The exam service's entry therefore runs
this module as root (the hub's own account): it gives its session the niceness asked for, drops
to the service's account exactly as JupyterHub does (``set_user_setuid``: groups, gid, uid), sets
``HOME``, ``USER``, ``LOGNAME`` and ``SHELL`` to that account's, and runs the service's program
in its place (same pid: the hub stops it as before).

    python -m exam_tools.hub.runas --nice -5 exam-service -- python -m exam_tools.service.server …
"""

from __future__ import annotations

import argparse
import os
import pwd
import sys

from exam_tools.hub import limits
from exam_tools.hub.forkserver import drop_to


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nice", type=int, default=0, help="niceness of the session (-20..19)")
    parser.add_argument("user", help="the account the program runs as")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- program and arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no program to run")
    account = pwd.getpwnam(args.user)
    limits.limit_self(0, args.nice)  # as root: its process and its session
    drop_to(args.user, chdir=False)
    os.environ.update({"HOME": account.pw_dir, "USER": account.pw_name,
                       "LOGNAME": account.pw_name, "SHELL": account.pw_shell})  # fmt: skip
    sys.stdout.flush()
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
