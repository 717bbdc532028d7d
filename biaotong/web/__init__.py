"""The web application (FastAPI JSON API + Jinja2 pages) over biaotong.services; see docs/web.md."""

from biaotong.web.app import create_app

__all__ = ["create_app"]
