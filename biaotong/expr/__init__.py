"""Field expressions (指标口径) compiled to SQL trees for DuckDB, Spark and other engines.

The reports engine calls:

    fields = load_fields(spec["fields"], report_id=spec_id)            # FieldExpr per field id
    for entity in entities_of(fields, default=spec_entity):
        q = compile_fields(fields, entity, catalog, period.start, period.end, report_id=spec_id)
        rows = con.execute(q.sql()).fetchall()                         # org_code + one column per field
    prev = previous_needs(fields)  # compile these for period.previous() on the one table as of then
    row_values = derive(fields, values, previous_values)               # ratio / previous / change

See biaotong/expr/README.md for the language and the decisions behind it.
"""

from biaotong.expr.check import LINKS, CatalogLike, Link
from biaotong.expr.compile import CompiledQuery, FieldMeta, OrgRollup, compile_fields, entities_of
from biaotong.expr.derive import check_refs, derive, previous_needs
from biaotong.expr.dialects import DIALECTS, Capabilities, capabilities
from biaotong.expr.explain import explain
from biaotong.expr.fields import FieldExpr, load_fields
from biaotong.expr.helpers import HELPERS

__all__ = [
    "DIALECTS",
    "HELPERS",
    "LINKS",
    "Capabilities",
    "CatalogLike",
    "CompiledQuery",
    "FieldExpr",
    "FieldMeta",
    "Link",
    "OrgRollup",
    "capabilities",
    "check_refs",
    "compile_fields",
    "derive",
    "entities_of",
    "explain",
    "load_fields",
    "previous_needs",
]
