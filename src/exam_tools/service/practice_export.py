"""Practice verdicts from the exam service's database into the organisers' records database.

The service records every 核对答案 (``practice`` table: epoch time, exam, hub login, attempt,
question, verdict); the records count it per roster member, with the exam's course and assessment
read from the exam's spec. The service's database is opened read-only (``mode=ro``), so the running
service is never blocked and never written; the records take all new rows in one transaction.

Re-running imports nothing twice: a verdict is known by the service's row id, login, exam and the
service's own timestamp (see migration ``_v4``). Rows of logins that map to no roster member are
left out and named; they stay in the service's database and come over once the roster has them.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exam_tools.errors import DatabaseFileError, InvalidInputError
from exam_tools.records.db import BUSY_SECONDS, database_error, transaction
from exam_tools.records.points import DAILY_COURSE, is_daily
from exam_tools.service.rules import is_review

REVIEW = ("mistakes", "review")  # a member's 错题本 paper (see exam_tools.service.review)

if TYPE_CHECKING:
    import sqlite_utils


@dataclass
class PullResult:
    imported: int  # new rows written
    members: int  # roster members those rows belong to
    already: int  # rows read that were imported before
    unmapped: Counter[str] = field(default_factory=Counter)  # login → rows left out

    @property
    def skipped(self) -> int:
        return sum(self.unmapped.values())

    def message(self, shown: int = 5) -> str:
        """The one-line Chinese report the CLI prints."""
        text = f"已导入 {self.imported} 条练习记录（{self.members} 名党员）"
        if self.already:
            text += f"，{self.already} 条以前已导入"
        if self.unmapped:
            names = sorted(self.unmapped)
            more = " …" if len(names) > shown else ""
            text += (
                f"；{self.skipped} 条来自名册中没有的账号（{'、'.join(names[:shown])}{more}），"
                "未导入，可补登名册或用 --login 账号=编号 对应后再运行本命令"
            )
        return text


def local_iso(ts: float) -> str:
    """The service's epoch time as local ISO date-time with milliseconds and offset."""
    from exam_tools.timezone import stamp

    return stamp(ts)  # with the configured zone's offset (issue 17 item 7)


def _open_service(path: Path) -> sqlite3.Connection:
    """The service's database, read-only: a missing file is an error, never a new empty one."""
    if not path.is_file():
        raise DatabaseFileError(
            f"找不到考试服务的数据库 {path}；请检查 --service-db（config.yaml 的 exam_service.db）",
            str(path),
        )
    uri = path.resolve().as_uri() + "?mode=ro"
    conn = None
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS)
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
            _give_back(path)
        raise database_error(exc, path) from exc
    if not {"exams", "practice"} <= tables:
        conn.close()
        _give_back(path)
        raise DatabaseFileError(
            f"{path} 不是考试服务的数据库（没有考试和练习记录表）；请检查 --service-db", str(path)
        )
    return conn


def _exam_ids(conn: sqlite3.Connection) -> dict[str, tuple[str | None, str | None]]:
    """exam name → (course id, assessment id), from each exam's spec."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for name, spec in conn.execute("select id, spec from exams"):
        try:
            d = json.loads(spec)
            course, assessment = d.get("course") or {}, d.get("assessment") or {}
            out[name] = (course.get("id"), assessment.get("id"))
        except (ValueError, AttributeError):
            out[name] = (None, None)  # a spec this version cannot read: counted, not placed
    return out


def _give_back(path: Path) -> None:
    """Reading a WAL database while the service is stopped leaves its ``-wal`` and ``-shm`` files
    behind; made by root, the service's account could not open them and would fail to start.
    They go to the owner of the folder, as :func:`exam_tools.cli.service._store` does."""
    folder = path.resolve().parent
    owner = folder.stat()
    if os.geteuid() != 0 or owner.st_uid == 0:
        return
    for f in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if f.exists() and f.stat().st_uid == 0:
            shutil.chown(f, owner.st_uid, owner.st_gid)


COLUMNS = ("member", "at", "exam", "course", "assessment", "qid", "correct", "login", "attempt",
           "n", "stamp", "source", "service_row")  # fmt: skip


def read_practice(service_db: Path) -> Generator[tuple[Any, ...], None, None]:
    """Every verdict in the service's database, oldest first, as rows of :data:`COLUMNS` without
    the member (the login is there). Streamed: a city's year of practice is millions of rows.
    The database is opened at once (a missing file is an error here, before any write)."""
    return _rows(_open_service(service_db), service_db)


def _rows(conn: sqlite3.Connection, service_db: Path) -> Generator[tuple[Any, ...], None, None]:
    source = str(service_db.resolve())
    try:
        exams = _exam_ids(conn)
        cursor = conn.execute(
            "select id, at, exam, member, attempt, n, qid, correct from practice order by id"
        )
        for rid, at, exam, login, attempt, n, qid, correct in cursor:
            course, assessment = exams.get(exam) or (
                DAILY_COURSE if is_daily(exam) else REVIEW if is_review(exam) else (None, None)
            )
            correct = None if correct is None else int(correct)
            yield (local_iso(at), exam, course, assessment, qid, correct, login, attempt, n, at,
                   source, rid)  # fmt: skip
    except sqlite3.Error as exc:
        raise database_error(exc, service_db) from exc
    finally:
        conn.close()
        _give_back(service_db)


def pull_practice(
    service_db: Path,
    db: sqlite_utils.Database,
    explicit: Mapping[str, str] | None = None,
    accounts: Mapping[str, str] | None = None,
) -> PullResult:
    """Carry the service's practice verdicts into ``db``; what was imported and left out.

    ``explicit``: login → roster id pairs (``--login``); every id must be on the roster. Other
    logins map as for 我的档案 (:func:`~exam_tools.service.export.record_logins`): ``accounts``
    (the hub's ``accounts.json``, as the CLI reads it), else a login that is itself a roster id.
    """
    explicit = dict(explicit or {})
    roster = {r[0] for r in db.execute("select id from members")}
    unknown = sorted(f"{login}={mid}" for login, mid in explicit.items() if mid not in roster)
    if unknown:
        raise InvalidInputError(
            f"--login 里的党员编号不在花名册中：{'、'.join(unknown)}；请先导入花名册或改正编号"
        )
    from exam_tools.service.export import record_logins

    mapping = record_logins(roster, explicit, accounts)
    unmapped: Counter[str] = Counter()
    read = 0

    source = read_practice(service_db)

    def mapped() -> Iterator[tuple[Any, ...]]:
        nonlocal read
        for row in source:
            member = mapping.get(row[6])
            if member is None:
                unmapped[row[6]] += 1
            else:
                read += 1
                yield (member, *row)

    conn = db.conn
    sql = (
        f"insert or ignore into practice ({', '.join(COLUMNS)}) "
        f"values ({', '.join('?' * len(COLUMNS))})"
    )
    try:
        with transaction(db):
            last = conn.execute("select coalesce(max(id), 0) from practice").fetchone()[0]
            before = conn.total_changes
            conn.executemany(sql, mapped())
            imported = conn.total_changes - before
            (members,) = conn.execute(
                "select count(distinct member) from practice where id > ?", (last,)
            ).fetchone()
    finally:
        source.close()  # the service's database is closed now, whatever happened
    return PullResult(imported, members, read - imported, unmapped)
