"""The app behind a real threaded HTTP server, for tests, benchmarks and screenshots."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args) -> None:
        """Requests that are timed or photographed are counted, not logged line by line."""


@contextmanager
def serving(app: Flask, quiet: bool = False) -> Iterator[str]:
    """Serve ``app`` on a free local port for as long as the block runs; yields its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler if quiet else None)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
