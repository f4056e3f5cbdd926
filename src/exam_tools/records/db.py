"""The embedded database: one SQLite file, opened through sqlite-utils, upgraded in place.

Migrations are numbered functions applied in order; ``PRAGMA user_version`` records the last one
applied, so opening an older file upgrades it without losing rows.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # sqlite-utils imports pandas and numpy when present: a second at start-up
    import sqlite_utils
    from sqlite_utils.db import Table

DEFAULT_DB = "exam_tools.db"


class Connection(sqlite3.Connection):
    """A connection on which nested ``with conn:`` blocks make one transaction.

    sqlite-utils wraps every chunk of ``insert_all``/``upsert_all`` in ``with db.conn:``, and a plain
    sqlite3 connection commits at the end of each such block, so an import of 150,000 rows killed
    half-way left the chunks written so far. Here only the outermost block commits (or rolls back).
    """

    _depth = 0

    def __enter__(self) -> Connection:
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        self._depth -= 1
        if not self._depth:  # an inner block leaves it to the outermost one
            super().__exit__(exc_type, exc, tb)
        return False


@contextmanager
def transaction(db: sqlite_utils.Database | sqlite3.Connection) -> Iterator[None]:
    """One transaction around the block: committed at its end, rolled back on any exception
    (Ctrl-C included); a process killed inside it leaves the database as it was (SQLite's
    journal is rolled back on the next open). Takes the write lock at once (BEGIN IMMEDIATE)."""
    conn = db if isinstance(db, sqlite3.Connection) else db.conn
    with conn:
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
        yield


def table(db: sqlite_utils.Database, name: str) -> Table:
    """A table (``db[name]`` may also be a view, which the type checker cannot rule out)."""
    from sqlite_utils.db import Table

    return Table(db, name)


def _v1(db: sqlite_utils.Database) -> None:
    table(db, "attempts").create(
        {
            "id": str,  # "<assignment>/<member>" for graded assignments
            "assignment": str,
            "course": str,
            "assessment": str,
            "member": str,
            "paper": str,
            "attempt": int,
            "submitted_at": str,
            "submitted_by": str,
            "score": float,
            "max_score": float,
            "percent": float,
            "passed": int,
            "manual_pending": int,
            "graded_at": str,
            "problems": str,
        },
        pk="id",
    )
    table(db, "attempts").create_index(["assignment"])
    table(db, "attempts").create_index(["member"])
    table(db, "results").create(
        {
            "attempt_id": str,
            "n": int,
            "qid": str,
            "type": str,
            "response": str,  # JSON
            "shown": str,  # JSON: option order as shown, for distractor statistics
            "score": float,
            "points": float,
            "correct": int,
            "manual": int,
        },
        pk=("attempt_id", "n"),
        foreign_keys=[("attempt_id", "attempts", "id")],
    )
    table(db, "results").create_index(["qid"])


def _v2(db: sqlite_utils.Database) -> None:
    # the pass mark at grading time, so a later manual score can decide passed/failed
    table(db, "attempts").add_column("pass_percent", float)


def _v3(db: sqlite_utils.Database) -> None:
    # the organisation tree, the roster, training sessions and attendance
    table(db, "orgs").create(
        {"id": str, "name": str, "kind": str, "parent": str, "path": str},
        pk="id",
        foreign_keys=[("parent", "orgs", "id")],
    )
    table(db, "orgs").create_index(["parent"])
    table(db, "members").create(
        {
            "id": str,
            "name": str,
            "org": str,
            "category": str,
            "roles": str,  # JSON list
            "birth_year": int,
            "joined": str,
            "status": str,  # 正式 / 预备
            "flowing": int,  # 流动党员
        },
        pk="id",
        foreign_keys=[("org", "orgs", "id")],
    )
    table(db, "members").create_index(["org"])
    table(db, "sessions").create(
        {
            "id": str,
            "date": str,
            "org": str,
            "kind": str,
            "title": str,
            "course": str,
            "hours": float,
        },
        pk="id",
        foreign_keys=[("org", "orgs", "id")],
    )
    table(db, "attendance").create(
        {"session": str, "member": str, "hours": float},
        pk=("session", "member"),
        foreign_keys=[("session", "sessions", "id"), ("member", "members", "id")],
    )
    table(db, "attendance").create_index(["member"])


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3]


def db_path(path: str | Path | None = None) -> Path:
    """``path``, else ``$EXAM_TOOLS_DB``, else ``exam_tools.db`` in the working directory."""
    return Path(path or os.environ.get("EXAM_TOOLS_DB") or DEFAULT_DB)


def open_db(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open (creating or upgrading) the database; ``":memory:"`` for a throwaway one."""
    import sqlite_utils

    target = str(path) if str(path) == ":memory:" else str(db_path(path))
    db = sqlite_utils.Database(sqlite3.connect(target, factory=Connection))
    db.execute("PRAGMA foreign_keys = ON")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, migrate in enumerate(MIGRATIONS[version:], version + 1):
        with db.conn:
            migrate(db)
            db.execute(f"PRAGMA user_version = {number}")
    return db


def connect(path: str | Path | None = None) -> sqlite3.Connection:
    """The database as a plain sqlite3 connection, without loading sqlite-utils (for ``grade``,
    where start-up counts); an older or new file is created or upgraded through :func:`open_db`."""
    conn = sqlite3.connect(str(db_path(path)), factory=Connection)
    conn.execute("PRAGMA foreign_keys = ON")
    if conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
        return conn
    conn.close()
    upgraded: sqlite3.Connection = open_db(path).conn
    return upgraded
