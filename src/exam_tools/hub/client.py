"""A small HTTP client for a running hub, as a browser would use it (tests, benchmark, smoke checks).

It logs in through the hub's form (with ``_xsrf``, hub-notes 4), waits for the server, follows
the member's default URL, and talks to the single-user server's APIs with the ``X-XSRFToken``
header taken from the ``_xsrf`` cookie scoped to ``/user/<name>/``. Code runs in a kernel over the
kernel websocket (Jupyter messaging protocol), as JupyterLab does.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any
from urllib.parse import quote, urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class HubClientError(RuntimeError):
    pass


class HubSession:
    def __init__(self, base_url: str, name: str) -> None:
        self.base = base_url.rstrip("/") + "/"
        self.name = name
        self.http = requests.Session()
        # as browsers do: a request that finds its kept-alive connection closed by the proxy
        # (configurable-http-proxy closes idle ones after 5 s) is sent again, for the
        # idempotent methods only (GET, and PUT of a whole file); nbgrader's POSTs are not
        retry = Retry(total=3, connect=3, read=1, status=0, backoff_factor=0.2,
                      allowed_methods=frozenset({"GET", "HEAD", "PUT", "DELETE"}),
                      raise_on_status=False)  # fmt: skip
        self.http.mount("http://", HTTPAdapter(max_retries=retry))
        self.http.mount("https://", HTTPAdapter(max_retries=retry))

    # -- hub ---------------------------------------------------------------------------------
    def _hub_xsrf(self) -> str:
        page = self.http.get(self.base + "hub/login", timeout=30)
        m = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        return m.group(1) if m else self.http.cookies.get("_xsrf", path="/hub/") or ""

    def login(self, password: str) -> requests.Response:
        """Log in; returns the final response after redirects (the default URL when the server
        starts in time). Raises :class:`HubClientError` when the hub refuses the password."""
        xsrf = self._hub_xsrf()
        r = self.http.post(
            self.base + "hub/login?next=",
            data={"username": self.name, "password": password, "_xsrf": xsrf},
            timeout=120,
            allow_redirects=False,
        )
        if r.status_code != 302:
            raise HubClientError(f"login of {self.name} refused: {r.status_code}")
        return self.follow(r.headers["Location"])

    def follow(self, location: str, timeout: float = 180) -> requests.Response:
        """Follow redirects, waiting on the hub's spawn-pending page until the server is up."""
        url = urljoin(self.base, location)
        deadline = time.monotonic() + timeout
        while True:
            r = self.get_page(url, deadline)
            if "/hub/spawn-pending/" in r.url and time.monotonic() < deadline:
                self.wait_ready(deadline - time.monotonic())
                url = self.user_url()
                continue
            return r

    def get_page(self, url: str, deadline: float) -> requests.Response:
        """GET with a deadline for the whole body, not only between bytes: a Voilà page is
        streamed while its notebook runs, and one whose kernel died may never end."""
        r = self.http.get(url, timeout=60, stream=True)
        body = bytearray()
        try:
            for chunk in r.iter_content(65536):
                body += chunk
                if time.monotonic() > deadline:
                    raise HubClientError(f"{url}: page not complete in time")
        finally:
            r.close()
        r._content = bytes(body)  # what requests keeps for .content/.text after reading
        return r

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.http.get(
                self.base + f"hub/api/users/{self.name}", headers=self._hub_headers(), timeout=30
            )
            if r.ok and r.json().get("servers", {}).get("", {}).get("ready"):
                return
            time.sleep(0.3)
        raise HubClientError(f"server of {self.name} not ready in time")

    def _hub_headers(self) -> dict[str, str]:
        return {"X-XSRFToken": self.http.cookies.get("_xsrf", path="/hub/") or ""}

    def user_url(self, path: str = "") -> str:
        return self.base + f"user/{self.name}/" + path

    # -- single-user server ------------------------------------------------------------------
    def _xsrf(self) -> str:
        token = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/")
        if token is None:
            self.http.get(self.user_url("api/status"), timeout=30)
            token = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/")
        return token or ""

    def api(self, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {"X-XSRFToken": self._xsrf(), **kw.pop("headers", {})}
        return self.http.request(
            method, self.user_url(path), headers=headers, timeout=kw.pop("timeout", 60), **kw
        )

    def read_file(self, path: str) -> requests.Response:
        return self.api("GET", "api/contents/" + quote(path.lstrip("/")) + "?content=1")

    def save_text(self, path: str, text: str) -> requests.Response:
        return self.api(
            "PUT",
            "api/contents/" + quote(path),
            data=json.dumps({"type": "file", "format": "text", "content": text}),
        )

    def nbgrader(self, action: str, course: str, assignment: str) -> None:
        """fetch / submit / fetch_feedback as 我的学习 does it: nbgrader's exchange, from a kernel
        of the member's own server (members' servers load no nbgrader server extension)."""
        method = {"fetch": "fetch", "submit": "submit", "fetch_feedback": "fetch_feedback"}[action]
        code = (
            "import os\n"
            "from exam_tools.quiz.exchange import MemberExchange\n"
            f"ex = MemberExchange(os.getcwd(), {self.name!r})\n"
            f"entry = next(e for e in ex.exams() if (e.course_id, e.assignment_id) == "
            f"({course!r}, {assignment!r}))\n"
            f"ex.{method}(entry)\n"
        )
        kernel = self.start_kernel()
        try:
            out = self.execute(kernel, code, timeout=120)
        finally:
            self.api("DELETE", f"api/kernels/{kernel}")
        if out["error"]:
            raise HubClientError(f"{action} {assignment} for {self.name}: {out}")

    def start_kernel(self) -> str:
        r = self.api("POST", "api/kernels", data=json.dumps({"name": "python3"}))
        r.raise_for_status()
        return str(r.json()["id"])

    def execute(self, kernel_id: str, code: str, timeout: float = 60) -> dict[str, Any]:
        """Run ``code`` in the kernel over its websocket; returns stdout, stderr, and the error's
        name (``error``, None when the code ran) and message (``evalue``) of the execution."""
        import websocket

        ws_url = self.user_url(f"api/kernels/{kernel_id}/channels").replace("http", "ws", 1)
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        ws = websocket.create_connection(
            ws_url, cookie=cookie, timeout=timeout,
            header=[f"X-XSRFToken: {self._xsrf()}"],
        )  # fmt: skip
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "username": self.name, "session": uuid.uuid4().hex,
                  "msg_type": "execute_request", "version": "5.3"}  # fmt: skip
        content = {"code": code, "silent": False, "store_history": False,
                   "user_expressions": {}, "allow_stdin": False}  # fmt: skip
        message = {"header": header, "parent_header": {}, "metadata": {}, "channel": "shell",
                   "buffers": [], "content": content}  # fmt: skip
        ws.send(json.dumps(message))
        out: dict[str, Any] = {"stdout": "", "stderr": "", "error": None, "evalue": ""}
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                # control frames too, so the server's pings (every 30 s) cannot keep this waiting
                # past the deadline on a kernel that will never answer
                opcode, frame = ws.recv_data_frame(control_frame=True)
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    raise HubClientError("the kernel's connection closed")
                if opcode != websocket.ABNF.OPCODE_TEXT:
                    continue
                msg = json.loads(frame.data)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream":
                    out[content["name"]] += content["text"]
                elif kind == "error":  # the exception's name, and its message for the reader
                    out["error"] = content["ename"]
                    out["evalue"] = content.get("evalue", "")
                elif kind == "status" and content["execution_state"] == "idle":
                    return out
        finally:
            ws.close()
        raise HubClientError("kernel did not answer in time")

    def stop_server(self) -> None:
        self.http.delete(
            self.base + f"hub/api/users/{self.name}/server", headers=self._hub_headers(), timeout=60
        )
