"""A workspace is a folder: its config (biaotong.yaml), the SQLite store (or a PostgreSQL URL), and the lake."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import Engine

from biaotong import limits
from biaotong.errors import ConfigError, where
from biaotong.ledger.keys import ensure_keys
from biaotong.settings import BY_NAME, SETTINGS
from biaotong.store import connect, migrate
from biaotong.yamlfile import read_yaml

if TYPE_CHECKING:
    from biaotong.catalog import Catalog
    from biaotong.catalog.orgtree import OrgTree

CONFIG_FILE = "biaotong.yaml"
_ENV_REF = re.compile(r"\$\{([A-Z0-9_]+)\}")


def expand_env(text: str, *, key: str = "") -> str:
    """Replace ${VAR} by the environment's value, so secrets stay out of config and specs."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise ConfigError(f"环境变量 {name} 未设置", f"environment variable {name} is not set", where(key=key))
        return os.environ[name]

    return _ENV_REF.sub(sub, text)


def default_home() -> Path:
    return Path(os.environ.get("BIAOTONG_HOME", "biaotong-home"))


@dataclass
class Workspace:
    home: Path
    config: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, home: Path | str | None = None, *, create: bool = True, **overrides: Any) -> Workspace:
        root = Path(home) if home is not None else default_home()
        if root.exists() and not root.is_dir():
            raise ConfigError(f"工作区应为目录，这是一个文件：{root}", f"a workspace is a folder; this is a file: {root}", where(file=str(root)))
        if not root.exists():
            if not create:
                raise ConfigError(f"工作区不存在：{root}", f"workspace does not exist: {root}", where(file=str(root)))
            try:
                root.mkdir(parents=True)
            except OSError as exc:
                raise ConfigError(f"无法创建工作区目录：{exc.strerror}", f"cannot create the workspace folder: {exc.strerror}", where(file=str(root))) from None
        ws = cls(root.resolve(), _load_config(root / CONFIG_FILE))
        ws.config.update({k: v for k, v in overrides.items() if v is not None})
        new = not (root / CONFIG_FILE).exists()
        if new and create:
            ws.config["store_kind"] = _store_kind(ws.store_url)  # remembered, so a missing URL is noticed later
            ws.save_config()
        ws._check_store(new)
        limits.configure(ws.config)
        ws.lake_dir.mkdir(parents=True, exist_ok=True)
        migrate(ws.engine)
        signer = ensure_keys(ws.home)  # the ledger's signing key pair is created with the workspace
        if new and create:
            from biaotong.ledger.log import head

            with ws.engine.begin() as conn:  # a signed head from the start: a verifier always has one
                head(conn, signer)
        return ws

    def _check_store(self, new: bool) -> None:
        """Refuse to open a PostgreSQL workspace without its URL (it would open an empty SQLite store), or a
        SQLite workspace whose database file is gone while its lake is not."""
        kind = _store_kind(self.store_url)
        declared = self.config.get("store_kind")
        if declared and declared != kind:
            raise ConfigError(
                f"此工作区的元数据库是 {declared}，但当前地址指向 {kind}；请设置 store_url（或环境变量 BIAOTONG_STORE_URL）后重试，未打开任何数据库",
                f"this workspace's metadata store is {declared} but the URL given points to {kind}; set store_url "
                "(or BIAOTONG_STORE_URL) and try again; no store was opened",
                where(file=str(self.home / CONFIG_FILE), key="store_url"),
            )
        db = self.home / "biaotong.db"
        if not new and kind == "sqlite" and not self.setting("store_url") and not db.exists() and _has_snapshots(self.lake_dir):
            raise ConfigError(
                f"元数据库文件 {db} 不存在，但数据湖中有快照；请恢复该文件（或设置 store_url），未新建空库",
                f"the metadata store {db} is missing while the lake holds snapshots; restore it (or set store_url); "
                "no empty store was created",
                where(file=str(db)),
            )

    def setting(self, name: str) -> Any:
        env = os.environ.get(f"BIAOTONG_{name.upper()}")
        if env is not None:
            return env
        return self.config.get(name, BY_NAME[name].default)

    def save_config(self) -> None:
        data = {s.name: self.config[s.name] for s in SETTINGS if s.name in self.config}
        (self.home / CONFIG_FILE).write_text(
            "# biaotong workspace settings; see `biaotong settings` for every name\n"
            + yaml.safe_dump(data, allow_unicode=True),
            encoding="utf-8",
        )

    @property
    def store_url(self) -> str:
        url = self.setting("store_url")
        if url:
            return expand_env(str(url), key="store_url")
        return f"sqlite:///{self.home / 'biaotong.db'}"

    @cached_property
    def engine(self) -> Engine:
        return connect(self.store_url)

    @property
    def lake_dir(self) -> Path:
        return self.home / str(self.setting("lake_dir"))

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @cached_property
    def catalog(self) -> Catalog:
        from biaotong.catalog import load_catalog

        return load_catalog([self.home / "catalog"] if (self.home / "catalog").exists() else [])

    def org_tree(self) -> OrgTree:
        from biaotong.catalog.orgtree import OrgTree

        with self.engine.connect() as conn:
            return OrgTree.load(conn)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _store_kind(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0].lower()


def _has_snapshots(lake: Path) -> bool:
    return lake.is_dir() and any(p.is_dir() and not p.name.startswith((".", "_")) for p in lake.iterdir())


def _load_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise ConfigError("配置文件应为键值映射", "the config file must be a mapping", where(file=str(path)))
    unknown = sorted(set(data) - set(BY_NAME))
    if unknown:
        raise ConfigError(
            f"未知的设置项：{', '.join(unknown)}", f"unknown settings: {', '.join(unknown)}",
            where(file=str(path), key=unknown[0]),
        )
    return data
