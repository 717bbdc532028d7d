"""The web app served by a real uvicorn on a free loopback port, over the services' small demo county."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from biaotong.web import create_app
from tests.services.conftest import Demo, demo  # noqa: F401  (the shared session fixture)
from tests.web.browser import browser  # noqa: F401  (the shared chromium fixture)


@pytest.fixture(scope="session")
def base_url(demo: Demo) -> Iterator[str]:  # noqa: F811
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(demo.ws), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
