"""The demo county 青山县 (fictional): an org tree and ten department systems in their own formats,
with realistic people and realistic mess, for trying biaotong end to end."""

from biaotong.demo.county import generate_county
from biaotong.demo.manifest import DemoManifest, SystemEntry

__all__ = ["DemoManifest", "SystemEntry", "generate_county"]
