"""The catalogue of checks, one per module. Built-ins and a province's own checks register the same way:
an entry point in the `biaotong.checks` group naming a `Check` (see pyproject.toml); workspace rules written
in YAML (`<home>/quality/*.yaml`) join them at run time (biaotong.quality.rules)."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from biaotong.quality.model import Check

BUILTIN = (
    "rejected_rows", "id_checksum", "code_list", "required", "implausible_age", "id_birth_sex",
    "dates_in_order", "household_members", "deceased_still_paid", "deceased_still_listed",
    "moved_out_still_paid", "exclusive_programmes", "sources_disagree", "not_in_register",
)


def builtin_checks() -> list[Check]:
    """Every registered check: the entry points of `biaotong.checks` (the built-ins are declared there too),
    and the built-in modules directly when the package metadata is not installed (a source checkout)."""
    found: dict[str, Check] = {}
    for ep in entry_points(group="biaotong.checks"):
        check = ep.load()
        found.setdefault(check.slug, check)
    for name in BUILTIN:
        check = importlib.import_module(f"biaotong.quality.checks.{name}").CHECK
        found.setdefault(check.slug, check)
    return list(found.values())
