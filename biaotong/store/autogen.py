"""Developer tool: (re)write the initial migration from schema.py while the project has no release.

    python -m biaotong.store.autogen

Once a release exists, new migrations are added with `alembic revision --autogenerate` instead.
"""

import tempfile
from pathlib import Path

from alembic import command

import biaotong.store.tables_all  # noqa: F401  (registers every capability's tables)
from biaotong.store.db import MIGRATIONS, alembic_config, connect


def main() -> None:
    for old in (MIGRATIONS / "versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = connect(f"sqlite:///{Path(tmp) / 'empty.db'}")
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")


if __name__ == "__main__":
    main()
