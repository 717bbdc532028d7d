"""One module per department system; each writes its data the way that department's system does and
the source spec that maps it to the catalog."""

from __future__ import annotations

from collections.abc import Callable

from biaotong.demo.systems import cl, gaj, jy, mz, rs, scjg, tyjr, wj, xczx, yb
from biaotong.demo.systems.base import Context, SystemResult

SYSTEMS: tuple[Callable[[Context], SystemResult], ...] = (
    gaj.build, mz.build, rs.build, cl.build, wj.build, tyjr.build, xczx.build, scjg.build, yb.build, jy.build,
)

__all__ = ["SYSTEMS", "Context", "SystemResult"]
