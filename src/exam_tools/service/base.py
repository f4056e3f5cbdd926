"""The exam service's request handler base: the member's hub token, the rate limit, refusals
(see :mod:`exam_tools.service.server`, whose handlers and the 知识竞赛's build on it)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from tornado import web

from exam_tools.service import rules as R
from exam_tools.service.limits import MAX_HELD, TOO_MANY, RateLimiter, shown
from exam_tools.service.store import ServiceStore

log = logging.getLogger("exam_tools.service")
NO_LOGIN = R.Refused("no-login", "登录已过期，请重新登录后再打开考试。", 403)


class BaseHandler(web.RequestHandler):
    store: ServiceStore
    hub_auth: Any
    limiter: RateLimiter
    user: str | None = None
    model: dict[str, Any]  # the hub's model of the token's user (set by prepare)
    post_cost = 1.0  # tokens a POST takes from the member's bucket (see RateLimiter.allow)

    def initialize(self, store: ServiceStore, hub_auth: Any, limiter: RateLimiter) -> None:
        self.store = store
        self.hub_auth = hub_auth
        self.limiter = limiter

    def check_xsrf_cookie(self) -> None:
        """Token-authenticated API calls only (no cookies are read), so no XSRF to check."""

    async def prepare(self) -> None:
        token = self.hub_auth.get_token(self, in_cookie=False)
        model = await self.hub_auth.user_for_token(token, sync=False) if token else None
        if not model or model.get("kind", "user") != "user":
            await self.pause()
            self.refuse(NO_LOGIN)  # no user to count it against: the database is not touched
            return
        self.user = str(model["name"])
        self.model = model
        cost = self.post_cost if self.request.method == "POST" else 1.0
        if not self.limiter.allow(self.user, cost):
            self.set_header("Retry-After", str(self.limiter.retry_after(self.user, cost)))
            await self.pause()
            self.refuse(R.Refused("too-many", TOO_MANY, 429))
            return
        if not self.hub_auth.check_scopes(self.hub_auth.access_scopes, model):
            self.refuse(R.Refused("no-access", "您的账号不能使用考试服务，请联系老师。", 403))
            return

    async def pause(self) -> None:
        """Hold a refused flood's answer for ``limiter.pause`` seconds (a sleeping request costs
        no CPU), unless ``MAX_HELD`` are held already."""
        limiter = self.limiter
        if limiter.pause <= 0 or limiter.held >= MAX_HELD:
            return
        limiter.held += 1
        try:
            await asyncio.sleep(limiter.pause)
        finally:
            limiter.held -= 1

    def body(self) -> dict[str, Any]:
        if len(self.request.body) > R.MAX_BODY_BYTES:
            raise R.Refused("too-large", "提交的内容太大了。", 413)
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise R.Refused("bad-request", "请求格式不对。", 400) from None
        if not isinstance(data, dict):
            raise R.Refused("bad-request", "请求格式不对。", 400)
        return data

    def member(self, data: dict[str, Any] | None = None) -> str:
        member = (data or {}).get("member") if data is not None else self.get_argument("member", "")
        assert self.user is not None
        R.check_member(self.user, member)
        return self.user

    def refuse(self, exc: R.Refused, exam: str | None = None, member: str | None = None) -> None:
        """Answer a refusal. A hub user's is counted in the database; the process log has the
        first of each user, code and minute; a request without a valid token is logged only
        (throttled: see :class:`LogThrottle`)."""
        detail = f"{self.request.method} {self.request.path} {exc}"
        if self.user is None:
            log.warning("refused %s without a valid token: %s", exc.code, shown(detail, 200))
        elif self.store.refuse(self.user, exam, member, exc.code, detail):
            log.warning("refused %s for %s: %s", exc.code, shown(self.user), shown(detail, 300))
        self.set_status(exc.status)
        self.finish({"error": exc.code, "message": str(exc)})

    def reply(self, data: dict[str, Any]) -> None:
        self.set_header("Cache-Control", "no-store")
        self.finish(data)

    async def run(self, exam: str, action: Any) -> None:
        member = None
        try:
            data = self.body() if self.request.method == "POST" else None
            member = self.member(data)
            self.reply(action(member, data or {}))
        except R.Refused as exc:
            self.refuse(exc, exam, member)
