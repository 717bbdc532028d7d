"""The unified data standard (统一数据标准): departments, entity types, code lists, data elements,
the validators of ID numbers and credit codes, and the effective-dated org tree."""

from biaotong.catalog.loader import PACKAGE_DIR, load_catalog
from biaotong.catalog.model import (
    SENSITIVITY_ORDER,
    Code,
    CodeList,
    DataElement,
    Department,
    EntityType,
    Sensitivity,
    ValueType,
)
from biaotong.catalog.orgtree import LEVELS, OrgTree, OrgUnit, import_org_tree, level_of_code
from biaotong.catalog.standard import Catalog, normalize_term
from biaotong.catalog.validators import (
    check_citizen_id,
    check_uscc,
    citizen_id_birth_date,
    citizen_id_birth_dates,
    citizen_id_sex,
    citizen_id_sexes,
    citizen_id_valid,
    make_citizen_id,
    make_uscc,
    normalize_citizen_id,
    uscc_valid,
)

__all__ = [
    "LEVELS",
    "PACKAGE_DIR",
    "SENSITIVITY_ORDER",
    "Catalog",
    "Code",
    "CodeList",
    "DataElement",
    "Department",
    "EntityType",
    "OrgTree",
    "OrgUnit",
    "Sensitivity",
    "ValueType",
    "check_citizen_id",
    "check_uscc",
    "citizen_id_birth_date",
    "citizen_id_birth_dates",
    "citizen_id_sex",
    "citizen_id_sexes",
    "citizen_id_valid",
    "import_org_tree",
    "level_of_code",
    "load_catalog",
    "make_citizen_id",
    "make_uscc",
    "normalize_citizen_id",
    "normalize_term",
    "uscc_valid",
]
