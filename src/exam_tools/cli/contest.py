"""``exam-tools exam contest …``: a 知识竞赛 at the exam service (instructors and organisers, on the
hub server beside the service's database; the host usually moves it on from the projector page)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from exam_tools.cli.common import ExamToolsCommand, ExamToolsGroup, hub_option

if TYPE_CHECKING:
    from exam_tools.service.contest import ContestStore

service_db = click.option(
    "--service-db", "service_db", type=click.Path(path_type=Path, dir_okay=False), default=None,
    help="考试服务的数据库文件（默认按 --hub 目录里 config.yaml 的 exam_service.db）。",
)  # fmt: skip


def _contests(service_db: Path | None, hub_dir: Path | None) -> ContestStore:
    from exam_tools.cli.service import _hub_service_db, _store
    from exam_tools.service.contest import ContestStore

    return ContestStore(_store(_hub_service_db(service_db, hub_dir)))


def _teams(values: tuple[str, ...]) -> dict[str, str]:
    """``--team 红队=login1,login2`` → login → team."""
    out: dict[str, str] = {}
    for v in values:
        team, sep, logins = v.partition("=")
        names = [x.strip() for x in logins.split(",") if x.strip()]
        if not sep or not team.strip() or not names:
            raise click.BadParameter(f"“{v}”应写成 队名=登录名,登录名，如 红队=dy001,dy002",
                                     param_hint="--team")  # fmt: skip
        for n in names:
            if n in out:
                raise click.BadParameter(f"{n} 同时在“{out[n]}”和“{team.strip()}”里",
                                         param_hint="--team")  # fmt: skip
            out[n] = team.strip()
    return out


def _branches(db_file: Path, hub_dir: Path | None) -> tuple[dict[str, str], dict[str, str]]:
    """Teams by branch from the roster: (login → branch name, login → member's name)."""
    from exam_tools.hub.logins import hub_map
    from exam_tools.records.db import open_db

    db = open_db(db_file)
    rows = db.execute("select m.id, m.name, o.name from members m join orgs o on o.id = m.org")
    by_id = {mid: (name, org) for mid, name, org in rows}
    mapping = hub_map(hub_dir) or {mid: mid for mid in by_id}
    teams = {login: by_id[mid][1] for login, mid in mapping.items() if mid in by_id}
    names = {login: by_id[mid][0] for login, mid in mapping.items() if mid in by_id}
    if not teams:
        raise click.UsageError("花名册里没有找到有 Hub 账号的党员，无法按支部分队")
    return teams, names


def _line(s: dict[str, Any]) -> str:
    phase = {"waiting": "等待开始", "open": f"第 {s['k']} 题作答中", "closed": f"第 {s['k']} 题已公布答案",
             "finished": "已结束"}[s["phase"]]  # fmt: skip
    return f"“{s['title']}”（{s['contest']}）：{phase}，共 {s['total']} 题，已答 {s['answered']} 人"


@click.group(cls=ExamToolsGroup)
def contest() -> None:
    """知识竞赛：从考试服务里的练习出题，个人赛或团体赛（按支部或现场分队），投影页面主持，
    党员在手机“我的学习”里抢答；结束后记入培训档案并打印排名。"""


@contest.command("new", cls=ExamToolsCommand)
@click.argument("name")
@click.option("--from", "source", required=True, metavar="EXAM",
              help="出题用的练习（已用 exam open --practice 交给考试服务的名字）。")  # fmt: skip
@click.option("--title", required=True, help="竞赛名称，如“七一党史知识竞赛”。")
@click.option("--questions", type=click.IntRange(1, 50), default=10, show_default=True,
              help="题数（只出单选题和判断题）。")  # fmt: skip
@click.option("--seconds", type=float, default=20, show_default=True, help="每题作答秒数。")
@click.option("--team", "teams", multiple=True, metavar="队名=登录名,…",
              help="现场分队，可写多次；不写则为个人赛（Hub 上的党员都可参加）。")  # fmt: skip
@click.option("--by-branch", is_flag=True, help="按花名册的支部分队（需 --db）。")
@click.option("--db", "db_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="档案数据库（花名册），--by-branch 时用。")  # fmt: skip
@click.option("--seed", type=int, default=None, help="抽题的随机种子（默认随机）。")
@click.option("--by", default=None, help="主持人（默认当前登录名）。")
@service_db
@hub_option
def contest_new(name: str, source: str, title: str, questions: int, seconds: float,
                teams: tuple[str, ...], by_branch: bool, db_file: Path | None, seed: int | None,
                by: str | None, service_db: Path | None, hub_dir: Path | None) -> None:  # fmt: skip
    """新建知识竞赛 NAME（英文名，用在投影页面的网址里）：从练习 --from 里抽题，等待主持人开始。"""
    import getpass
    import secrets

    from exam_tools.service.contest import pick_questions

    if by_branch and teams:
        raise click.UsageError("--by-branch 和 --team 只能选一个")
    team_map: dict[str, str] | None = _teams(teams) or None
    names: dict[str, str] = {}
    if by_branch:
        if db_file is None:
            raise click.UsageError("--by-branch 需要 --db 档案数据库（花名册）")
        team_map, names = _branches(db_file, hub_dir)
    store = _contests(service_db, hub_dir)
    pool, key, _course = store.pool(source)
    chosen = pick_questions(
        pool, key, questions, secrets.randbelow(2**31) if seed is None else seed
    )
    store.create(name, title, source, chosen, seconds, by=by or getpass.getuser(), teams=team_map,
                 names=names)  # fmt: skip
    kind = f"团体赛，{len(set(team_map.values()))} 队 {len(team_map)} 人" if team_map else "个人赛"
    click.echo(f"已新建知识竞赛“{title}”（{name}）：{kind}，{questions} 题，每题 {seconds:g} 秒。"
               f"投影页面：<Hub 地址>/services/exam/contest/{name}（用老师账号登录后打开）")  # fmt: skip


@contest.command("next", cls=ExamToolsCommand)
@click.argument("name")
@service_db
@hub_option
def contest_next(name: str, service_db: Path | None, hub_dir: Path | None) -> None:
    """主持：进到下一步（出下一题 / 公布答案 / 结束），同投影页面上的大按钮。"""
    store = _contests(service_db, hub_dir)
    store.next(name)
    click.echo(_line(store.host_state(name)))


@contest.command("show", cls=ExamToolsCommand)
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@service_db
@hub_option
def contest_show(name: str | None, as_json: bool, service_db: Path | None,
                 hub_dir: Path | None) -> None:  # fmt: skip
    """竞赛 NAME 的进度和排名；不写 NAME 则列出全部竞赛。名字一律原样转义后显示。"""
    from exam_tools.service.limits import shown

    store = _contests(service_db, hub_dir)
    if name is None:
        for c in store.contests():
            click.echo(f"{shown(c['id'])}  {shown(c['title'])}  {c['phase']}  {c['questions']} 题")
        return
    state, standings = store.host_state(name), store.standings(name)
    if as_json:
        click.echo(json.dumps({"state": state, "standings": standings}, ensure_ascii=False))
        return
    click.echo(shown(_line(state), 300))
    for t in standings["teams"] or []:
        click.echo(f"  第{t['rank']}名 {shown(t['name'])} {t['points']} 分（{t['members']} 人）")
    for p in standings["members"]:
        team = f"（{shown(p['team'])}）" if p["team"] else ""
        click.echo(
            f"  第{p['rank']}名 {shown(p['name'])}{team} {p['points']} 分，答对 {p['correct']} 题"
        )


@contest.command("export", cls=ExamToolsCommand)
@click.argument("name")
@click.option("--db", "db_file", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="档案数据库：竞赛记为一次培训活动，党员的作答记为练习。")  # fmt: skip
@click.option("--org", required=True, help="举办竞赛的党组织路径，如 城关镇党委/花王村党支部。")
@click.option(
    "--kind", default="主题党日", show_default=True, help="活动形式（standards.yaml 里的一种）。"
)
@click.option("--hours", type=float, default=1, show_default=True, help="计入的学时。")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="排名表（A4 打印用的 HTML 文件）。")  # fmt: skip
@click.option("--login", "logins", multiple=True, metavar="LOGIN=ID",
              help="登录名与党员编号不同时的对应（默认读 Hub 目录里的 accounts.json）；可写多次。")  # fmt: skip
@service_db
@hub_option
def contest_export(name: str, db_file: Path, org: str, kind: str, hours: float, out: Path,
                   logins: tuple[str, ...], service_db: Path | None,
                   hub_dir: Path | None) -> None:  # fmt: skip
    """竞赛结束后：记入培训档案（日期、名称、参加的党员），导入每人的作答（练习），写出 A4 排名表。"""
    from datetime import date

    from exam_tools.cli.service import _hub_service_db, _login_pairs
    from exam_tools.hub.logins import hub_map
    from exam_tools.records.db import open_db
    from exam_tools.records.sessions import add_session
    from exam_tools.records.standards import load_standards
    from exam_tools.service.contest_sheet import standings_sheet
    from exam_tools.service.export import record_logins
    from exam_tools.service.practice_export import pull_practice

    explicit = _login_pairs(click.get_current_context(), click.Option(["--login"]), logins)
    kinds = load_standards(None).session_kinds
    if kind not in kinds:
        raise click.BadParameter(f"应为 {'、'.join(kinds)} 之一", param_hint="--kind")
    store = _contests(service_db, hub_dir)
    c, standings = store.row(name), store.standings(name)
    if c["phase"] != "finished":
        raise click.UsageError(f"竞赛“{c['title']}”还没有结束（先在投影页面上进行到最后）")
    db = open_db(db_file)
    roster = {r[0] for r in db.execute("select id from members")}
    mapping = record_logins(roster, explicit, hub_map(hub_dir))
    ids = sorted({mapping[p["member"]] for p in standings["members"] if p["member"] in mapping})
    day = date.fromtimestamp(c["created_at"])
    sid = add_session(db, day, org, kind, hours, f"知识竞赛：{c['title']}", None, ids)
    pulled = pull_practice(_hub_service_db(service_db, hub_dir), db, explicit, hub_map(hub_dir))
    out.write_text(standings_sheet(c, standings, day), "utf-8")
    missing = len(standings["members"]) - len(ids)
    click.echo(f"已记入培训 {sid}：{day} {kind}“知识竞赛：{c['title']}”{hours:g} 学时，参加 {len(ids)} 人"
               + (f"（另有 {missing} 个账号不在花名册中）" if missing else "")
               + f"；{pulled.message()}；排名表：{out}")  # fmt: skip
