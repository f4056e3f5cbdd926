"""知识竞赛 over HTTP: members' phones, the host's token API and the projector page.

Real time is long polling, which passes the hub's proxy like any request: a phone asks for the
contest's state "newer than version n" and the service answers when the host moves on (or after
:data:`LONG_POLL` seconds with the same state, and the phone asks again); the projector waits the
same way for the host's steps and for each answer (the answered count). A host's step made by the
CLI (another process, same database) is seen by :meth:`Notifier.watch` within a quarter second.

Members (hub token, as every call of the service): ``GET api/contests``, ``GET
api/contests/<c>?after=n``, ``POST api/contests/<c>/answers``. Hosts, a hub admin or a member of
the instructors' Unix group (``--instructor-group``, the group the hub's login lets in as
instructors; only root changes it): ``GET api/contests/<c>/host``, ``POST api/contests/<c>/next``
with a token, or the projector page ``contest/<c>`` through JupyterHub's OAuth (the instructor's
hub login; its POST needs the page's XSRF token).
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import pwd
from collections.abc import Callable
from typing import Any

from tornado import web

from exam_tools.service import rules as R
from exam_tools.service.base import BaseHandler
from exam_tools.service.contest import FINISHED, ContestStore

LONG_POLL = 20.0  # seconds a request waits for news before answering with the same state
WATCH_MS = 250  # how often the database is read for steps made by another process (the CLI)
NOT_HOST = R.Refused("not-host", "只有老师或管理员可以主持竞赛。")
CONTEST = r"([A-Za-z0-9_.-]{1,64})"


class Notifier:
    """Wakes the requests waiting on a contest: ``host`` events (a step) and ``any`` (a step or
    an answer)."""

    def __init__(self, contests: ContestStore) -> None:
        self.contests = contests
        self.events: dict[tuple[str, str], asyncio.Event] = {}
        self.seen: dict[str, int] = {}

    def changed(self, contest: str, host: bool) -> None:
        for kind in ("host", "any") if host else ("any",):
            event = self.events.pop((contest, kind), None)
            if event is not None:
                event.set()

    async def wait(self, contest: str, kind: str, timeout: float) -> None:
        event = self.events.setdefault((contest, kind), asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(0.0, timeout))

    def watch(self) -> None:
        """Steps written by another process: wake their contest's waiters."""
        now = self.contests.clock()
        rows = self.contests.db.execute(
            "select id, version from contests where phase != ? or finished_at > ?",
            (FINISHED, now - 60),
        )
        for cid, version in rows.fetchall():
            if self.seen.get(cid, version) != version:
                self.changed(cid, host=True)
            self.seen[cid] = version


def instructor_check(group: str | None) -> Callable[[str], bool]:
    """Whether a login is in the instructors' Unix group (read from the system each time)."""

    def check(name: str) -> bool:
        if not group:
            return False
        try:
            g = grp.getgrnam(group)
        except KeyError:
            return False
        if name in g.gr_mem:
            return True
        try:
            return pwd.getpwnam(name).pw_gid == g.gr_gid
        except KeyError:
            return False

    return check


class ContestHandler(BaseHandler):
    contests: ContestStore
    notifier: Notifier
    is_instructor: Callable[[str], bool]

    def initialize(  # type: ignore[override]  # the contest's objects beside the service's
        self, contests: ContestStore, notifier: Notifier, is_instructor: Callable[[str], bool],
        **kw: Any,
    ) -> None:  # fmt: skip
        super().initialize(**kw)
        self.contests = contests
        self.notifier = notifier
        self.is_instructor = is_instructor

    def check_host(self) -> None:
        assert self.user is not None
        if not (self.model.get("admin") or self.is_instructor(self.user)):
            raise NOT_HOST

    def after(self, name: str) -> int:
        try:
            return int(self.get_argument(name, "-1"))
        except ValueError:
            raise R.Refused("bad-request", R.BAD_REQUEST, 400) from None


class ContestListHandler(ContestHandler):
    async def get(self) -> None:
        await self.run("", lambda m, _d: {"contests": self.contests.running_for(m)})


class ContestStateHandler(ContestHandler):
    async def get(self, contest: str) -> None:
        """The member's view, once it is newer than ``after`` (long polling)."""
        try:
            member = self.member()
            after = self.after("after")
            loop = asyncio.get_running_loop()
            until = loop.time() + LONG_POLL
            while True:
                state = self.contests.member_state(contest, member)
                if state["version"] > after or loop.time() >= until:
                    break
                await self.notifier.wait(contest, "host", until - loop.time())
            self.reply(state)
        except R.Refused as exc:
            self.refuse(exc, contest)


class ContestAnswerHandler(ContestHandler):
    async def post(self, contest: str) -> None:
        def act(member: str, d: dict[str, Any]) -> dict[str, Any]:
            out = self.contests.answer(contest, member, d.get("k"), d.get("value"))
            self.notifier.changed(contest, host=False)
            return out

        await self.run(contest, act)


