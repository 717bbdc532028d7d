"""The top-level `biaotong serve` command. Thin: it builds the web app over the workspace and runs uvicorn,
in one process or in several worker processes (`--workers`)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from biaotong.cli.common import console, handle_errors, workspace
from biaotong.i18n import msg

HOME_ENV = "BIAOTONG_SERVE_HOME"  # how worker processes find the workspace the parent opened


def default_workers() -> int:
    # One process per core up to 4: requests are CPU-bound Python; more processes than cores only add memory.
    return max(1, min(4, os.cpu_count() or 1))


def worker_app() -> object:
    """The app of one uvicorn worker process (uvicorn's factory): the parent's workspace, opened again here."""
    from biaotong.web import create_app
    from biaotong.workspace import Workspace

    return create_app(Workspace.open(os.environ[HOME_ENV], create=False))


def run_server(ws: object, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from biaotong.web import create_app

    console.print(msg(f"表通网页服务：http://{host}:{port}/  （{workers} 个进程，Ctrl+C 结束）",
                      f"biaotong web app: http://{host}:{port}/  ({workers} worker(s), Ctrl+C to stop)"))
    options = {"host": host, "port": port, "log_level": "warning", "proxy_headers": True, "server_header": False}
    if workers <= 1:
        uvicorn.run(create_app(ws), **options)  # type: ignore[arg-type]
        return
    # Safe across processes: sessions are signed cookies under the workspace's key file, ledger appends lock
    # the store (row lock on PostgreSQL, the write lock with a 60 s wait on SQLite), and the caches in
    # biaotong.reports.cache are checked against the store on every use. The login throttle is per process.
    os.environ[HOME_ENV] = str(ws.home)  # type: ignore[attr-defined]
    uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, **options)  # type: ignore[arg-type]


@handle_errors
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help=msg("监听地址", "address to listen on"))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=msg("端口", "port"))] = 8000,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, max=64, help=msg("工作进程数（默认：CPU 核数，至多 4）",
                                             "worker processes (default: the CPU count, at most 4)"))] = None,
) -> None:
    """启动网页服务与 JSON API。Serve the web app and the JSON API (OpenAPI at /api/openapi.json).

    Example: biaotong serve --host 127.0.0.1 --port 8000 --workers 2
    """
    ws = workspace(ctx)
    from biaotong.auth.users import ensure_admin

    ensure_admin(ws)
    run_server(ws, host, port, workers or default_workers())


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
