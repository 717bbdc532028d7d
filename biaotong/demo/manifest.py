"""What a generated demo county holds: systems, files, row counts and the mess injected on purpose."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_FILE = "manifest.json"


@dataclass
class SystemEntry:
    id: str
    title: str
    department: str
    kind: str  # sqlite | postgresql | csv | xlsx | json
    files: list[str]  # relative to the demo folder
    tables: dict[str, int]  # table/sheet/file → data rows
    sources: list[str]  # source spec YAMLs, relative to the demo folder
    mess: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class DemoManifest:
    seed: int
    residents: int
    households: int
    reference_date: str
    org_tree: str  # relative path of the org tree YAML
    townships: int
    villages: int  # units ever (incl. the two merged away)
    villages_current: int
    events: list[dict[str, Any]]
    population: dict[str, int]
    systems: list[SystemEntry]
    files: dict[str, str]  # relative path → SHA-256
    pg_schema: str | None = None
    pg_env: str | None = None  # environment variable the PostgreSQL source specs read the URL from
    seconds: float = 0.0

    def system(self, system_id: str) -> SystemEntry:
        for s in self.systems:
            if s.id == system_id:
                return s
        raise KeyError(system_id)

    @property
    def sources(self) -> list[str]:
        return [src for s in self.systems for src in s.sources]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, out_dir: Path) -> Path:
        path = out_dir / MANIFEST_FILE
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        return path

    @classmethod
    def load(cls, out_dir: Path) -> DemoManifest:
        data = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        data["systems"] = [SystemEntry(**s) for s in data["systems"]]
        return cls(**data)
