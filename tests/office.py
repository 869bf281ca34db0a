"""People using a served app at the same time, through its real pages and over HTTP: editors
saving contributions, an officer importing a file. For the test of saves made during an import
(tests/web/test_import_jobs.py) and for the import benchmark (tests/benchmarks/bench_imports.py).

Every loop here is bounded in count; a request that gets no answer gives up after ``TIMEOUT``.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urljoin

import requests

from tests import factories
from tests.conftest import hidden_fields
from tests.serving import CSRF, signed_in

#: Seconds a request may go unanswered before it counts as failed.
TIMEOUT = 60

T = TypeVar("T")


@dataclass
class Saves:
    """What one editor posted: each reference, the status the form answered (302 when saved) and
    the seconds the answer took."""

    answers: list[tuple[str, int, float]] = field(default_factory=list)

    @property
    def errors(self) -> list[tuple[str, int]]:
        return [(reference, status) for reference, status, _ in self.answers if status != 302]

    @property
    def saved(self) -> list[str]:
        return [reference for reference, status, _ in self.answers if status == 302]


def signed_in_one_by_one(base: str, email: str, count: int) -> list[requests.Session]:
    """``count`` browsers signed in, one after another: people at work signed in long before.

    Not all at once: what is measured is saving, not signing in (argon2 is slow on purpose).
    """
    return [signed_in(base, email, factories.PASSWORD) for _ in range(count)]


def keep_saving(browser: requests.Session, base: str, gap: str, editor: int, started: threading.Barrier | None,
                until: threading.Event, at_least: int, at_most: int) -> Saves:
    """Save contributions through the form of ``gap`` with ``browser``, one after another, at least
    ``at_least`` and then until ``until`` is set, never more than ``at_most``. ``started`` is
    passed once the first save is answered, so that what the caller starts next overlaps the saves."""
    saves, url = Saves(), f"{base}/gaps/{gap}/contributions/new"
    for number in range(at_most):
        if number >= at_least and until.is_set():
            break
        reference, sent = f"E{editor}-{number}", time.perf_counter()
        status = _save(browser, url, editor, number, reference)
        saves.answers.append((reference, status, time.perf_counter() - sent))
        if number == 0 and started is not None:
            started.wait(timeout=TIMEOUT)
    return saves


def saving_while(base: str, browsers: list[requests.Session], gap: str, meanwhile: Callable[[], T], *,
                 at_least: int, at_most: int = 500, first_editor: int = 0) -> tuple[T, list[Saves]]:
    """Each of ``browsers`` saves contributions (``keep_saving``, as editor ``first_editor`` + n) while
    ``meanwhile()`` runs, from the moment each has saved once; what it returned, and their saves."""
    started, done = threading.Barrier(len(browsers) + 1), threading.Event()
    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        saving = [pool.submit(keep_saving, browser, base, gap, first_editor + n, started, done, at_least, at_most)
                  for n, browser in enumerate(browsers)]
        started.wait(timeout=TIMEOUT)
        try:
            outcome = meanwhile()
        finally:
            done.set()
        return outcome, [future.result() for future in saving]


def _save(browser: requests.Session, url: str, editor: int, number: int, reference: str) -> int:
    """Open the form and post it: the status answered, 0 for no answer at all."""
    try:
        page = browser.get(url, timeout=TIMEOUT)
        return browser.post(url, data={**hidden_fields(page.text), **_contribution(editor, number, reference)},
                            allow_redirects=False, timeout=TIMEOUT).status_code
    except requests.RequestException:
        return 0


def _contribution(editor: int, number: int, reference: str) -> dict[str, str]:
    return {"donor_id": "", "new_donor": f"Editor donor {editor}", "donor_type": "government", "donor_country": "JP",
            "amount": f"{100 + number}.25", "currency": "USD", "rate": "", "rate_date": "", "status": "committed",
            "decision_date": "2026-11-01", "reference": reference, "note": ""}


def chosen(page: str) -> dict:
    """The selects of a form as the page presents them (the options selected), ready to post back."""
    fields = {}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body)
        fields[name] = next((g for g in selected.groups() if g is not None), "") if selected else ""
    return fields


def import_file(base: str, email: str, filename: str, content: bytes) -> requests.Response:
    """Upload ``content``, keep the columns the page guesses, press Import; the last answer."""
    with signed_in(base, email, factories.PASSWORD) as browser:
        token = CSRF.search(browser.get(f"{base}/import", timeout=TIMEOUT).text).group(1)
        uploaded = browser.post(f"{base}/import", data={"csrf_token": token},
                                files={"spreadsheet": (filename, content)}, allow_redirects=False, timeout=TIMEOUT)
        if uploaded.status_code != 302:
            raise AssertionError(f"the upload answered {uploaded.status_code}: {uploaded.text[-500:]}")
        columns = urljoin(base, uploaded.headers["Location"])
        page = browser.get(columns, timeout=TIMEOUT).text
        return browser.post(columns, data={**hidden_fields(page), **chosen(page), "confirm": "1"},
                            allow_redirects=False, timeout=TIMEOUT)
