"""The app behind a real threaded HTTP server, for tests, benchmarks and screenshots; and the
app's commands (gunicorn, the scheduler) in processes of their own."""
from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from tracker import create_app
from tracker.core import schema

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def throwaway_app(name: str) -> Iterator[Flask]:
    """The app on a migrated SQLite file in a temporary folder, gone after the block (for the
    screenshots and the printed documents)."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/{name}.sqlite3"
        schema.upgrade_database(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": name, "TRACKER_SEED": ""})
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


def signed_in(base: str, email: str, password: str) -> requests.Session:
    """A browser of its own, signed in through the real sign-in form of the app at ``base``
    (a ``requests.Session``: use it in a ``with`` block to close it)."""
    browser = requests.Session()
    token = CSRF.search(browser.get(f"{base}/login", timeout=60).text).group(1)
    answer = browser.post(f"{base}/login", data={"email": email, "password": password, "csrf_token": token},
                          allow_redirects=False, timeout=60)
    if answer.status_code != 302:
        browser.close()
        raise AssertionError(f"signing in answered {answer.status_code}: {answer.text[:500]}")
    return browser


def app_env(database_url: str, **settings) -> dict[str, str]:
    """The environment of an app process on the test database, with ``settings`` on top.

    With the dev requirements installed (pandas, for the export benchmark), openpyxl imports
    numpy, whose OpenBLAS starts a pool of math threads; held to one, so that counting threads
    counts only what the app itself starts.
    """
    return {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret", "TRACKER_SEED": "",
            "PYTHONUNBUFFERED": "1", "OPENBLAS_NUM_THREADS": "1",
            **{name: str(value) for name, value in settings.items()}}


class AppProcess:
    """A command of the app in a process of its own, its output collected line by line."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.popen = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, start_new_session=True)
        self.output: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.output.append(line)
            self._lines.put(line)

    def wait_for(self, fragment: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.1)
            except queue.Empty:
                if self.popen.poll() is not None and self._lines.empty():
                    break
                continue
            if fragment in line:
                return line
        raise AssertionError(f"{fragment!r} never appeared; output:\n{''.join(self.output)}")

    def stop(self, how: int = signal.SIGTERM) -> int:
        """Signal the process (and, for a script, its children: the whole process group); reap it."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, how)
        return self.popen.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_command(port: int, workers: int = 4) -> list[str]:
    """The Procfile's production command, on a local port."""
    return [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--no-control-socket",
            "tracker:create_app()"]


def get_status(url: str, patience: float = 30) -> int:
    """The status of a GET of ``url``, asked again while nothing listens there yet."""
    deadline = time.monotonic() + patience
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
