"""Import every module that adds tables to the shared MetaData, for migrations and create_all."""

import importlib
import pkgutil

import biaotong
from biaotong.store.schema import metadata

# A capability may keep its own tables next to its code (biaotong/<pkg>/tables.py) on the shared metadata.
for info in pkgutil.iter_modules(biaotong.__path__):
    if info.ispkg:
        try:
            importlib.import_module(f"biaotong.{info.name}.tables")
        except ModuleNotFoundError as exc:
            if exc.name != f"biaotong.{info.name}.tables":
                raise

__all__ = ["metadata"]
