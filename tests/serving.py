"""The app behind a real threaded HTTP server, for tests, benchmarks and screenshots."""
from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from tracker import create_app
from tracker.core import schema


@contextmanager
def throwaway_app(name: str) -> Iterator[Flask]:
    """The app on a migrated SQLite file in a temporary folder, gone after the block (for the
    screenshots and the printed documents)."""
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app({"DATABASE_URL": f"sqlite:///{scratch}/{name}.sqlite3", "SECRET_KEY": name,
                          "TRACKER_SEED": ""})
        schema.upgrade(app.extensions["tracker.engine"])
        try:
            yield app
        finally:
            app.extensions["tracker.engine"].dispose()


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


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def signed_in(base: str, email: str, password: str) -> Iterator[requests.Session]:
    """A browser of its own, signed in through the real sign-in form of the app at ``base``."""
    with requests.Session() as browser:
        page = browser.get(f"{base}/login", timeout=60)
        token = CSRF.search(page.text).group(1)
        answer = browser.post(f"{base}/login", data={"email": email, "password": password, "csrf_token": token},
                              allow_redirects=False, timeout=60)
        assert answer.status_code == 302, answer.text[:2000]
        yield browser
