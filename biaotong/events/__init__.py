"""Life events (生命周期事件): one change in one system — a birth, a death, a move, a 90th birthday, joining or
leaving a programme — found by diffing a source's new snapshot against its previous one, and fanned out to
every department that subscribed to it in its jurisdiction, as that department's own pre-filled record."""
