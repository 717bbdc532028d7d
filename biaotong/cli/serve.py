"""The top-level `biaotong serve` command. Thin: it builds the web app over the workspace and runs uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from biaotong.cli.common import console, handle_errors, workspace
from biaotong.i18n import msg


def run_server(ws: object, host: str, port: int) -> None:
    import uvicorn

    from biaotong.web import create_app

    console.print(msg(f"表通网页服务：http://{host}:{port}/  （Ctrl+C 结束）",
                      f"biaotong web app: http://{host}:{port}/  (Ctrl+C to stop)"))
    uvicorn.run(create_app(ws), host=host, port=port, log_level="warning", proxy_headers=True,  # type: ignore[arg-type]
                server_header=False)


@handle_errors
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help=msg("监听地址", "address to listen on"))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=msg("端口", "port"))] = 8000,
) -> None:
    """启动网页服务与 JSON API。Serve the web app and the JSON API (OpenAPI at /api/openapi.json).

    Example: biaotong serve --host 127.0.0.1 --port 8000
    """
    ws = workspace(ctx)
    from biaotong.auth.users import ensure_admin

    ensure_admin(ws)
    run_server(ws, host, port)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
