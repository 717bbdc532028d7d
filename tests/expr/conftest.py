"""Fixtures of the expression tests: the population of expr_population.py, in Parquet and DuckDB."""

from expr_population import catalog, con, lake

__all__ = ["catalog", "con", "lake"]
