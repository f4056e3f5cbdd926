"""JupyterHub settings made from the merged config (loaded by ``DIR/jupyterhub_config.py``).

As in The Littlest JupyterHub, each ``update_*`` function sets a group of traits on ``c`` from the
config and never appends, so applying them twice gives the same result. The two hooks and the
default URL decide per login and per spawn from the Unix groups of the account (hub-notes 9):

- members (``users.member_group``) land on the Voilà page of the landing notebook (straight from
  the login when their server runs), with the member Jupyter config (Voilà's extension deny list,
  kernel culling, no formgrader);
- instructors (``users.instructor_group``) get JupyterLab in Chinese, the formgrader CSP fix
  (hub-notes 5) and access to their courses' formgrader services.
"""

from __future__ import annotations

import functools
import grp
import pwd
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from exam_tools.hub import examservice, pages, prestart, session
from exam_tools.hub.config import grader_name, role_dir, state_dir
from exam_tools.hub.limits import parse_size
from exam_tools.hub.logins import read_map  # at the config's load, not in the first spawn (below)
from exam_tools.hub.pam import SERVICE as PAM_SERVICE

#: A frame-ancestors policy that lets JupyterLab show formgrader in a frame (nbgrader #1870).
CSP = "frame-ancestors 'self'; report-uri /hub/security/csp-report"


def landing_url(cfg: Mapping[str, Any]) -> str:
    """The member's default URL, percent-encoded (hub-notes 3: raw UTF-8 in Location breaks)."""
    return "/voila/render/" + quote(cfg["member"]["landing"])


def user_roles(groups: list[str], cfg: Mapping[str, Any]) -> set[str]:
    users = cfg["users"]
    roles = set()
    if users["member_group"] in groups:
        roles.add("member")
    if users["instructor_group"] in groups:
        roles.add("instructor")
    return roles


def hub_groups(name: str, unix_groups: list[str], cfg: Mapping[str, Any]) -> list[str]:
    """The JupyterHub groups of an account, the names nbgrader's JupyterHubAuthPlugin reads:
    ``nbgrader-<course>`` for members, ``formgrade-<course>`` (and ``nbgrader-<course>``) for the
    course's instructors, ``instructors`` for every instructor."""
    roles = user_roles(unix_groups, cfg)
    out = set()
    for course in cfg["courses"]:
        if "member" in roles:
            out.add(f"nbgrader-{course['id']}")
        if "instructor" in roles and name in (course.get("instructors") or []):
            out |= {f"formgrade-{course['id']}", f"nbgrader-{course['id']}"}
    if "instructor" in roles:
        out.add("instructors")
    return sorted(out)


def unix_groups_of(name: str) -> list[str]:
    try:
        gid = pwd.getpwnam(name).pw_gid
    except KeyError:
        return []
    return sorted({g.gr_name for g in grp.getgrall() if name in g.gr_mem or g.gr_gid == gid})


def member_id_of(name: str, directory: Path) -> str | None:
    """The roster id of login ``name`` from ``DIR/accounts.json`` (root's; never GECOS, which
    the member can change: hub-notes 15). Imports nothing: the pre-spawn hook runs in the hub's
    event loop, and an import there held every login of a storm (3.7 s with sqlite_utils and
    numpy in the first spawn)."""
    return read_map(directory).get(name)


def spawn_settings(
    name: str,
    unix_groups: list[str],
    member_id: str | None,
    cfg: Mapping[str, Any],
    directory: Path,
) -> dict[str, Any]:
    """What the pre-spawn hook sets on a spawner: default URL and environment, by role."""
    roles = user_roles(unix_groups, cfg)
    role = "instructor" if "instructor" in roles else "member"
    env = {"JUPYTER_CONFIG_PATH": str(role_dir(directory, role))}
    if role == "member":
        # nbgrader knows a member by login name (submitted/<login>/…), and so does the quiz when
        # EXAM_TOOLS_MEMBER is unset; the roster id is there for pages that look up records
        if member_id:
            env["EXAM_TOOLS_ROSTER_ID"] = member_id
        if examservice.enabled(cfg):  # the quiz's exam service (issue 12)
            env["EXAM_TOOLS_SERVICE_URL"] = examservice.service_url(cfg)
        env |= session.member_environment(cfg)  # idle minutes, kiosk (issue 17 item 2)
        env["JUPYTER_PATH"] = str(directory / pages.MEMBER_DATA)  # Voilà's Chinese loading page
        fork = cfg["member"]["fork_server"]
        return {"default_url": landing_url(cfg), "environment": env,
                "mem_limit": parse_size(cfg["member"]["mem_limit"]),
                "pids_limit": int(cfg["member"]["pids_limit"]),
                "file_size_limit": parse_size(cfg["member"]["file_size_limit"]),
                "fork_server": str(fork_socket(cfg, directory)) if fork else "",
                "nice": int(cfg["member"]["nice"])}  # fmt: skip
    return {"default_url": "/lab", "environment": env, "mem_limit": 0, "pids_limit": 0,
            "file_size_limit": 0, "fork_server": "", "nice": 0}  # fmt: skip


