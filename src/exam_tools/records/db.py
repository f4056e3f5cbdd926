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

from exam_tools.errors import DatabaseFileError

DEFAULT_DB = "exam_tools.db"
BUSY_SECONDS = 5.0  # how long to wait for another program's write before giving up


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


def _v4(db: sqlite_utils.Database) -> None:
    # practice verdicts carried over from the exam service (exam-tools exam pull-practice)
    table(db, "practice").create(
        {
            "id": int,
            "member": str,  # roster id
            "at": str,  # ISO local date-time of the verdict, e.g. 2026-12-01T09:30:05.123+08:00
            "exam": str,  # the service's exam name
            "course": str,  # course id (from the exam's spec)
            "assessment": str,  # assessment id
            "qid": str,
            "correct": int,  # 1/0; NULL for a question marked by hand (no automatic verdict)
            "login": str,  # the hub login the service recorded it under
            "attempt": int,
            "n": int,
            "stamp": float,  # the service's own clock value (epoch seconds), exactly as stored
            "source": str,  # the service database it was read from (for tracing only)
            "service_row": int,  # the row id in the service's practice table
        },
        pk="id",
        foreign_keys=[("member", "members", "id")],
    )
    # what makes a re-import idempotent: a verdict is the service's row, read again from the same
    # database or a copy of it (moved, restored from backup): the row id, login, exam and the
    # service's timestamp together, not the file's path
    table(db, "practice").create_index(
        ["service_row", "login", "exam", "stamp"], unique=True, index_name="practice_verdict"
    )
    table(db, "practice").create_index(["member"])
    table(db, "practice").create_index(["at"])


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3, _v4]


def db_path(path: str | Path | None = None) -> Path:
    """``path``, else ``$EXAM_TOOLS_DB``, else ``exam_tools.db`` in the working directory."""
    return Path(path or os.environ.get("EXAM_TOOLS_DB") or DEFAULT_DB)


def database_error(exc: sqlite3.Error, path: str | Path) -> DatabaseFileError:
    """SQLite's English error as a Chinese message that names the file and what to do."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return DatabaseFileError(
            f"数据库 {path} 正被另一个 exam-tools 命令或其他程序写入，等了 {BUSY_SECONDS:g} 秒"
            "仍未完成；请等它结束后再试",
            str(path),
        )
    if "not a database" in text or "malformed" in text:
        return DatabaseFileError(
            f"{path} 不是 exam-tools 的数据库（不是 SQLite 数据库文件，或已损坏）；"
            "请检查 --db 或环境变量 EXAM_TOOLS_DB 指的文件",
            str(path),
        )
    if "readonly" in text:
        return DatabaseFileError(f"数据库 {path} 是只读的，没有写入权限", str(path))
    if "unable to open" in text:
        return DatabaseFileError(
            f"打不开数据库 {path}（所在文件夹不存在，或没有读写权限）", str(path)
        )
    return DatabaseFileError(f"数据库 {path} 出错：{text}", str(path))


def open_db(path: str | Path | None = None, *, create: bool = True) -> sqlite_utils.Database:
    """Open (creating or upgrading) the database; ``":memory:"`` for a throwaway one.

    ``create=False`` is for commands that only read: a path that does not exist is an error
    rather than a new, empty database. A write by another program is waited for
    ``BUSY_SECONDS``; SQLite's errors become :class:`DatabaseFileError` naming the file.
    """
    import sqlite_utils

    if str(path) == ":memory:":
        return _prepare(sqlite_utils.Database(sqlite3.connect(":memory:", factory=Connection)))
    target = db_path(path)
    if not create and not target.exists():
        raise DatabaseFileError(
            f"找不到数据库 {target}；请检查 --db 或环境变量 EXAM_TOOLS_DB 是否写对"
            "（数据库由 exam-tools roster import 导入花名册或 exam-tools grade 评分时建立）",
            str(target),
        )
    conn = None
    try:
        conn = sqlite3.connect(target, timeout=BUSY_SECONDS, factory=Connection)
        return _prepare(sqlite_utils.Database(conn))
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise database_error(exc, target) from exc


def _prepare(db: sqlite_utils.Database) -> sqlite_utils.Database:
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
    target = db_path(path)
    conn = None
    try:
        conn = sqlite3.connect(target, timeout=BUSY_SECONDS, factory=Connection)
        conn.execute("PRAGMA foreign_keys = ON")
        if conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
            return conn
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise database_error(exc, target) from exc
    conn.close()
    upgraded: sqlite3.Connection = open_db(path).conn
    return upgraded
