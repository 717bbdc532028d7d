"""JSON over HTTP(S) with httpx: GET `url` (with `params` and `headers`, ${ENV} expanded at request
time), records at `records`, optionally page by page until a short or empty page."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyarrow as pa

from biaotong import limits
from biaotong.errors import SourceError
from biaotong.limits import check_json
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
        # Redirects are followed here, not by httpx, so configured headers never reach another origin.
        with httpx.Client(timeout=conn.timeout, follow_redirects=False) as client:
            fetch = _Fetcher(spec, client, headers, time.monotonic() + limits.get("http_total_timeout"))
            yield from take_limit(self._pages(spec, fetch, url, params, watermark), limit)

    def _pages(
        self, spec: SourceSpec, fetch: _Fetcher, url: str, params: dict[str, Any], watermark: Any
    ) -> Iterator[pa.RecordBatch]:
        paging = spec.connection.paging
        first_row = 1
        page = paging.start if paging else 0
        pages = min(paging.max_pages, int(limits.get("http_max_pages"))) if paging else 1
        for n in range(pages):
            query = dict(params)
            if paging:
                query[paging.page_param] = page
                if paging.size_param:
                    query[paging.size_param] = paging.size
            records = find_records(spec, fetch.json(url, query), safe_url(url))
            if first_row == 1 and records:
                check_columns(spec, record_keys(records), safe_url(url))
            yield from records_to_batches(spec, records, first_row, watermark)
            first_row += len(records)
            if not paging or len(records) < paging.size:
                return
            if n == pages - 1:
                raise limits.refuse(SourceError, safe_url(url), f"已读 {pages:,} 页仍未结束", f"still more after {pages:,} pages", "http_max_pages")
            page += 1


MAX_REDIRECTS = 10


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


class _Fetcher:
    """GET with every bound of the source: one deadline for the whole read, a body size limit, and redirects
    that keep secret headers (and the URL's credentials) to the origin they were configured for."""

    def __init__(self, spec: SourceSpec, client: httpx.Client, headers: dict[str, str], deadline: float) -> None:
        self.spec, self.client, self.headers, self.deadline = spec, client, headers, deadline

    def _fail(self, shown: str, zh: str, en: str, **details: Any) -> SourceError:
        return SourceError(
            f"数据源 {self.spec.name}（{shown}）{zh}", f"source {self.spec.name} ({shown}) {en}",
            source_where(self.spec, key="connection.url"), details={"url": shown, **details},
        )

    def json(self, url: str, query: dict[str, Any]) -> Any:
        shown = safe_url(url)
        body = self._body(url, query, shown)
        check_json(body, shown, SourceError)
        try:
            return json.loads(body.decode("utf-8-sig"))
        except (ValueError, RecursionError):
            raise self._fail(shown, "返回的不是 JSON", "did not answer JSON") from None

    def _body(self, url: str, query: dict[str, Any], shown: str) -> bytes:
        origin = _origin(httpx.URL(url))
        request = self.client.build_request("GET", url, params=query, headers=self.headers)
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self.client.send(request, stream=True)
                try:
                    if response.is_redirect and "location" in response.headers:
                        target = response.url.join(response.headers["location"])
                        same = _origin(target) == origin
                        # Another origin gets no configured header and no credentials: the URL's user:password
                        # was already removed by the join, and the headers are simply not sent.
                        request = self.client.build_request("GET", target, headers=self.headers if same else {})
                        continue
                    if response.status_code >= 400:
                        raise self._fail(shown, f"返回 HTTP {response.status_code}", f"answered HTTP {response.status_code}",
                                         status=response.status_code)
                    return self._read(response, shown)
                finally:
                    response.close()
            except httpx.HTTPError as exc:
                raise self._fail(shown, f"无法连接：{type(exc).__name__} {exc}", f"cannot be reached: {type(exc).__name__} {exc}") from None
        raise self._fail(shown, f"重定向超过 {MAX_REDIRECTS} 次", f"redirected more than {MAX_REDIRECTS} times")

    def _read(self, response: httpx.Response, shown: str) -> bytes:
        max_bytes = int(limits.get("http_max_body_mb") * (1 << 20))
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise limits.refuse(SourceError, shown, f"响应声明大小 {int(declared):,} 字节", f"the response declares {int(declared):,} bytes", "http_max_body_mb")
        parts: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise limits.refuse(SourceError, shown, f"响应超过 {max_bytes:,} 字节", f"the response exceeds {max_bytes:,} bytes", "http_max_body_mb")
            if time.monotonic() > self.deadline:
                raise limits.refuse(SourceError, shown, "读取超过总时长上限", "reading took longer than the total time limit", "http_total_timeout")
            parts.append(chunk)
        if time.monotonic() > self.deadline:
            raise limits.refuse(SourceError, shown, "读取超过总时长上限", "reading took longer than the total time limit", "http_total_timeout")
        return b"".join(parts)
