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
    Setting("store_kind", None, "元数据库类型（创建工作区时记录；地址缺失时据此拒绝打开）", "the metadata store's kind, recorded at creation, so a missing URL is refused"),
    Setting("lake_dir", "lake", "数据湖目录（相对工作区）", "lake folder, relative to the workspace"),
    Setting("engine", "duckdb", "查询引擎：duckdb 或 spark", "query engine: duckdb or spark"),
    Setting("duckdb_memory_limit", "4GB", "DuckDB 内存上限", "DuckDB memory limit"),
    Setting("duckdb_threads", 0, "DuckDB 线程数，0 表示按 CPU 核数", "DuckDB threads, 0 means one per core"),
    Setting("minutes_per_field", 2.0, "基层每填一个字段所需分钟数（负担估算）", "grassroots minutes to fill one field (burden estimate)"),
    Setting("org_fuzzy_threshold", 85, "按名称匹配行政区划的最低相似度（0-100）", "lowest similarity (0-100) to resolve an org unit by name"),
    Setting("llm_url", None, "可选：OpenAI 兼容接口地址，用于表头匹配重排", "optional OpenAI-compatible endpoint to re-rank header matches"),
    Setting("llm_model", None, "可选：上述接口的模型名", "optional model name for that endpoint"),
    Setting("feedback_due_working_days", 5, "部门答复基层反馈的期限（工作日）", "working days a department has to answer feedback"),
    Setting("attachment_max_mb", 10, "反馈与表外表附件的大小上限（MB）", "largest feedback / outside-form attachment, in MB"),
    Setting("default_period", None, "报表默认期别（如 2025-06）；留空则为上一个完整月份；演示县设为其数据所述的月份", "default report period (e.g. 2025-06); empty means the last complete month; the demo sets the month its data describes"),
    Setting("roster_task_rows", 2_000, "花名册填报任务每个任务的人数上限（超出则拒绝，请按村拆分）", "most persons one roster task lists (beyond it the task is refused: split it by village)"),
    Setting("small_count_threshold", 3, "小于此数的计数对无个人信息权限者显示为 <N（统计披露控制）", "counts below this show as <N to users without personal clearance (disclosure control)"),
)

# Bounds on input and on data loss (biaotong.limits, biaotong.sync.hold); docs/safety.md explains each.
SETTINGS += (
    Setting("sync_max_drop", 0.5, "一次同步行数下降超过此比例（或降为 0）即暂缓启用，需 --accept-drop 确认", "a sync losing more than this share of rows (or all) is held back until --accept-drop"),
    Setting("xlsx_max_cells", 20_000_000, "工作表实际范围（行×列）上限", "most cells (rows × columns of the real extent) a sheet may span"),
    Setting("xlsx_max_columns", 2_000, "工作表列数上限", "most columns a sheet may use"),
    Setting("xlsx_max_uncompressed_mb", 1_024, "工作簿解压后总大小上限（MB）", "most megabytes a workbook may expand to"),
    Setting("xlsx_max_parts", 10_000, "工作簿 zip 部件数上限", "most zip parts a workbook may have"),
    Setting("zip_max_ratio", 200, "zip 部件压缩比上限（防压缩炸弹）", "highest compression ratio of a zip part (zip bombs)"),
    Setting("yaml_max_kb", 10_240, "YAML 文件大小上限（KB）", "largest YAML file, in KB"),
    Setting("yaml_max_depth", 64, "YAML 嵌套层数上限", "deepest YAML nesting"),
    Setting("yaml_max_nodes", 1_000_000, "YAML 展开别名后的节点数上限", "most YAML nodes once aliases are expanded"),
    Setting("json_max_mb", 2_048, "JSON 文件或响应大小上限（MB）", "largest JSON file or response, in MB"),
    Setting("json_max_depth", 64, "JSON 嵌套层数上限", "deepest JSON nesting"),
    Setting("http_total_timeout", 600, "一次 HTTP 同步的总时长上限（秒）", "longest an HTTP source's whole read may take, in seconds"),
    Setting("http_max_body_mb", 512, "单个 HTTP 响应大小上限（MB）", "largest HTTP response body, in MB"),
    Setting("http_max_pages", 100_000, "HTTP 分页数上限", "most pages read from an HTTP source"),
    Setting("expr_max_length", 10_000, "表达式长度上限（字符）", "longest field expression, in characters"),
    Setting("expr_max_depth", 64, "表达式嵌套层数上限", "deepest nesting of a field expression"),
)

BY_NAME = {s.name: s for s in SETTINGS}
