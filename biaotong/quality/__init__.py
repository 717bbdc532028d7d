"""Data quality (数据质量): a catalogue of checks (one per file in checks/), run after every sync and on
demand, whose findings become work for the department that owns the data: open → sent → fixed (seen gone
in the owner's next snapshot) or explained."""