def fork_socket(cfg: Mapping[str, Any], directory: Path) -> Path:
    """The fork server's socket, in the hub's state folder (root's alone)."""
    return state_dir(cfg, directory) / "forkserver.sock"


def make_hooks(cfg: Mapping[str, Any], directory: Path) -> tuple[Any, Any]:
    """(post_auth_hook, pre_spawn_hook) bound to this config."""

    def post_auth_hook(authenticator: Any, handler: Any, auth_model: dict[str, Any]) -> Any:
        name = auth_model["name"]
        return {**auth_model, "groups": hub_groups(name, unix_groups_of(name), cfg)}

    def pre_spawn_hook(spawner: Any) -> None:
        name = spawner.user.name
        settings = spawn_settings(
            name, unix_groups_of(name), member_id_of(name, directory), cfg, directory
        )
        spawner.default_url = settings["default_url"]
        # a new dict: the trait's default is shared between spawners (hub-notes 9)
        spawner.environment = {**spawner.environment, **settings["environment"]}
        spawner.mem_limit = settings["mem_limit"] or None
        spawner.pids_limit = settings["pids_limit"]
        spawner.file_size_limit = settings["file_size_limit"]
        spawner.fork_server = settings["fork_server"]
        spawner.nice = settings["nice"]

    return post_auth_hook, pre_spawn_hook


def make_default_url(cfg: Mapping[str, Any]) -> Any:
    """JupyterHub's ``default_url`` (where a login without ``?next=`` and the hub's root send a
    signed-in user): a member whose server is running or starting goes straight to 我的学习, not to
    ``/user/<login>/``, which the server only redirects there. One round trip less at every login
    (each is 0.1-0.3 s on a phone's mobile network) and one request less for the member's server.
    Anyone else, and a member without a server (JupyterHub then starts it through ``/hub/spawn``),
    gets JupyterHub's own choice (an empty string)."""
    landing = landing_url(cfg)

    def default_url(handler: Any) -> str:
        try:
            user = handler.current_user
        except RuntimeError:  # JupyterHub asked before it knew who is asking
            return ""
        if user is None or not user.spawner.active:
            return ""
        roles = user_roles(unix_groups_of(user.name), cfg)
        if roles != {"member"}:
            return ""
        return str(user.url).rstrip("/") + landing

    return default_url


def update_network(c: Any, cfg: Mapping[str, Any], directory: Path) -> None:
    hub = cfg["hub"]
    c.JupyterHub.ip = hub["ip"]
    c.JupyterHub.port = hub["port"]
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = hub["hub_port"]
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub['proxy_api_port']}"
    state = state_dir(cfg, directory)
    db = state / "jupyterhub.sqlite"
    c.JupyterHub.db_url = f"sqlite:///{db}"
    c.JupyterHub.db_kwargs = {"creator": functools.partial(hub_db_connection, str(db))}
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
    c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
    c.JupyterHub.template_paths = [str(directory / "templates")]
    update_cookies(c, cfg)


def hub_db_connection(path: str) -> sqlite3.Connection:
    """A connection to the hub's own database (JupyterHub's ``db_kwargs["creator"]``), in WAL
    mode with ``synchronous=NORMAL``: a commit then writes to the log without waiting for the
    disk, where SQLite's default waits twice (1.2 ms against 0.03 ms here), and JupyterHub
    commits several times per login, each on the hub's one thread. A power cut may undo the last
    commits (a login, a server's URL: the hub checks its servers when it starts again); it
    cannot corrupt the file. Members' answers are in the exam service's database, not here
    (deploy/hub-notes.md 25)."""
    con = sqlite3.connect(path, check_same_thread=False)  # JupyterHub's own connect_args
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    return con


