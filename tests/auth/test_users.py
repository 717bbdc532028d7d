"""Users, passwords and tokens in a real store (SQLite and PostgreSQL): the CLI acts as a named user, an
unknown user is refused, passwords are argon2 with lockout, tokens are never wider than their owner."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from biaotong.auth.passwords import MAX_FAILURES, authenticate
from biaotong.auth.tables import api_tokens, users
from biaotong.auth.tokens import actor_for_token, create_token, revoke_token
from biaotong.auth.users import ADMIN, add_user, resolve_actor, set_disabled, set_password
from biaotong.cli.main import app
from biaotong.errors import AccessDenied, ConfigError
from biaotong.ledger.tables import ledger_entries
from biaotong.workspace import Workspace
from tests.reports.county import T1, T2, V11, County, install, make_county

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def county() -> County:
    return make_county(n_households=30)


@pytest.fixture
def ws(workspace: Workspace, county: County) -> Workspace:
    install(workspace, county)
    return workspace


def test_default_actor_is_the_workspace_administrator(ws: Workspace) -> None:
    admin = resolve_actor(ws, None)
    assert admin.username == ADMIN and admin.has_role("sysadmin") and admin.org_code is None
    with pytest.raises(AccessDenied):
        resolve_actor(ws, "mallory")
    add_user(ws, "sun", roles=["auditor"], by=admin.username)
    with ws.engine.connect() as conn:
        changes = conn.execute(sa.select(ledger_entries.c.actor, ledger_entries.c.object)
                               .where(ledger_entries.c.action == "user.change")).all()
    assert [tuple(c) for c in changes] == [("admin", "user:sun")]  # the administrator comes with the workspace


def test_user_roles_scope_and_clearance(ws: Workspace) -> None:
    u = add_user(ws, "li", roles=["township"], org_code=T1, password=PASSWORD, by="admin")
    assert u.clearance == "staff" and u.has_password
    a = resolve_actor(ws, "li")
    assert a.roles == {"township"} and a.org_code == T1
    with pytest.raises(ConfigError):
        add_user(ws, "bad", roles=["overlord"])
    with pytest.raises(ConfigError):
        add_user(ws, "nowhere", roles=["grassroots"], org_code="999999999999")
    with pytest.raises(ConfigError):
        add_user(ws, "li", roles=["auditor"])
    set_disabled(ws, "li")
    with pytest.raises(AccessDenied):
        resolve_actor(ws, "li")


def test_password_is_argon2_and_login_locks_after_failures(ws: Workspace) -> None:
    add_user(ws, "wang", roles=["grassroots"], org_code=V11, password=PASSWORD)
    with ws.engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash).where(users.c.username == "wang")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert authenticate(ws, "wang", PASSWORD).org_code == V11
    with pytest.raises(AccessDenied) as unknown:
        authenticate(ws, "nobody", PASSWORD)
    with pytest.raises(AccessDenied) as wrong:
        authenticate(ws, "wang", "wrong password")
    assert unknown.value.en == wrong.value.en  # the form does not tell which names exist
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AccessDenied):
            authenticate(ws, "wang", "wrong password")
    with pytest.raises(AccessDenied) as locked:
        authenticate(ws, "wang", PASSWORD)  # even the right password, while locked
    assert "locked" in locked.value.en
    assert authenticate(ws, "wang", PASSWORD, now=datetime.now(UTC) + timedelta(minutes=16)).username == "wang"
    with pytest.raises(ConfigError):
        set_password(ws, "wang", "short")


def test_tokens_are_hashed_scoped_and_revocable(ws: Workspace) -> None:
    add_user(ws, "etl", roles=["township", "auditor"], org_code=T1)
    issued = create_token(ws, "etl", "nightly", roles=["township"])
    with ws.engine.connect() as conn:
        row = conn.execute(sa.select(api_tokens)).one()
    assert issued.token.split("_", 2)[2] not in json.dumps(row._asdict(), default=str)
    a = actor_for_token(ws, issued.token)
    assert a.roles == {"township"} and a.org_code == T1 and a.username == "etl"
    with pytest.raises(ConfigError):
        create_token(ws, "etl", "wider", roles=["data_admin"])
    with pytest.raises(ConfigError):
        create_token(ws, "etl", "elsewhere", org_code=T2)
    with pytest.raises(AccessDenied):
        actor_for_token(ws, issued.token[:-2] + "xx")
    revoke_token(ws, issued.id)
    with pytest.raises(AccessDenied):
        actor_for_token(ws, issued.token)


def test_cli_acts_as_the_named_user(ws: Workspace) -> None:
    home = str(ws.home)
    env = {"BIAOTONG_STORE_URL": ws.store_url} if not ws.store_url.startswith("sqlite") else {}
    run = CliRunner(env=env).invoke
    r = run(app, ["--home", home, "user", "add", "zhao", "--role", "designer", "--department", "civil_affairs"])
    assert r.exit_code == 0, r.output
    r = run(app, ["--home", home, "--as", "zhao", "report", "list", "--json"])
    assert r.exit_code == 0, r.output
    assert {x["department"] for x in json.loads(r.output)} == {"civil_affairs"}
    r = run(app, ["--home", home, "--as", "zhao", "user", "list"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = run(app, ["--home", home, "--as", "ghost", "report", "list"])
    assert r.exit_code == 2
    r = run(app, ["--home", home, "report", "explain", "mz_dibao_tekun", "--period", "2025-06", "--org", V11,
                  "--field", "dibao_n", "--role", "cleared"])
    assert r.exit_code != 0  # no role is taken from a flag
    r = run(app, ["--home", home, "user", "token", "zhao", "--label", "ci", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["token"].startswith("bt_")
