"""Opening the metadata store and bringing its schema up to date with Alembic."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from biaotong.errors import ConfigError, where

MIGRATIONS = Path(__file__).parent / "migrations"
# Room for the web app's request threads (biaotong.web.app.REQUEST_THREADS), each of which may hold up to three
# connections at once (a task view's transaction, the cache's key check, a report's own reads): 10 + 20 = 30.
POOL = {"pool_size": 10, "max_overflow": 20}


def normalize_url(url: str) -> str:
    """Accept the plain URLs people write (postgresql://, mysql://) and pick the drivers we ship."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("mysql://"):
        return "mysql+pymysql://" + url.split("://", 1)[1]
    return url


def connect(url: str) -> Engine:
    try:
        parsed = make_url(normalize_url(url))
    except Exception as exc:
        raise ConfigError(
            f"元数据库地址无法解析：{exc}", f"cannot parse the metadata store URL: {exc}", where(key="store_url")
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 60}, **POOL)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(parsed, **POOL)
    _ping_when_idle(engine)
    return engine


# A connection back from a request a moment ago is alive; pinging it on every checkout (pool_pre_ping) cost a
# round trip per checkout, several per page on PostgreSQL. One idle for longer than this is pinged first, so
# a server restart or an idle timeout in between is still met with a fresh connection.
IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return  # just opened, or back from use a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
            dbapi_conn.rollback()  # the ping may have opened a transaction; the request starts its own
        except Exception as exc:
            # the pool drops this connection and checks out (or opens) another
            raise DisconnectionError("idle connection is gone") from exc


def reads(engine: Engine) -> Connection:
    """A connection for reads only, each statement committed on its own (autocommit): no BEGIN and ROLLBACK
    round trips around them, which on PostgreSQL were two of every page's few. Under READ COMMITTED each
    statement sees its own snapshot either way; reads that must agree with a write take `engine.begin()`."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Upgrade the store to the newest schema; safe to call on every start.

    "heads": each capability's migrations may branch from the initial schema."""
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
