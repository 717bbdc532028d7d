"""清溪县 — a second county, generated independently of the demo, to measure biaotong as a new user would.

`generate(out_dir, seed, residents)` writes the org tree, six department systems and eight department forms,
and returns the world (people, records) from which `truth.compute` derives every expected form cell.
No biaotong import anywhere in this package: the truth must not share the product's code.
"""

from .world import World, generate

__all__ = ["World", "generate"]
