"""User-facing text in Simplified Chinese by default, English on request (BIAOTONG_LANG=en)."""

import os
from contextvars import ContextVar

# A per-request language (the web app: cookie or ?lang=), ahead of the environment.
request_lang: ContextVar[str | None] = ContextVar("biaotong_request_lang", default=None)


def lang() -> str:
    value = (request_lang.get() or os.environ.get("BIAOTONG_LANG", "zh")).lower()
    return "en" if value.startswith("en") else "zh"


def msg(zh: str, en: str) -> str:
    """Pick the text for the current language; both are written at the call site so neither drifts."""
    return en if lang() == "en" else zh
