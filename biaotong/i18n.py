"""User-facing text in Simplified Chinese by default, English on request (BIAOTONG_LANG=en)."""

import os


def lang() -> str:
    value = os.environ.get("BIAOTONG_LANG", "zh").lower()
    return "en" if value.startswith("en") else "zh"


def msg(zh: str, en: str) -> str:
    """Pick the text for the current language; both are written at the call site so neither drifts."""
    return en if lang() == "en" else zh
