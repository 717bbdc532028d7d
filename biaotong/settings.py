"""Every workspace setting in one typed table: name, default, help. Feeds the config file, the CLI and docs.

Order of precedence: environment variable (BIAOTONG_<NAME>), then the workspace's biaotong.yaml, then the
default. Secrets (database passwords) belong in the environment, referenced as ${VAR} in URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help_zh: str
    help_en: str


SETTINGS: tuple[Setting, ...] = (
    Setting("store_url", None, "元数据库地址；留空则使用工作区内的 SQLite 文件", "metadata store URL; empty means the SQLite file in the workspace"),
    Setting("lake_dir", "lake", "数据湖目录（相对工作区）", "lake folder, relative to the workspace"),
    Setting("engine", "duckdb", "查询引擎：duckdb 或 spark", "query engine: duckdb or spark"),
    Setting("duckdb_memory_limit", "4GB", "DuckDB 内存上限", "DuckDB memory limit"),
    Setting("duckdb_threads", 0, "DuckDB 线程数，0 表示按 CPU 核数", "DuckDB threads, 0 means one per core"),
    Setting("minutes_per_field", 2.0, "基层每填一个字段所需分钟数（负担估算）", "grassroots minutes to fill one field (burden estimate)"),
    Setting("org_fuzzy_threshold", 85, "按名称匹配行政区划的最低相似度（0-100）", "lowest similarity (0-100) to resolve an org unit by name"),
    Setting("llm_url", None, "可选：OpenAI 兼容接口地址，用于表头匹配重排", "optional OpenAI-compatible endpoint to re-rank header matches"),
    Setting("llm_model", None, "可选：上述接口的模型名", "optional model name for that endpoint"),
)

BY_NAME = {s.name: s for s in SETTINGS}
