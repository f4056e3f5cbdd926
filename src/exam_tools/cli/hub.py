"""``exam-tools hub …``: set up JupyterHub on a server, accounts and 登录卡 from the roster."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import click

from exam_tools.cli.common import ExamToolsGroup, db_option

dir_argument = click.argument("directory", type=click.Path(path_type=Path, file_okay=False))


@click.group(cls=ExamToolsGroup)
def hub() -> None:
    """在服务器上部署：JupyterHub 设置、党员账号和登录卡（需要 root）。"""


def readable_by_others(path: Path) -> bool:
    """Whether an account other than the owner's can read ``path``: the file readable by others
    and every folder above it searchable by others (a world-readable file in /root is safe)."""
    import stat

    path = path.resolve()
    if not path.stat().st_mode & stat.S_IROTH:
        return False
    return all(folder.stat().st_mode & stat.S_IXOTH for folder in path.parents)


@hub.command("init")
@dir_argument
def hub_init(directory: Path) -> None:
    """在目录 DIRECTORY 写出 JupyterHub 设置（config.yaml、jupyterhub_config.py 和 systemd 服务文件
    exam-tools-hub.service），并建立教师与阅卷账号、作业交换目录和课程目录。
    第一次运行写出的 config.yaml 列出每一项设置并有中文说明；以后不再改动它。
    可重复运行：改了 config.yaml 后再运行一次。
    """
    from exam_tools.hub.config import read_config
    from exam_tools.hub.files import config_yaml
    from exam_tools.hub.setup import (
        UNIT_FILE,
        first_config,
        init_hub,
        unwritten_settings,
        write_config,
    )

    directory = directory.resolve()
    first = write_config(directory) is not None
    cfg = read_config(directory)
    report = init_hub(directory, cfg)
    if first:
        report.written.insert(0, directory / "config.yaml")
    for path in report.written:
        click.echo(f"已写出 {path}")
    for name, password in report.passwords.items():
        click.echo(f"教师账号 {name} 的初始密码：{password}（只显示这一次）")
    missing = unwritten_settings(directory)
    if missing:  # a config.yaml from an older version: say where every setting is explained
        from exam_tools.fileio import write_atomic

        full = directory / "config.yaml.default"
        write_atomic(full, config_yaml(first_config()))
        report.warnings.append(
            f"config.yaml 没有写出这些设置，用的是默认值：{'、'.join(missing)}；"
            f"每一项的说明和默认值见 {full}"
        )
    for warning in report.warnings:
        click.secho(f"注意：{warning}", fg="yellow", err=True)
    jupyterhub = Path(cfg["hub"]["prefix"]) / "bin" / "jupyterhub"
    click.echo("设置完成。下一步：")
    if first:
        click.echo(
            f"  按需要编辑 {directory / 'config.yaml'}（网址、端口、教师、课程），"
            f"再运行一次 exam-tools hub init {directory}"
        )
    click.echo(
        f"  启动：cp {directory / UNIT_FILE} /etc/systemd/system/ && "
        "systemctl enable --now exam-tools-hub"
    )
    click.echo(f"  （不用 systemd 时：cd {directory} && {jupyterhub} -f jupyterhub_config.py）")


@hub.command("users")
@dir_argument
@click.option("--org", default=None, help="只为这个党组织（及其下级）的党员开账号，如 城关镇党委。")
@click.option(
    "--cards",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="登录卡输出文件（.html，用浏览器打开后打印，A4 每页 8 张）。",
)
@click.option("--reset", is_flag=True, help="已有账号也重新设置初始密码（忘记密码时用）。")
@click.option("--force", is_flag=True, help="覆盖已有的登录卡文件。")
@db_option
def hub_users(
    directory: Path, org: str | None, cards: Path, reset: bool, force: bool, db_file: Path | None
) -> None:
    """为数据库花名册里的党员开 JupyterHub 账号，并写出登录卡（姓名、支部、登录名、初始密码、
    网址和二维码）交组织委员分发。重复运行不会重复开户；已有账号的卡上不印密码。
    初始密码只印在卡上，不保存在任何地方。
    """
    from exam_tools.hub.accounts import members_of_org
    from exam_tools.hub.cards import cards_html
    from exam_tools.hub.config import public_url, read_config
    from exam_tools.hub.setup import create_member_accounts
    from exam_tools.records.db import open_db

    if cards.exists() and not force:
        raise click.UsageError(f"{cards} 已存在；要覆盖请加 --force")
    cfg = read_config(directory.resolve())
    db_path = db_file or Path(os.environ.get("EXAM_TOOLS_DB") or "exam_tools.db")
    if db_path.exists() and readable_by_others(db_path):
        click.secho(
            f"注意：{db_path} 其他用户可读，党员登录服务器后能看到花名册；"
            f"请放到只有 root 能读的目录，或 chmod 600 {db_path}",
            fg="yellow",
            err=True,
        )
    members = members_of_org(open_db(db_file), org)
    if not members:
        raise click.UsageError("没有要开户的党员；请先用 exam-tools roster import 导入花名册")
    accounts, problems = create_member_accounts(members, cfg, directory.resolve(), reset=reset)
    for line in problems:
        click.secho(f"注意：{line}", fg="yellow", err=True)
    from exam_tools.hub.disk import shared_disk_warning

    shared = shared_disk_warning(cfg)
    if shared:
        click.secho(f"注意：{shared}", fg="yellow", err=True)
    from exam_tools.fileio import write_atomic

    url = public_url(cfg, socket.getfqdn())
    if not cfg["hub"]["public_url"]:
        click.secho(
            f"注意：config.yaml 里没有设置 hub.public_url，登录卡上印的是 {url}；"
            "党员手机上打开的网址不同时，请先设置再重新印卡",
            fg="yellow",
            err=True,
        )
    write_atomic(cards, cards_html(accounts, url))
    cards.chmod(0o600)  # it holds first passwords
    new = sum(1 for a in accounts if a.password is not None)
    click.echo(
        f"{len(accounts)} 名党员有账号（新设密码 {new} 个），登录卡写入 {cards}；"
        "打印分发后请删除此文件"
    )


@hub.command("remove")
@dir_argument
@click.argument("logins", nargs=-1, required=True)
def hub_remove(directory: Path, logins: tuple[str, ...]) -> None:
    """删除党员账号 LOGINS（登录名，如 dy123456）及其主目录：调走、出党或重复开户时用。
    只删党员组里的账号；不存在的跳过，重复运行无妨。先停掉 JupyterHub 里此人的服务器更稳妥。
    """
    from exam_tools.hub.config import read_config
    from exam_tools.hub.jhconfig import unix_groups_of
    from exam_tools.hub.logins import read_map, write_map
    from exam_tools.hub.system import remove_user, require_root, user_exists

    cfg = read_config(directory.resolve())
    require_root()
    mapping = read_map(directory.resolve())
    group = cfg["users"]["member_group"]
    for login in logins:
        if not user_exists(login):
            click.echo(f"{login}：没有这个账号，跳过")
        elif group not in unix_groups_of(login):
            raise click.UsageError(f"{login} 不是党员账号（不在 {group} 组），不删除")
        else:
            remove_user(login)
            click.echo(f"{login}：已删除账号和主目录")
        if mapping.pop(login, None) is not None:
            write_map(directory.resolve(), mapping)


@hub.command("unlock")
@dir_argument
@click.argument("logins", nargs=-1, required=True)
def hub_unlock(directory: Path, logins: tuple[str, ...]) -> None:
    """解除账号 LOGINS（登录名，如 dy123456）因密码连续输错被锁定的状态，马上可以再登录。
    密码输错（网页登录和 su 一起算）达到 config.yaml 的 login.max_failures 次即锁定
    login.lock_minutes 分钟；确认是本人忘了密码时用（必要时再用 hub users --reset 重设密码）。
    """
    from exam_tools.hub.config import read_config
    from exam_tools.hub.pam import unlock
    from exam_tools.hub.system import require_root, user_exists

    read_config(directory.resolve())
    require_root()
    for login in logins:
        if not user_exists(login):
            click.echo(f"{login}：没有这个账号，跳过")
            continue
        unlock(login)
        click.echo(f"{login}：已解除锁定")


@hub.command("prestart")
@dir_argument
@click.argument("logins", nargs=-1)
@click.option("--org", default=None,
              help="花名册里这个党组织（及其下级）的党员，如 城关镇党委；和 LOGINS 可以一起用。")  # fmt: skip
@click.option("--parallel", type=click.IntRange(1, 50), default=3, show_default=True,
              help="同时启动几位党员的页面（每位约需 1 秒 CPU；两核的服务器 2-3 位为宜）。")  # fmt: skip
@db_option
def hub_prestart(directory: Path, logins: tuple[str, ...], org: str | None, parallel: int,
                 db_file: Path | None) -> None:  # fmt: skip
    """考试前提前启动党员的学习页面：党员（登录名 LOGINS，或 --org 党组织的全体党员）开考时一登录，
    “我的学习”马上就能打开，不必排队等服务器启动。Hub 要在运行；几位几位地启动，不会压垮服务器。
    页面在 config.yaml 的 member.server_idle_timeout 秒内没人用会自动停止，所以请在开考前不久运行。"""
    from exam_tools.hub.accounts import members_of_org
    from exam_tools.hub.config import read_config, state_dir
    from exam_tools.hub.logins import read_map
    from exam_tools.hub.prestart import HubAPI, prestart, read_token
    from exam_tools.records.db import open_db

    hub_dir = directory.resolve()
    cfg = read_config(hub_dir)
    token = read_token(state_dir(cfg, hub_dir))
    if token is None:
        raise click.UsageError(f"{hub_dir} 还没有提前启动用的令牌：请以 root 运行 exam-tools hub "
                               f"init {hub_dir}，再重启 JupyterHub")  # fmt: skip
    wanted = list(logins)
    if org is not None:
        by_id = {mid: login for login, mid in read_map(hub_dir).items()}
        members = members_of_org(open_db(db_file), org)
        wanted += [by_id[m["id"]] for m in members if m["id"] in by_id]
        missing = [m["name"] for m in members if m["id"] not in by_id]
        if missing:
            click.secho(f"注意：{len(missing)} 名党员还没有账号（先运行 hub users）：{'、'.join(missing[:10])}"
                        + ("……" if len(missing) > 10 else ""), fg="yellow", err=True)  # fmt: skip
    if not wanted:
        raise click.UsageError("没有要启动的党员：请给出登录名，或用 --org 指定党组织")
    api = HubAPI(f"http://127.0.0.1:{cfg['hub']['hub_port']}/hub/api", token)
    with click.progressbar(length=len(set(wanted)), label="启动学习页面",
                           file=click.get_text_stream("stderr")) as bar:  # fmt: skip
        outcome = prestart(api, wanted, parallel=parallel, tick=lambda _login: bar.update(1))
    click.echo(outcome.message())
    if outcome.failed:
        raise SystemExit(1)