async def host_state(
    contests: ContestStore, notifier: Notifier, contest: str, after: int, answered: int
) -> dict[str, Any]:
    """The projector's view once it differs from (version ``after``, ``answered`` answers)."""
    loop = asyncio.get_running_loop()
    until = loop.time() + LONG_POLL
    while True:
        state = contests.host_state(contest)
        news = state["version"] != after or state["answered"] != answered
        if news or loop.time() >= until:
            return state
        await notifier.wait(contest, "any", until - loop.time())


def host_next(contests: ContestStore, notifier: Notifier, contest: str, version: Any) -> Any:
    """The host's step; ``version`` (the state the host saw) keeps a double press from
    skipping a question."""
    if version is not None and version != contests.row(contest)["version"]:
        raise R.Refused("stale", "竞赛已经进到下一步了。", 409)
    state = contests.next(contest)
    notifier.changed(contest, host=True)
    return contests.host_state(state["id"])


class ContestHostHandler(ContestHandler):
    async def get(self, contest: str) -> None:
        try:
            self.check_host()
            state = await host_state(self.contests, self.notifier, contest,
                                     self.after("after"), self.after("answered"))  # fmt: skip
            self.reply(state)
        except R.Refused as exc:
            self.refuse(exc, contest)


class ContestNextHandler(ContestHandler):
    async def post(self, contest: str) -> None:
        try:
            self.check_host()
            data = self.body()
            self.reply(host_next(self.contests, self.notifier, contest, data.get("version")))
        except R.Refused as exc:
            self.refuse(exc, contest)


def member_routes(p: str, args: dict[str, Any]) -> list[Any]:
    return [
        (rf"{p}/api/contests", ContestListHandler, args),
        (rf"{p}/api/contests/{CONTEST}", ContestStateHandler, args),
        (rf"{p}/api/contests/{CONTEST}/answers", ContestAnswerHandler, args),
        (rf"{p}/api/contests/{CONTEST}/host", ContestHostHandler, args),
        (rf"{p}/api/contests/{CONTEST}/next", ContestNextHandler, args),
    ]


def projector_routes(p: str, args: dict[str, Any], oauth: Any) -> list[Any]:
    """The projector page and its JSON, for an instructor logged in to the hub (OAuth)."""
    from jupyterhub.services.auth import (  # type: ignore[import-not-found]  # hub venv only
        HubOAuthCallbackHandler,
        HubOAuthenticated,
    )

    from exam_tools.service.contest_page import projector_page

    contests: ContestStore = args["contests"]
    notifier: Notifier = args["notifier"]
    is_instructor: Callable[[str], bool] = args["is_instructor"]

    class Page(HubOAuthenticated, web.RequestHandler):  # type: ignore[misc]  # hub's mixin: Any
        def initialize(self) -> None:
            self.hub_auth = oauth

        async def prepare(self) -> None:
            model = await self.hub_auth.get_user(self, sync=False)
            if not model:
                if self.request.method == "GET" and not self.request.path.endswith("/state"):
                    self.redirect(self.get_login_url())
                else:
                    self.send_error(403)
                return
            name = str(model["name"])
            if model.get("kind", "user") != "user" or not (
                model.get("admin") or is_instructor(name)
            ):
                self.set_status(403)
                self.finish(f"<!doctype html><meta charset=utf-8><p style='font-size:28px'>"
                            f"{NOT_HOST}</p>")  # fmt: skip
                return
            self._hub_auth_user_cache = model
            self.set_header("Cache-Control", "no-store")

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            exc = kwargs.get("exc_info", (None, None))[1]
            message = str(exc) if isinstance(exc, R.Refused) else "出了点问题，请刷新页面。"
            self.finish({"error": getattr(exc, "code", "error"), "message": message})

    class ProjectorHandler(Page):
        def get(self, contest: str) -> None:
            try:
                contests.row(contest)
            except R.Refused as exc:
                self.set_status(exc.status)
                self.finish(projector_page(contest, "", str(exc)))
                return
            self.finish(projector_page(contest, self.xsrf_token.decode()))

    class StateHandler(Page):
        async def get(self, contest: str) -> None:
            try:
                after = int(self.get_argument("after", "-1"))
                answered = int(self.get_argument("answered", "-1"))
                self.finish(await host_state(contests, notifier, contest, after, answered))
            except ValueError:
                self.set_status(400)
                self.finish({"error": "bad-request", "message": R.BAD_REQUEST})
            except R.Refused as exc:
                self.set_status(exc.status)
                self.finish({"error": exc.code, "message": str(exc)})

    class NextHandler(Page):
        def post(self, contest: str) -> None:
            try:
                version = self.get_argument("version", None)
                v = None if version is None else int(version)
                self.finish(host_next(contests, notifier, contest, v))
            except ValueError:
                self.set_status(400)
                self.finish({"error": "bad-request", "message": R.BAD_REQUEST})
            except R.Refused as exc:
                self.set_status(exc.status)
                self.finish({"error": exc.code, "message": str(exc)})

    return [
        (rf"{p}/oauth_callback", HubOAuthCallbackHandler, {}),
        (rf"{p}/contest/{CONTEST}", ProjectorHandler),
        (rf"{p}/contest/{CONTEST}/state", StateHandler),
        (rf"{p}/contest/{CONTEST}/next", NextHandler),
    ]
