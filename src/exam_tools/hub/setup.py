"""``exam-tools hub init`` and ``exam-tools hub users``: files, folders and accounts (I/O edge)."""

from __future__ import annotations

import grp
import json
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exam_tools.fileio import write_atomic
from exam_tools.hub import files, logins, prestart, system
from exam_tools.hub.accounts import Account, first_password, plan_accounts
from exam_tools.hub.config import (
    CONFIG_FILE,
    DEFAULTS,
    course_root,
    grader_name,
    merge,
    state_dir,
)
from exam_tools.hub.jhconfig import CSP

VOILA_INDEX = """\
{%- extends 'lab/index.html.j2' -%}
{# The lab template without its Font Awesome CDN links: a local copy serves the icons. #}
{%- block notebook_css -%}
{{ super() | replace("https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5/css/",
                     resources.base_url + "voila/templates/exam-tools/static/fontawesome/css/") }}
{%- endblock notebook_css -%}
"""


@dataclass
class InitReport:
    written: list[Path] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)  # new instructors only
    warnings: list[str] = field(default_factory=list)


UNIT_FILE = "exam-tools-hub.service"


def first_config() -> dict[str, Any]:
    """The values the first config.yaml is written with: this venv (when it runs JupyterHub) and
    the bank, courses and member notebooks installed in it (or found beside the code)."""
    from exam_tools.paths import find_bundled, installed

    def found(name: str) -> str:
        for path in (installed(name), find_bundled(name)):
            if path.is_dir():
                return str(path.resolve())
        return ""

    prefix = Path(sys.prefix)
    if not (prefix / "bin" / "jupyterhub").exists():
        prefix = Path(DEFAULTS["hub"]["prefix"])
    notebooks = found("notebooks")
    return merge(
        DEFAULTS,
        {
            "hub": {"prefix": str(prefix)},
            "content": {"question_bank": found("question_bank"), "courses": found("courses")},
            "member": {"notebooks": str(Path(notebooks) / "member") if notebooks else ""},
        },
    )


def write_config(directory: Path) -> Path | None:
    """``DIR/config.yaml`` with every setting and its comment, the first time only: afterwards
    it is the organiser's, and ``hub init`` never touches it."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / CONFIG_FILE
    if config.exists():
        return None
    write_atomic(config, files.config_yaml(first_config()))
    return config


def unwritten_settings(directory: Path) -> list[str]:
    """Settings an older config.yaml does not name (their defaults apply), as ``section.key``."""
    import yaml

    try:
        data = yaml.safe_load((directory / CONFIG_FILE).read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    out = []
    for section, default in DEFAULTS.items():
        if section not in data:
            out.append(section)
        elif isinstance(default, dict) and isinstance(data[section], Mapping):
            out += [f"{section}.{key}" for key in default if key not in data[section]]
    return out


def unit_path(cfg: Mapping[str, Any]) -> str:
    """PATH for the hub's service: the venv, the folder of configurable-http-proxy, the usual."""
    proxy = shutil.which("configurable-http-proxy")
    dirs = [str(Path(cfg["hub"]["prefix"]) / "bin")]
    dirs += [str(Path(proxy).parent)] if proxy else []
    dirs += ["/usr/local/bin", "/usr/bin", "/bin"]
    return ":".join(dict.fromkeys(dirs))


def write_files(directory: Path, cfg: Mapping[str, Any], report: InitReport) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)  # members' servers read DIR/jupyter/<role>/
    config = write_config(directory)
    if config is not None:
        report.written.append(config)
    unit = directory / UNIT_FILE
    text = files.systemd_unit(cfg, directory, unit_path(cfg))
    if not unit.exists() or unit.read_text("utf-8") != text:
        write_atomic(unit, text)
        report.written.append(unit)
    for rel, text in files.hub_files(cfg, CSP).items():
        path = directory / rel
        if not path.exists() or path.read_text("utf-8") != text:
            write_atomic(path, text)
            report.written.append(path)
        path.chmod(0o644)
        for parent in path.relative_to(directory).parents:
            (directory / parent).chmod(0o755)
    state = state_dir(cfg, directory)
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    prestart.ensure_token(state)  # `exam-tools hub prestart` starts servers with it


