"""Opening the metadata store and bringing its schema up to date with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

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
    return create_engine(parsed, pool_pre_ping=True, **POOL)


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
