"""The one table (一表): per entity type, one view merging every source's snapshot on the entity key.

For each data element the authoritative source (一数一源) wins and the others fill gaps; every disagreement
between sources is kept as a conflict, countable and ready for the quality work.
"""

from biaotong.onetable.conflicts import conflict_report
from biaotong.onetable.merge import MergedEntity, OneTableState, build_entity, register

__all__ = ["MergedEntity", "OneTableState", "build_entity", "conflict_report", "register"]
