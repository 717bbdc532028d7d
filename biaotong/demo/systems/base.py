"""What every department system module gets (the county's truth) and gives back (files, counts, mess)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import yaml

from biaotong.demo.orgs import OrgTree
from biaotong.demo.people import Population
from biaotong.demo.programs import Programs


@dataclass
class Context:
    out_dir: Path
    tree: OrgTree
    pop: Population
    prog: Programs
    seed: int
    pg_url: str | None = None
    pg_schema: str = "demo_rs"

    @property
    def systems_dir(self) -> Path:
        return self.out_dir / "systems"

    @property
    def sources_dir(self) -> Path:
        return self.out_dir / "sources"

    def rng(self, stream: int) -> np.random.Generator:
        """An independent stream per system, so adding a system never changes another's data."""
        return np.random.default_rng([self.seed, 1000 + stream])

    def village_codes(self) -> np.ndarray:
        return np.array([v.code for v in self.tree.villages])

    def village_names(self) -> np.ndarray:
        return np.array([v.name for v in self.tree.villages])

    def township_names(self) -> np.ndarray:
        """Per village: the name of its township."""
        return np.array([self.tree.townships[v.township].name for v in self.tree.villages])


@dataclass
class SystemResult:
    id: str  # gaj, mz, rs, …
    title: str
    department: str  # catalog department id
    kind: str  # sqlite | postgresql | csv | xlsx | json
    files: list[str]  # relative to out_dir
    tables: dict[str, int]  # table (or file) → rows
    sources: list[str]  # source spec files, relative to out_dir
    mess: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class _SpecDumper(yaml.SafeDumper):
    """Multi-line strings (SQL queries) as literal blocks, so a spec stays readable."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SpecDumper.add_representer(str, _str)


def write_source(ctx: Context, spec: dict[str, Any], comment: str) -> str:
    ctx.sources_dir.mkdir(parents=True, exist_ok=True)
    path = ctx.sources_dir / f"{spec['name']}.yaml"
    body = yaml.dump(spec, Dumper=_SpecDumper, allow_unicode=True, sort_keys=False, width=120)
    header = "".join(f"# {line}\n" for line in comment.strip().splitlines())
    path.write_text(header + body, encoding="utf-8")
    return str(path.relative_to(ctx.out_dir))


def pick_rows(rng: np.random.Generator, n: int, rate: float, *, at_least: int = 1) -> np.ndarray:
    """Sorted distinct row indices: about rate·n of them (at least `at_least` when n allows)."""
    k = min(n, max(at_least, round(n * rate))) if n else 0
    return np.sort(rng.choice(n, size=k, replace=False)) if k else np.zeros(0, np.int64)


def with_duplicates(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """The table with exact copies of `rows` placed right after the originals (a double import)."""
    order = np.argsort(np.concatenate([np.arange(table.num_rows), rows]), kind="stable")
    return pa.concat_tables([table, table.take(pa.array(rows))]).take(pa.array(order))


def null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    import pyarrow.compute as pc

    return pc.if_else(pa.array(np.asarray(mask, bool)), pa.scalar(None, arr.type), arr)
