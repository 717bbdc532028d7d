"""表通 biaotong — fetch from systems, don't ask the grassroots (从系统取，不向基层要)."""

__version__ = "0.1.0"
