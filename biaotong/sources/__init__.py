"""Sources (数据源): reading department systems and mapping their columns to the standard's data elements.

    spec = load_source_spec("sources/gaj_population.yaml", catalog)
    preview = test_source(spec, catalog, org_tree, limit=20)
    for part in read_mapped(spec, catalog, org_tree, watermark=None):
        ...  # part.mapped, part.rejects, part.watermark
"""

from biaotong.sources.connectors import (
    ENTRY_POINT_GROUP,
    Connector,
    connector_class,
    connector_kinds,
    open_connector,
    redact_url,
    register_connector,
)
from biaotong.sources.mapping import ARROW_TYPES, REJECT_SCHEMA, map_batch, mapped_schema
from biaotong.sources.orgs import OrgResolver
from biaotong.sources.preview import MappedBatch, SourcePreview, read_mapped, test_source
from biaotong.sources.spec import (
    ColumnMap,
    Connection,
    SourceSpec,
    SyncSpec,
    load_source_spec,
    parse_source_spec,
)
from biaotong.sources.watermark import batch_watermark, decode_watermark, encode_watermark

__all__ = [
    "ARROW_TYPES",
    "ENTRY_POINT_GROUP",
    "REJECT_SCHEMA",
    "ColumnMap",
    "Connection",
    "Connector",
    "MappedBatch",
    "OrgResolver",
    "SourcePreview",
    "SourceSpec",
    "SyncSpec",
    "batch_watermark",
    "connector_class",
    "connector_kinds",
    "decode_watermark",
    "encode_watermark",
    "load_source_spec",
    "map_batch",
    "mapped_schema",
    "open_connector",
    "parse_source_spec",
    "read_mapped",
    "redact_url",
    "register_connector",
    "test_source",
]
