"""The member's side of the nbgrader exchange, behind the 我的学习 page: no Assignments tab.

Listing, fetching, submitting and fetching feedback all go through nbgrader's own Python exchange
API (``ExchangeFactory``: ``List``, ``FetchAssignment``, ``Submit``, ``FetchFeedback``) with the
member's nbgrader configuration, loaded the way nbgrader's assignment-list extension loads it (the
Jupyter config path plus ``nbgrader_config.py`` in the member's folder). So the courses a member sees
are those nbgrader's authenticator gives them, and what an instructor collects is an ordinary
nbgrader submission. Errors come back as :class:`ExchangeUnavailable` with a Chinese message.

nbgrader is imported only when something is released: importing its exchange costs a member's
kernel about 75 MiB and 2.7 CPU-seconds (it pulls in sqlalchemy, nbconvert, jupyter_server,
jsonschema; issue 18), while on the hub the exams are the exam service's and the exchange is
usually empty. :meth:`MemberExchange.exams` first looks, without nbgrader, whether any course
folder of the exchange root holds an ``outbound/`` assignment; when none does, nbgrader's own
listing would be empty too.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exam_tools.errors import ExchangeUnavailable

SPEC = "exam.json"
#: nbgrader's ``Exchange.root`` when no config sets it
NBGRADER_DEFAULT_ROOT = "/usr/local/share/nbgrader/exchange"
# nbgrader's own log lines are English and would land on the member's page as cell output.
_LOG = logging.getLogger("exam_tools.exchange")
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False  # the keyless exam spec that `exam-tools assign` releases


@dataclass(frozen=True)
class ExamEntry:
    """One released exam as the member sees it."""

    course_id: str
    assignment_id: str
    fetched: bool
    path: Path  # the member's own copy (exists once fetched)
    source: Path  # where its files are now: the exchange's release, or the member's copy
    submissions: tuple[str, ...] = ()  # timestamps of hand-ins, oldest first
    feedback_ready: bool = False  # released feedback waits in the exchange
    feedback: tuple[Path, ...] = ()  # feedback pages already fetched, newest last

    @property
    def key(self) -> str:
        return f"{self.course_id}/{self.assignment_id}"

    @property
    def spec(self) -> Path:
        return self.path / SPEC

    @property
    def submitted(self) -> bool:
        return bool(self.submissions)


@contextlib.contextmanager
def _chdir(folder: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


class MemberExchange:
    """nbgrader's exchange for one member, whose fetched exams live under ``root``."""

    def __init__(self, root: str | Path, member: str, config: Any = None) -> None:
        self.root = Path(root).resolve()
        self.member = member
        self._config = config

    def _load_config(self) -> Any:
        from jupyter_core.paths import jupyter_config_path
        from nbgrader.apps import NbGrader

        if self._config is not None:
            return self._config.copy()
        app = NbGrader(log=_LOG)  # its warnings are English: keep them off the page
        app.config_file_paths.append([str(self.root), *jupyter_config_path()])
        with _chdir(self.root):
            app.load_config_file()
        return app.config

    def _run(self, action: str, course_id: str | None = None, assignment_id: str | None = None,
             **options: Any) -> Any:  # fmt: skip
        from nbgrader.auth import Authenticator
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange import ExchangeFactory

        config = self._load_config()
        config.CourseDirectory.student_id = self.member
        if course_id:
            config.CourseDirectory.course_id = course_id
        if assignment_id:
            config.CourseDirectory.assignment_id = assignment_id
        for name, value in options.items():
            setattr(config.ExchangeList, name, value)
        with _chdir(self.root):
            coursedir = CourseDirectory(config=config)
            authenticator = Authenticator(config=config)
            factory = ExchangeFactory(config=config)
            cls = getattr(factory, action)
            try:
                with warnings.catch_warnings():
                    # nbgrader's list reads feedback checksums with open(...).read(), unclosed
                    warnings.simplefilter("ignore", ResourceWarning)
                    return cls(
                        coursedir=coursedir, authenticator=authenticator, config=config, log=_LOG
                    ).start()
            except Exception as exc:  # nbgrader raises ExchangeError and plain OSErrors alike
                _LOG.warning("nbgrader %s failed: %s: %s", action, type(exc).__name__, exc)
                error = ExchangeUnavailable(
                    f"考试系统暂时无法{_VERBS[action]}，请稍后再试，或联系组织委员。"
                )
                error.detail = f"{type(exc).__name__}: {exc}"  # for the log, never shown
                raise error from exc

    def _exchange_root(self) -> Path | None:
        """``Exchange.root`` read from the member's JSON nbgrader configs without nbgrader, in
        nbgrader's order (the member's folder first, then the Jupyter config path); None when
        a Python config (``nbgrader_config.py``) could set it, or it cannot be read."""
        if self._config is not None:
            root = self._config.get("Exchange", {}).get("root")
            return Path(root) if isinstance(root, str) else None
        from jupyter_core.paths import jupyter_config_path

        for folder in (self.root, *map(Path, jupyter_config_path())):
            if (folder / "nbgrader_config.py").exists():
                return None
            try:
                data = json.loads((folder / "nbgrader_config.json").read_text("utf-8"))
            except FileNotFoundError:
                continue
            except (OSError, ValueError):
                return None
            root = data.get("Exchange", {}).get("root") if isinstance(data, dict) else None
            if isinstance(root, str):
                return Path(root)
        return Path(NBGRADER_DEFAULT_ROOT)

    def nothing_released(self) -> bool:
        """True when no course of the exchange has an assignment in ``outbound/`` (nbgrader's
        layout ``<root>/<course>/outbound/<assignment>``), found without importing nbgrader.
        False when that cannot be told (then nbgrader lists, and reports its own errors)."""
        root = self._exchange_root()
        # nbgrader refuses a root the member cannot write to: let it say so
        if root is None or not root.is_dir() or not os.access(root, os.W_OK | os.X_OK):
            return False
        try:
            return not any(
                any(outbound.iterdir())
                for course in root.iterdir()
                if (outbound := course / "outbound").is_dir()
            )
        except OSError:
            return False

    def exams(self) -> list[ExamEntry]:
        """Released exams of the member's courses, with what the member has done with each."""
        if self.nothing_released():
            return []  # nbgrader's list would be empty: not worth its import (see the docstring)
        released = self._run("List")
        handed_in = self._run("List", cached=True)
        by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for group in handed_in:  # nbgrader groups hand-ins by course and assignment
            for info in group.get("submissions", [group]):
                by_key.setdefault((info["course_id"], info["assignment_id"]), []).append(info)
        entries = []
        for info in released:
            course, name = info["course_id"], info["assignment_id"]
            subs = sorted(by_key.get((course, name), []), key=lambda s: s["timestamp"])
            feedback = tuple(
                Path(nb["local_feedback_path"])
                for s in subs
                for nb in s.get("notebooks", [])
                if nb.get("local_feedback_path")
            )
            ready = any(
                s.get("has_exchange_feedback") and (not s.get("has_local_feedback")
                                                    or s.get("feedback_updated"))
                for s in subs
            )  # fmt: skip
            entries.append(
                ExamEntry(
                    course_id=course,
                    assignment_id=name,
                    fetched=info["status"] == "fetched",
                    path=self._local(course, name, info),
                    source=Path(info["path"]),
                    submissions=tuple(s["timestamp"] for s in subs),
                    feedback_ready=ready,
                    feedback=feedback,
                )
            )
        return sorted(entries, key=lambda e: (e.course_id, e.assignment_id))

    def _local(self, course: str, name: str, info: dict[str, Any]) -> Path:
        if info["status"] == "fetched":
            return Path(info["path"])
        config = self._load_config()
        includes = config.Exchange.get("path_includes_course", False)
        return self.root / course / name if includes else self.root / name

    def fetch(self, entry: ExamEntry) -> None:
        self._run("FetchAssignment", entry.course_id, entry.assignment_id)

    def submit(self, entry: ExamEntry) -> None:
        self._run("Submit", entry.course_id, entry.assignment_id)

    def fetch_feedback(self, entry: ExamEntry) -> list[Path]:
        """Copy released feedback into the member's folder; the feedback pages, newest last."""
        self._run("FetchFeedback", entry.course_id, entry.assignment_id)
        return sorted(entry.path.glob("feedback/*/*.html"))


_VERBS = {
    "List": "列出考试",
    "FetchAssignment": "领取试卷",
    "Submit": "提交试卷",
    "FetchFeedback": "取回成绩反馈",
}
