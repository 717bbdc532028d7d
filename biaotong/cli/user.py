"""`biaotong user ...` (用户). Commands are thin: they call biaotong.services with the acting user."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from biaotong.auth.actor import ROLES
from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg
from biaotong.services import users as svc

app = typer.Typer(no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


@app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help=msg("用户名", "username"))],
    role: Annotated[list[str], typer.Option("--role", help=", ".join(ROLES))],
    name: Annotated[str | None, typer.Option("--name", help=msg("显示名", "display name"))] = None,
    org: Annotated[str | None, typer.Option("--org", help=msg("管辖范围：区划代码（默认全部）", "scope: org unit code (default: all)"))] = None,
    department: Annotated[str | None, typer.Option("--department", help=msg("部门编号，如 civil_affairs", "department id, e.g. civil_affairs"))] = None,
    clearance: Annotated[str | None, typer.Option("--clearance", help="public | staff | cleared")] = None,
    password: Annotated[bool, typer.Option("--password", help=msg("交互输入登录密码", "prompt for a login password"))] = False,
    as_json: JsonOpt = False,
) -> None:
    """新增用户（仅系统管理员）。Add a user (system administrators only).

    Example: biaotong user add wang --role township --org 530927100000 --name 王芳 --password
    """
    secret = typer.prompt(msg("密码", "password"), hide_input=True, confirmation_prompt=True) if password else None
    user = svc.add_user(actor(ctx), workspace(ctx), username, roles=role, display_name=name, org_code=org,
                        department=department, clearance=clearance, password=secret)
    if as_json:
        print_json(user)
        return
    console.print(msg(f"已新增用户 {user['username']}（{'、'.join(user['roles'])}，权限 {user['clearance']}）",
                      f"added user {user['username']} ({', '.join(user['roles'])}, clearance {user['clearance']})"))


@app.command("list")
@handle_errors
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出用户。List users with roles, scope and clearance.

    Example: biaotong user list --json
    """
    rows = svc.list_users(actor(ctx), workspace(ctx))
    if as_json:
        print_json(rows)
        return
    t = Table(msg("用户名", "username"), msg("姓名", "name"), msg("角色", "roles"), msg("范围", "scope"),
              msg("部门", "department"), msg("权限", "clearance"), msg("状态", "state"))
    for u in rows:
        t.add_row(u["username"], u["display_name"], ", ".join(u["roles"]), u["org_code"] or msg("全部", "all"),
                  u["department"] or "—", u["clearance"], msg("停用", "disabled") if u["disabled"] else msg("启用", "active"))
    console.print(t)


@app.command("disable")
@handle_errors
def disable(
    ctx: typer.Context, username: str,
    enable: Annotated[bool, typer.Option("--enable", help=msg("重新启用", "enable again"))] = False,
    as_json: JsonOpt = False,
) -> None:
    """停用（或 --enable 重新启用）用户。Disable a user (or enable again).

    Example: biaotong user disable wang
    """
    svc.disable_user(actor(ctx), workspace(ctx), username, not enable)
    if as_json:
        print_json({"username": username, "disabled": not enable})
        return
    console.print(msg(f"用户 {username} 已{'启用' if enable else '停用'}", f"user {username} {'enabled' if enable else 'disabled'}"))


@app.command("passwd")
@handle_errors
def passwd(
    ctx: typer.Context, username: str,
    stdin: Annotated[bool, typer.Option("--stdin", help=msg("从标准输入读取密码", "read the password from stdin"))] = False,
) -> None:
    """设置登录密码。Set a user's login password (your own, or anyone's as system administrator).

    Example: biaotong user passwd admin
    """
    import sys

    secret = sys.stdin.readline().rstrip("\n") if stdin else typer.prompt(
        msg("新密码", "new password"), hide_input=True, confirmation_prompt=True)
    svc.set_password(actor(ctx), workspace(ctx), username, secret)
    console.print(msg(f"已设置 {username} 的密码", f"password of {username} set"))


@app.command("token")
@handle_errors
def token(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help=msg("令牌所属用户", "owner of the token"))],
    label: Annotated[str, typer.Option("--label", help=msg("用途说明", "what the token is for"))] = "api",
    role: Annotated[list[str] | None, typer.Option("--role", help=msg("角色（默认与所有者相同，不能更多）", "roles (default the owner's; never more)"))] = None,
    org: Annotated[str | None, typer.Option("--org", help=msg("范围（须在所有者范围内）", "scope (within the owner's)"))] = None,
    days: Annotated[int | None, typer.Option("--days", help=msg("有效天数", "days valid"))] = None,
    revoke: Annotated[str | None, typer.Option("--revoke", help=msg("吊销此编号的令牌", "revoke the token with this id"))] = None,
    as_json: JsonOpt = False,
) -> None:
    """为系统发放 API 令牌（只显示一次），或 --revoke 吊销。Issue an API token (shown once), or revoke one.

    Example: biaotong user token etl --label nightly --days 90
    """
    if revoke:
        svc.revoke_token(actor(ctx), workspace(ctx), revoke)
        console.print(msg(f"令牌 {revoke} 已吊销", f"token {revoke} revoked"))
        return
    issued = svc.issue_token(actor(ctx), workspace(ctx), username, label, roles=role, org_code=org, days=days)
    if as_json:
        print_json(issued)
        return
    console.print(msg("令牌（只显示这一次，请妥善保存）：", "token (shown only this once; keep it safe):"))
    typer.echo(issued["token"])