def cookie_options(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """The hub's cookies: HttpOnly (JupyterHub's default, kept), SameSite=Lax (a link from a QR
    code or a chat still logs in; a form posted from another site does not carry them), and
    Secure when members reach the hub by https (hub-notes 16); and no expiry date, so they end
    when the browser closes (a shared PC, issue 17: :mod:`exam_tools.hub.session`)."""
    options: dict[str, Any] = {"httponly": True, "samesite": "Lax", "expires_days": None}
    if str(cfg["hub"]["public_url"]).startswith("https://"):
        options["secure"] = True
    return options


def update_cookies(c: Any, cfg: Mapping[str, Any]) -> None:
    """``hub.public_url`` reaches JupyterHub, which then marks its cookies Secure under https
    however the TLS proxy in front forwards the request (hub-notes 16)."""
    url = cfg["hub"]["public_url"]
    c.JupyterHub.public_url = url if not url or url.endswith("/") else url + "/"
    c.JupyterHub.trusted_downstream_ips = list(cfg["hub"]["trusted_proxies"])
    c.JupyterHub.tornado_settings = {"cookie_options": cookie_options(cfg),
                                     "slow_spawn_timeout": pages.SLOW_SPAWN_TIMEOUT}  # fmt: skip


def update_auth(c: Any, cfg: Mapping[str, Any], directory: Path) -> None:
    """PAM against the real Unix accounts LocalProcessSpawner needs anyway (hub-notes 2); only the
    member and instructor groups may log in, so system accounts (root, grader accounts) cannot."""
    users = cfg["users"]
    # JupyterHub's PAM login behind a gate that paces wrong passwords per client and per account
    # before PAM is asked, on our own PAM service (pam_faillock, no pam_faildelay: hub-notes 14)
    c.JupyterHub.authenticator_class = "exam_tools.hub.pamauth.ThrottledPAMAuthenticator"
    c.PAMAuthenticator.service = PAM_SERVICE
    c.PAMAuthenticator.executor_threads = 8
    c.ThrottledPAMAuthenticator.fail_interval = int(cfg["login"]["lock_minutes"]) * 60
    c.PAMAuthenticator.allowed_groups = {users["member_group"], users["instructor_group"]}
    c.PAMAuthenticator.admin_users = set()
    c.PAMAuthenticator.open_sessions = False
    c.Authenticator.manage_groups = True
    c.Authenticator.post_auth_hook = make_hooks(cfg, directory)[0]


def update_spawner(c: Any, cfg: Mapping[str, Any], directory: Path) -> None:
    prefix = Path(cfg["hub"]["prefix"])
    # LocalProcessSpawner, with members' servers in control groups of their own (limits.py)
    c.JupyterHub.spawner_class = "exam_tools.hub.spawner.MemberSpawner"
    c.Spawner.cmd = [str(prefix / "bin" / "jupyterhub-singleuser")]
    c.Spawner.notebook_dir = "~"
    c.Spawner.default_url = landing_url(cfg)
    c.JupyterHub.default_url = make_default_url(cfg)
    c.Spawner.http_timeout = 60
    c.Spawner.start_timeout = 120
    c.Spawner.pre_spawn_hook = make_hooks(cfg, directory)[1]
    c.LocalProcessSpawner.shell_cmd = []
    # the venv's bin first, so kernels and nbgrader run from it
    c.Spawner.environment = {"PATH": f"{prefix / 'bin'}:/usr/local/bin:/usr/bin:/bin",
                             "EXAM_TOOLS_TZ": cfg["hub"]["timezone"]}  # fmt: skip


def update_roles(c: Any, cfg: Mapping[str, Any]) -> None:
    """nbgrader's documented multi-course roles: formgrader per course, course discovery."""
    roles: list[dict[str, Any]] = [
        {
            # a user's server acts for its user (nbgrader reads the user's groups to list courses)
            "name": "server",
            "scopes": ["inherit"],
        }
    ]
    for course in cfg["courses"]:
        cid = course["id"]
        roles.append(
            {
                "name": f"formgrade-{cid}",
                "groups": [f"formgrade-{cid}"],
                "scopes": [f"access:services!service={cid}"],
            }
        )
        roles.append(
            {
                "name": f"nbgrader-{cid}",
                "groups": [f"nbgrader-{cid}"],
                "scopes": ["list:services", f"read:services!service={cid}"],
            }
        )
    if examservice.enabled(cfg):
        roles.append(examservice.user_role(cfg))
    roles.append(prestart.role())  # `hub prestart`: create members and start their servers
    c.JupyterHub.load_roles = roles


def update_services(c: Any, cfg: Mapping[str, Any], directory: Path) -> None:
    """One formgrader per course: a singleuser server run by the course's grader account."""
    prefix = Path(cfg["hub"]["prefix"])
    services = []
    for course in cfg["courses"]:
        grader = grader_name(cfg, course["id"])
        home = Path(cfg["users"]["home_base"]) / grader
        services.append(
            {
                "name": course["id"],
                "display": True,
                "info": {"title": course.get("title") or course["id"]},
                "url": f"http://127.0.0.1:{course['port']}",
                "command": [str(prefix / "bin" / "jupyterhub-singleuser")],
                "user": grader,
                "cwd": str(home),
                "environment": {
                    "JUPYTERHUB_DEFAULT_URL": "/lab",
                    "JUPYTER_CONFIG_PATH": str(role_dir(directory, "grader")),
                    "HOME": str(home),
                    "PATH": f"{prefix / 'bin'}:/usr/local/bin:/usr/bin:/bin",
                },
                "oauth_no_confirm": True,
            }
        )
    if examservice.enabled(cfg):
        services.append(examservice.service_entry(cfg))
    for s in services:  # the exam service's messages and the graders' records (issue 17 item 7)
        s["environment"] = {**s.get("environment", {}), "EXAM_TOOLS_TZ": cfg["hub"]["timezone"]}
    # API only (no URL, no process): the token `hub init` wrote into the state folder
    token = prestart.read_token(state_dir(cfg, directory))
    if token:
        services.append(prestart.service_entry(token))
    c.JupyterHub.services = services


def apply(c: Any, cfg: Mapping[str, Any], directory: Path) -> None:
    """Set every hub trait from the config (called by the generated ``jupyterhub_config.py``)."""
    update_network(c, cfg, directory)
    update_auth(c, cfg, directory)
    update_spawner(c, cfg, directory)
    update_roles(c, cfg)
    update_services(c, cfg, directory)
    session.update_session(c, cfg)
