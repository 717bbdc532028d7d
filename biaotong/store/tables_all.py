"""Every module that adds tables to the shared MetaData, imported for migrations and schema checks.

A capability keeps its tables beside its code in `biaotong/<capability>/tables.py` (on the shared metadata);
every such module is found here, so adding a capability never edits this file."""

import importlib
import pkgutil
from pathlib import Path

import biaotong
from biaotong.store.schema import metadata

TABLE_MODULES = tuple(
    sorted(
        f"biaotong.{info.name}.tables"
        for info in pkgutil.iter_modules(biaotong.__path__)
        if info.ispkg and (Path(biaotong.__path__[0]) / info.name / "tables.py").exists()
    )
)
for _module in TABLE_MODULES:
    importlib.import_module(_module)

__all__ = ["TABLE_MODULES", "metadata"]
