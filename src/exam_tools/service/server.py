"""The exam service: thin tornado handlers over :mod:`.store`, run by JupyterHub as a managed service.

Every request carries a JupyterHub token (the member's server has it as ``JUPYTERHUB_API_TOKEN``);
:class:`jupyterhub.services.auth.HubAuth` asks the hub whose it is (cached for a few minutes) and
whether it may use this service (scope ``access:services!service=<name>``). The member named in a
request must be the token's user. Every refusal is answered with a Chinese message for the quiz;
a hub user's refusals are counted in the database (one row per user, code and minute), while a
request with no valid token writes nothing (the process log says so, a few lines a minute at most).
Each hub user has a token bucket (:class:`~exam_tools.service.limits.RateLimiter`): beyond it the
answer is 429 with :data:`~exam_tools.service.limits.TOO_MANY`. Every value the process log prints
is escaped (:func:`~exam_tools.service.limits.shown`). Run: ``python -m exam_tools.service.server
--db FILE [--rate R --burst B]`` (JupyterHub sets ``JUPYTERHUB_SERVICE_URL``,
``JUPYTERHUB_SERVICE_PREFIX`` and the service's own API token).
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tornado import ioloop, web

from exam_tools.service import rules as R
from exam_tools.service.base import BaseHandler, log
from exam_tools.service.limits import LogThrottle, RateLimiter, shown
from exam_tools.service.store import ServiceStore
from exam_tools.timezone import year_start


class StateHandler(BaseHandler):
    async def get(self, exam: str) -> None:
        # the questions only after the member's 开始考试 (or for practice): see ServiceStore.state
        await self.run(exam, lambda member, _d: self.store.state(exam, member))


class ExamListHandler(BaseHandler):
    async def get(self) -> None:
        """The exams for the member's 待考: titles and times, never a question."""
        await self.run("", lambda member, _d: {"exams": self.store.exam_list(member)})


class StartHandler(BaseHandler):
    async def post(self, exam: str) -> None:
        def act(member: str, d: dict[str, Any]) -> dict[str, Any]:
            self.store.start(exam, member, str(d.get("paper")))
            return self.store.state(exam, member)

        await self.run(exam, act)


class AnswerHandler(BaseHandler):
    async def post(self, exam: str) -> None:
        def act(member: str, d: dict[str, Any]) -> dict[str, Any]:
            at = self.store.save(exam, member, str(d.get("paper")), _int(d.get("attempt")),
                                 d.get("n"), d.get("value"))  # fmt: skip
            return {"received_at": at}

        await self.run(exam, act)


class SubmitHandler(BaseHandler):
    async def post(self, exam: str) -> None:
        def act(member: str, d: dict[str, Any]) -> dict[str, Any]:
            self.store.submit(exam, member, str(d.get("paper")), _int(d.get("attempt")))
            return self.store.state(exam, member)

        await self.run(exam, act)


class CheckHandler(BaseHandler):
    async def post(self, exam: str) -> None:
        def act(member: str, d: dict[str, Any]) -> dict[str, Any]:
            return self.store.check(exam, member, str(d.get("paper")),
                                    _int(d.get("attempt")), d.get("n"))  # fmt: skip

        await self.run(exam, act)


class PracticeListHandler(BaseHandler):
    async def get(self) -> None:
        await self.run("", lambda _member, _d: {"practice": self.store.practice_list()})


class MistakesHandler(BaseHandler):
    post_cost = 10.0  # a new 错题本 paper is drawn on the spot: two at once, then one every 2 s

    async def get(self) -> None:
        """How many questions the member's 错题本 holds, and this year's practice so far."""

        def act(member: str, _: dict[str, Any]) -> dict[str, Any]:
            year = year_start()  # 1 January in the hub's zone (issue 17 item 7)
            return {"count": len(self.store.mistakes(member)),
                    "practice": self.store.practice_tally(member, year)}  # fmt: skip

        await self.run("", act)

    async def post(self) -> None:
        """A new 错题本 paper for the member: its exam name (None when the book is empty)."""
        await self.run("", lambda member, _d: {"exam": self.store.new_review(member)})


class PointsHandler(BaseHandler):
    async def get(self) -> None:
        """The member's 学习积分 (today, this year, streak, by kind) and today's 每日一练."""
        from exam_tools.service.daily import points_for

        await self.run("", lambda member, _d: points_for(self.store, member))


class DailyHandler(BaseHandler):
    post_cost = 5.0  # the first of the day draws a paper; later ones only name it

    async def post(self) -> None:
        """Today's 每日一练 for the member: its exam name (drawn the first time, kept all day)."""
        from exam_tools.service.daily import new_daily

        await self.run("", lambda member, _d: {"exam": new_daily(self.store, member)})