def install_prefix_files(cfg: Mapping[str, Any], report: InitReport) -> None:
    """Chinese JupyterLab for instructors and the offline Voilà template, in the hub's venv."""
    prefix = Path(cfg["hub"]["prefix"])
    if not (prefix / "bin" / "jupyterhub").exists():
        report.warnings.append(f"{prefix} 里没有 JupyterHub；请先按 README 建立 venv")
        return
    overrides = prefix / "share/jupyter/lab/settings/overrides.json"
    text = files.dumps(files.lab_overrides(cfg))
    if not overrides.exists() or overrides.read_text("utf-8") != text:
        write_atomic(overrides, text)
        report.written.append(overrides)
    overrides.chmod(0o644)
    template = prefix / "share/jupyter/voila/templates" / files.VOILA_TEMPLATE
    index = template / "index.html.j2"
    if not index.exists() or index.read_text("utf-8") != VOILA_INDEX:
        write_atomic(index, VOILA_INDEX)
        write_atomic(template / "conf.json", json.dumps({"base_template": "lab"}) + "\n")
        report.written.append(index)
    for p in (index, template / "conf.json"):
        p.chmod(0o644)
    fa = prefix / files.FONT_AWESOME_DIR
    if not (fa / "css" / "all.min.css").exists():
        found = find_font_awesome()
        if found is None:
            report.warnings.append(
                "找不到 Font Awesome（npm install -g @fortawesome/fontawesome-free@5）；"
                "离线时页面图标不显示"
            )
        else:
            shutil.copytree(found, fa, dirs_exist_ok=True)
            report.written.append(fa)
    for root, dirs, names in os.walk(template):
        for d in dirs:
            Path(root, d).chmod(0o755)
        for n in names:
            Path(root, n).chmod(0o644)


def find_font_awesome() -> Path | None:
    """The npm package @fortawesome/fontawesome-free (v5, as Voilà's lab template wants)."""
    import subprocess

    roots = []
    result = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, check=False)
    if result.returncode == 0:
        roots.append(Path(result.stdout.strip()))
    roots += [Path("/usr/lib/node_modules"), Path("/usr/local/lib/node_modules")]
    for root in roots:
        candidate = root / "@fortawesome" / "fontawesome-free"
        if (candidate / "css" / "all.min.css").exists():
            return candidate
    return None


#: the exchange root: world-writable and sticky (``/tmp``'s mode)
EXCHANGE_MODE = 0o1777


def claim_course_folder(folder: Path, grader: str, report: InitReport) -> None:
    """``folder`` (a course's exchange folder) owned by ``grader``, mode 755. A folder someone else
    made there first (a member may create folders in the sticky root before a course is added)
    is moved aside to ``<folder>.untrusted-<time>`` rather than adopted with its contents."""
    import time

    if folder.is_symlink() or (folder.exists() and folder.stat().st_uid != pwd_uid(grader)):
        aside = folder.with_name(f"{folder.name}.untrusted-{time.strftime('%Y%m%d%H%M%S')}")
        folder.rename(aside)
        os.chown(aside, 0, 0, follow_symlinks=False)
        if not aside.is_symlink():
            aside.chmod(0o700)
        report.warnings.append(f"交换目录 {folder} 不属于阅卷账号 {grader}，已移到 {aside}")
    system.make_dir(folder, 0o755, grader)


def pwd_uid(name: str) -> int:
    import pwd

    return pwd.getpwnam(name).pw_uid


