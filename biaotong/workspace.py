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
        if not root.exists():
            if not create:
                raise ConfigError(f"工作区不存在：{root}", f"workspace does not exist: {root}", where(file=str(root)))
            root.mkdir(parents=True)
        ws = cls(root.resolve(), _load_config(root / CONFIG_FILE))
        ws.config.update({k: v for k, v in overrides.items() if v is not None})
        if create and not (root / CONFIG_FILE).exists():
            ws.save_config()
        ws.lake_dir.mkdir(parents=True, exist_ok=True)
        migrate(ws.engine)
        ensure_keys(ws.home)  # the ledger's signing key pair is created with the workspace
        return ws

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
