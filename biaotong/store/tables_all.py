"""Every module that adds tables to the shared MetaData, imported for migrations and schema checks."""

import importlib

from biaotong.store.schema import metadata

# Capabilities that keep their tables beside their code (on the shared metadata) are listed here.
TABLE_MODULES = ("biaotong.ledger.tables",)
for _module in TABLE_MODULES:
    importlib.import_module(_module)

__all__ = ["metadata"]
