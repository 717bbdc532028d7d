"""The connector registry: built-ins and third-party connectors register the same way.

A province adds a connector without forking by shipping a package with

    [project.entry-points."biaotong.connectors"]
    dameng = "biaotong_dameng:DamengConnector"

The built-ins are listed below in the same "module:Class" form and go through `register_connector` too;
an entry point with the same name as a built-in replaces it.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from biaotong.errors import SourceError, where
from biaotong.sources.connectors.base import Connector, check_columns, redact_url, take_limit

ENTRY_POINT_GROUP = "biaotong.connectors"

BUILTINS: dict[str, str] = {
    "sqlite": "biaotong.sources.connectors.sqlite:SQLiteConnector",
    "postgresql": "biaotong.sources.connectors.postgresql:PostgresConnector",
    "mysql": "biaotong.sources.connectors.mysql:MySQLConnector",
    "csv": "biaotong.sources.connectors.csvfile:CSVConnector",
    "xlsx": "biaotong.sources.connectors.xlsx:XLSXConnector",
    "xls": "biaotong.sources.connectors.sheets:SpreadsheetConnector",
    "et": "biaotong.sources.connectors.sheets:WPSConnector",
    "json": "biaotong.sources.connectors.jsonfile:JSONFileConnector",
    "http": "biaotong.sources.connectors.http:HTTPConnector",
}

_registry: dict[str, type[Connector] | str] = {}
_loaded = False


def register_connector(kind: str, target: type[Connector] | str) -> None:
    """Register a connector class (or its "module:Class" path, imported on first use) under `kind`."""
    _registry[kind] = target


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for kind, target in BUILTINS.items():
        register_connector(kind, target)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        register_connector(ep.name, ep.value)


def reload_connectors() -> None:
    """Forget every registration and read the built-ins and entry points again (after installing a plugin)."""
    global _loaded
    _registry.clear()
    _loaded = False
    _ensure_loaded()


def connector_kinds() -> list[str]:
    _ensure_loaded()
    return sorted(_registry)


def connector_class(kind: str) -> type[Connector]:
    """The connector class for `kind`; SourceError listing the known kinds if there is none."""
    _ensure_loaded()
    target = _registry.get(kind)
    if target is None:
        known = ", ".join(sorted(_registry))
        raise SourceError(
            f"未知的数据源类型 {kind}（可用：{known}）", f"unknown source kind {kind} (known: {known})",
            where(key="connection.kind"),
        )
    if isinstance(target, str):
        module, _, attr = target.partition(":")
        cls = getattr(importlib.import_module(module), attr)
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise SourceError(
                f"{target} 不是 Connector 的子类", f"{target} is not a Connector subclass", where(key="connection.kind")
            )
        _registry[kind] = cls
        return cls
    return target


def open_connector(kind: str) -> Connector:
    return connector_class(kind)()


__all__ = [
    "BUILTINS",
    "ENTRY_POINT_GROUP",
    "Connector",
    "check_columns",
    "connector_class",
    "connector_kinds",
    "open_connector",
    "redact_url",
    "register_connector",
    "reload_connectors",
    "take_limit",
]
