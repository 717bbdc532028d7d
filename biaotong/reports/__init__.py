"""Reports from systems: specs, the indicator library, generation as of a period, exports and lineage."""