def apply_system(directory: Path, cfg: Mapping[str, Any], report: InitReport) -> None:
    """Groups, instructor and grader accounts, the exchange and course directories."""
    system.require_root()
    users = cfg["users"]
    system.ensure_group(users["member_group"])
    system.ensure_group(users["instructor_group"])
    from exam_tools.hub import pam

    report.written += pam.install(cfg)  # pam_faillock for the hub's PAM service and for su
    for name in users["instructors"]:
        created = system.ensure_user(name, [users["instructor_group"]], users["home_base"])
        if created:
            password = first_password(10)
            system.set_password(name, password)
            report.passwords[name] = password
    exchange = Path(cfg["exchange"]["root"])
    # nbgrader's documented 777 plus the sticky bit, as /tmp (issue 16 item 4): anyone may still
    # create a folder there (nbgrader checks only that the root is writable, and compares only the
    # low nine bits when it releases), but only a folder's owner may rename or remove it, so no
    # member can move a course's folder aside and put their own in its place
    system.make_dir(exchange, EXCHANGE_MODE)
    for course in cfg["courses"]:
        grader = grader_name(cfg, course["id"])
        system.ensure_user(grader, [], users["home_base"])
        root = course_root(cfg, course["id"])
        system.make_dir(root, 0o700, grader)
        home = root.parent
        config = files.grader_nbgrader_config(course, str(root))
        for path in (home / "nbgrader_config.py", root / "nbgrader_config.py"):
            if not path.exists() or path.read_text("utf-8") != config:
                write_atomic(path, config)
                report.written.append(path)
            shutil.chown(path, grader, grader)
        # nbgrader insists that the course's exchange folder belongs to its grader
        claim_course_folder(exchange / course["id"], grader, report)
    from exam_tools.hub import examservice

    if examservice.enabled(cfg):  # the exam service's own account and private home (issue 12)
        examservice.ensure_account(cfg)


def init_hub(directory: Path, cfg: Mapping[str, Any]) -> InitReport:
    report = InitReport()
    write_files(directory, cfg, report)
    if os.geteuid() == 0:
        install_prefix_files(cfg, report)
        apply_system(directory, cfg, report)
        from exam_tools.hub.disk import shared_disk_warning

        shared = shared_disk_warning(cfg)  # after the service's home exists
        if shared:
            report.warnings.append(shared)
    else:
        report.warnings.append("不是 root：只写了配置文件，没有建立账号和目录")
    return report


def member_map(directory: Path, cfg: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """login → roster id: ``DIR/accounts.json``, plus accounts of a deployment made before it whose
    comment (GECOS) names a roster id that fits the login name (:mod:`exam_tools.hub.logins`)."""
    mapped = logins.read_map(directory)
    group = cfg["users"]["member_group"]
    try:
        members = set(grp.getgrnam(group).gr_mem)
    except KeyError:
        members = set()
    claims = {k: v for k, v in system.comment_claims().items() if k in members}
    add, problems = logins.from_comments(claims, cfg["users"]["member_prefix"], mapped)
    return {**mapped, **add}, problems


def create_member_accounts(
    members: Sequence[Mapping[str, Any]],
    cfg: Mapping[str, Any],
    directory: Path,
    *,
    reset: bool = False,
) -> tuple[list[Account], list[str]]:
    """A Unix account in the member group for each member (existing ones kept, or given a new
    first password with ``reset``); the landing notebooks are copied into each home. The
    login → roster id map (``DIR/accounts.json``) is written first, then kept up to date."""
    system.require_root()
    users = cfg["users"]
    mapping, problems = member_map(directory, cfg)
    logins.write_map(directory, mapping)
    existing = {mid: login for login, mid in mapping.items()}
    notebooks = Path(cfg["member"]["notebooks"]) if cfg["member"]["notebooks"] else None
    out = []
    taken = set(mapping)
    for m, login, new in plan_accounts(members, existing, users["member_prefix"]):
        if new and system.user_exists(login) and login not in taken:
            # an account of this name that the map does not give to this member (its comment
            # was changed, or someone else made it): never hand it over
            problems.append(
                f"党员 {m['id']}：账号 {login} 已存在但对应关系不明，未开户，请人工核对"
            )
            continue
        system.ensure_user(
            login, [users["member_group"]], users["home_base"],
            comment=system.member_comment(m["id"]),
        )  # fmt: skip
        if login not in mapping:
            mapping[login] = m["id"]
            taken.add(login)
            logins.write_map(directory, mapping)  # before the password: no account without it
        password = None
        if new or reset:
            password = first_password()
            system.set_password(login, password)
        if notebooks is not None:
            system.copy_tree_as(notebooks, Path(users["home_base"]) / login, login)
        out.append(Account(m["id"], m["name"], m["org_path"], login, password))
        print(f"\r{len(out)}/{len(members)}", end="", file=sys.stderr)
    if out:
        print(file=sys.stderr)
    return out, problems