class RecordHandler(BaseHandler):
    async def get(self) -> None:
        def act(member: str, _: dict[str, Any]) -> dict[str, Any]:
            return {"member": member, "record": self.store.record(member)}

        await self.run("", act)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise R.Refused("bad-request", "请求格式不对。", 400)
    return value


def log_request(handler: web.RequestHandler) -> None:
    """Tornado's access log, escaped; refusals are logged (and throttled) by ``refuse``."""
    status = handler.get_status()
    if 400 <= status < 500:
        return
    r = handler.request
    line = "%d %s %s (%s) %.2fms"
    args = (status, shown(r.method), shown(r.uri, 300), shown(r.remote_ip), 1000 * r.request_time())
    access = logging.getLogger("tornado.access")
    if status < 400:
        access.info(line, *args)
    else:
        access.error(line, *args)


def make_app(
    store: ServiceStore,
    hub_auth: Any,
    prefix: str = "/",
    limiter: RateLimiter | None = None,
    *,
    oauth: Any = None,
    instructor_group: str | None = None,
) -> web.Application:
    """The service's application; ``oauth`` (a ``HubOAuth``, in the hub) adds the 知识竞赛's
    projector page, ``instructor_group`` names the Unix group of the contests' hosts."""
    import secrets

    from exam_tools.service import contest_web as C
    from exam_tools.service.contest import ContestStore

    args = {"store": store, "hub_auth": hub_auth, "limiter": limiter or RateLimiter()}
    exam = r"([A-Za-z0-9_.-]{1,64})"
    p = prefix.rstrip("/")
    routes: list[Any] = [
        (rf"{p}/api/exams", ExamListHandler, args),
        (rf"{p}/api/exams/{exam}", StateHandler, args),
        (rf"{p}/api/exams/{exam}/start", StartHandler, args),
        (rf"{p}/api/exams/{exam}/answers", AnswerHandler, args),
        (rf"{p}/api/exams/{exam}/submit", SubmitHandler, args),
        (rf"{p}/api/exams/{exam}/check", CheckHandler, args),
        (rf"{p}/api/record", RecordHandler, args),
        (rf"{p}/api/practice", PracticeListHandler, args),
        (rf"{p}/api/mistakes", MistakesHandler, args),
        (rf"{p}/api/points", PointsHandler, args),
        (rf"{p}/api/daily", DailyHandler, args),
    ]  # fmt: skip
    contests = ContestStore(store)
    notifier = C.Notifier(contests)
    cargs = {**args, "contests": contests, "notifier": notifier,
             "is_instructor": C.instructor_check(instructor_group)}  # fmt: skip
    routes += C.member_routes(p, cargs)
    if oauth is not None:
        routes += C.projector_routes(p, cargs, oauth)
    app = web.Application(routes, log_function=log_request, cookie_secret=secrets.token_bytes(32))
    app.settings["contest_watch"] = notifier.watch  # steps the CLI writes: see Notifier.watch
    return app


def main(argv: list[str] | None = None) -> None:
    from jupyterhub.services.auth import HubAuth, HubOAuth  # type: ignore[import-not-found]  # hub venv only

    parser = argparse.ArgumentParser(description="exam-tools exam service (run by JupyterHub)")
    parser.add_argument("--db", required=True)
    parser.add_argument("--rate", type=float, default=RateLimiter().rate,
                        help="requests a second each member may make, after the burst")  # fmt: skip
    parser.add_argument("--burst", type=int, default=RateLimiter().burst,
                        help="requests each member may make at once")  # fmt: skip
    parser.add_argument("--instructor-group", default=None,
                        help="the Unix group whose members may host a 知识竞赛")  # fmt: skip
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for handler in logging.getLogger().handlers:  # HubAuth logs every unknown token: throttle all
        handler.addFilter(LogThrottle())
    store = ServiceStore(args.db)
    Path(args.db).chmod(0o600)  # answers and keys: the service's account only
    auth = HubAuth(cache_max_age=300)
    oauth = HubOAuth.instance(cache_max_age=300)  # the projector page: the instructor's login
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:18150"))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    app = make_app(store, auth, prefix, RateLimiter(args.rate, args.burst), oauth=oauth,
                   instructor_group=args.instructor_group)  # fmt: skip
    # a body far over the largest request is cut off by tornado before it is read (default 100 MB)
    app.listen(url.port or 80, url.hostname or "127.0.0.1", xheaders=True,
               max_body_size=4 * R.MAX_BODY_BYTES)  # fmt: skip
    ioloop.PeriodicCallback(store.flush_refusals, 1000).start()  # refusals counted in memory
    ioloop.PeriodicCallback(app.settings["contest_watch"], 250).start()  # the CLI's contest steps
    log.info("exam service on %s%s, database %s, each member %g requests/s after %d at once",
             url.netloc, prefix, shown(args.db), args.rate, args.burst)  # fmt: skip
    ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
