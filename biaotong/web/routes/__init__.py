"""One module per capability: `api` (APIRouter under /api/...), `pages` (APIRouter of HTML pages) and `nav`
(NavItems). Every module here is included by biaotong.web.app.create_app; see docs/web.md."""
