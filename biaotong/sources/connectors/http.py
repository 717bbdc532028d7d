"""JSON over HTTP(S) with httpx: GET `url` (with `params` and `headers`, ${ENV} expanded at request
time), records at `records`, optionally page by page until a short or empty page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyarrow as pa

from biaotong.errors import SourceError
from biaotong.sources.connectors.base import Connector, check_columns, source_where, take_limit
from biaotong.sources.connectors.jsonfile import find_records, record_keys, records_to_batches
from biaotong.workspace import expand_env

if TYPE_CHECKING:
    from biaotong.sources.spec import SourceSpec


def safe_url(url: str) -> str:
    """Without credentials or query string (tokens often travel there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class HTTPConnector(Connector):
    kind = "http"
    uses_url = True

    def batches(
        self, spec: SourceSpec, *, watermark: Any = None, limit: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        conn = spec.connection
        assert conn.url is not None
        url = expand_env(conn.url, key="connection.url")
        headers = {k: expand_env(v, key=f"connection.headers.{k}") for k, v in conn.headers.items()}
        params: dict[str, Any] = {
            k: expand_env(v, key=f"connection.params.{k}") if isinstance(v, str) else v for k, v in conn.params.items()
        }
        with httpx.Client(timeout=conn.timeout, headers=headers, follow_redirects=True) as client:
            yield from take_limit(self._pages(spec, client, url, params, watermark), limit)

    def _pages(
        self, spec: SourceSpec, client: httpx.Client, url: str, params: dict[str, Any], watermark: Any
    ) -> Iterator[pa.RecordBatch]:
        paging = spec.connection.paging
        first_row = 1
        page = paging.start if paging else 0
        for _ in range(paging.max_pages if paging else 1):
            query = dict(params)
            if paging:
                query[paging.page_param] = page
                if paging.size_param:
                    query[paging.size_param] = paging.size
            records = find_records(spec, self._get(spec, client, url, query), safe_url(url))
            if first_row == 1 and records:
                check_columns(spec, record_keys(records), safe_url(url))
            yield from records_to_batches(spec, records, first_row, watermark)
            first_row += len(records)
            if not paging or len(records) < paging.size:
                return
            page += 1

    def _get(self, spec: SourceSpec, client: httpx.Client, url: str, query: dict[str, Any]) -> Any:
        shown = safe_url(url)
        try:
            response = client.get(url, params=query)
        except httpx.HTTPError as exc:
            raise SourceError(
                f"无法连接数据源 {spec.name}（{shown}）：{type(exc).__name__} {exc}",
                f"cannot reach source {spec.name} ({shown}): {type(exc).__name__} {exc}",
                source_where(spec, key="connection.url"), details={"url": shown},
            ) from None
        if response.status_code >= 400:
            raise SourceError(
                f"数据源 {spec.name}（{shown}）返回 HTTP {response.status_code}",
                f"source {spec.name} ({shown}) answered HTTP {response.status_code}",
                source_where(spec, key="connection.url"), details={"url": shown, "status": response.status_code},
            )
        try:
            return response.json()
        except ValueError:
            raise SourceError(
                f"数据源 {spec.name}（{shown}）返回的不是 JSON", f"source {spec.name} ({shown}) did not answer JSON",
                source_where(spec, key="connection.url"),
            ) from None
