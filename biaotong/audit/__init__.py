"""What an auditor (审计/纪检) asks: where a number came from, and proof that the record of it is intact."""

from biaotong.audit.trace import trace

__all__ = ["trace"]
