"""Opening DuckDB with the workspace's limits, and quoting the names and paths we put into its SQL.

Only our own identifiers (element codes validated by the catalog) and our own file paths are quoted here;
user expressions never reach SQL as text (biaotong.expr builds SQLGlot trees).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def connect(ws: Workspace | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB; with a workspace, its duckdb_threads and duckdb_memory_limit settings apply."""
    config: dict[str, str] = {"preserve_insertion_order": "false"}
    if ws is not None:
        config["memory_limit"] = str(ws.setting("duckdb_memory_limit"))
        threads = int(ws.setting("duckdb_threads") or 0)
        if threads:
            config["threads"] = str(threads)
    return duckdb.connect(config=config)


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
