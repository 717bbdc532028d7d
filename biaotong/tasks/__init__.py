"""Grassroots tasks (填报任务): a published report becomes one pre-filled task per unit; only what no system
holds is asked, once, and reused by every report that needs it; submissions are reviewed by level; wrong
pre-filled values go to the system that owns them as corrections; each unit gets its own data back."""
