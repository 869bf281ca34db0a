"""The printed documents: a ledger that has every kind of line a workbook shows, the workbooks
downloaded through the app, printed to PDF by LibreOffice, read back with pdfplumber, and
their first pages rendered to PNG by ``make screenshots``.

Usage: ``python -m tests.reports.documents [FOLDER]`` (``make screenshots`` calls it; default
docs/screenshots).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pdfplumber

from tests import factories
from tests.conftest import sign_in
from tests.libreoffice import to_pdf
from tests.serving import throwaway_app
from tracker.contributions.rules import cancel_contribution, write_off
from tracker.core import db
from tracker.donors import rules as donors
from tracker.gaps import rules as gaps
from tracker.gaps import seed
from tracker.gaps.snapshots import record_snapshots

#: The documents printed: file name stem → the URL that downloads the workbook.
DOCUMENTS = {"status-workbook": "/reports/status.xlsx", "contributions-export": "/reports/contributions.xlsx"}
#: The donor whose statement is printed: the one with an overdue instalment and a payment at another rate.
STATEMENT_DONOR = "European Union — Directorate-General for International Partnerships"


def statement_url(session) -> str:
    """Where the example ledger's statement downloads."""
    return f"/donors/{donors.find_donor(session, STATEMENT_DONOR).id}/statement.xlsx"


def example_ledger(session, today: date) -> None:
    """What a programme has after some months: commitments in three currencies, a pledge, a
    payment at another rate, an over-payment, a contribution marked paid, a write-off, a
    cancellation, a schedule with an overdue instalment and a month of snapshots."""
    seed.load_seed(session, "ilo-cambodia")
    agri, sme = gaps.get_gap(session, "KHM-AGRI"), gaps.get_gap(session, "KHM-SME")
    month_ago = today - timedelta(days=30)
    record_snapshots(session, datetime.combine(month_ago, time(23), UTC))
    eu = factories.add_contribution(session, agri, "1000000.00", currency="EUR", rate="0.92",
                                    donor="European Union — Directorate-General for International Partnerships",
                                    reference="EU-2026-11-SOCIAL-PROTECTION-CAMBODIA", decision_date=month_ago)
    factories.add_schedule(session, eu, 4, first_due=today - timedelta(days=10))
    factories.add_payment(session, eu, "150000.00", rate="0.91", received=today - timedelta(days=12))
    record_snapshots(session, datetime.combine(today - timedelta(days=20), time(23), UTC))
    japan = factories.add_contribution(session, sme, "30000000", currency="JPY", rate="150",
                                       donor="Government of Japan", reference="JP-2026-01", decision_date=month_ago)
    factories.add_payment(session, japan, "30000000", rate="152", received=today - timedelta(days=9))
    korea = factories.add_contribution(session, sme, "50000.00", donor="Korea International Cooperation Agency",
                                       reference="KOICA-7", decision_date=month_ago)
    factories.add_payment(session, korea, "50500.00", received=today - timedelta(days=8))
    factories.add_contribution(session, sme, "40000.00", donor="Sweden (Sida)", status="paid",
                               reference="SIDA-PAID-1", decision_date=month_ago)
    record_snapshots(session, datetime.combine(today - timedelta(days=8), time(23), UTC))
    kuwait = factories.add_contribution(session, agri, "30000.000", currency="KWD", rate="0.3071",
                                        donor="Kuwait Fund for Arab Economic Development", reference="KFAED-12",
                                        decision_date=month_ago)
    factories.add_payment(session, kuwait, "10000.000", rate="0.3069", received=today - timedelta(days=5))
    write_off(session, kuwait, "The fund closed its 2026 window; the rest will not be paid.", kuwait.version)
    withdrawn = factories.add_contribution(session, agri, "75000.00", donor="ILO Regular Budget Supplementary Account",
                                           decision_date=month_ago)
    cancel_contribution(session, withdrawn, "Replaced by the EU agreement", withdrawn.version)
    factories.add_contribution(session, agri, "2500000.00", donor="World Bank", status="pledged",
                               reference="WB-PIPE-3", decision_date=month_ago)
    record_snapshots(session, datetime.combine(today - timedelta(days=1), time(23), UTC))
    factories.add_user(session, "officer@example.org", "editor")


@dataclass(frozen=True)
class Printed:
    """A workbook as LibreOffice printed it: every page's text and the sizes of its characters."""

    pdf: Path
    pages: list[str]
    sizes: list[float]
    clipped: list[str]  # header text printed outside its header cell

    @property
    def smallest(self) -> float:
        return min(self.sizes)

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    def pages_of(self, sheet: str) -> list[int]:
        """Indexes of the pages of ``sheet`` (each footer names its sheet)."""
        footer = re.compile(rf"^{re.escape(sheet)} Page \d+ of \d+", re.MULTILINE)
        return [n for n, page in enumerate(self.pages) if footer.search(page)]

    def first_page_of(self, sheet: str) -> int:
        return self.pages_of(sheet)[0]

    def words_of(self, sheet: str) -> set[str]:
        """Every word printed on ``sheet``'s pages."""
        return {word for n in self.pages_of(sheet) for word in self.pages[n].split()}


def printed(content: bytes, folder: Path) -> Printed:
    """``content`` (an .xlsx) printed to PDF by LibreOffice and read back."""
    pdf = to_pdf(content, folder)
    with pdfplumber.open(pdf) as document:
        pages = [page.extract_text() or "" for page in document.pages]
        sizes = [char["size"] for page in document.pages for char in page.chars if char["text"].strip()]
        clipped = [char["text"] for page in document.pages for char in _outside_header_cells(page)]
    return Printed(pdf, pages, sizes, clipped)


def _outside_header_cells(page) -> list[dict]:
    """The header characters (white) that stick out of every header cell (the blue fills)."""
    cells = [r for r in page.rects if _is_header_fill(r.get("non_stroking_color"))]
    return [char for char in page.chars
            if char["text"].strip() and tuple(char.get("non_stroking_color") or ()) == (1.0, 1.0, 1.0)
            and not any(r["x0"] - 0.5 <= char["x0"] and char["x1"] <= r["x1"] + 0.5
                        and r["top"] - 0.5 <= char["top"] and char["bottom"] <= r["bottom"] + 0.5 for r in cells)]


def _is_header_fill(colour) -> bool:
    """The headers' fill, 1F4E8C, as the PDF gives it (0 to 1 per channel)."""
    expected = (0x1F / 255, 0x4E / 255, 0x8C / 255)
    return colour is not None and len(colour) == 3 and all(abs(a - b) < 0.01 for a, b in zip(colour, expected))


def render_page(pdf: Path, page: int, target: Path) -> Path:
    """Page ``page`` (from 0) of ``pdf`` as a PNG at 96 dpi: what 100 % zoom shows."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm is not installed; run scripts/ensure-system-packages")
    subprocess.run([pdftoppm, "-png", "-r", "96", "-f", str(page + 1), "-l", str(page + 1), "-singlefile",
                    str(pdf), str(target.with_suffix(""))], check=True, timeout=120)
    return target


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "docs/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    with throwaway_app("documents") as app, tempfile.TemporaryDirectory() as scratch:
        with db.writing() as session:
            example_ledger(session, datetime.now(UTC).date())
            user = session.query(factories.User).filter_by(email="officer@example.org").one()
            browser = app.test_client()
            sign_in(browser, user)
            documents = {**DOCUMENTS, "donor-statement": statement_url(session)}
        for name, url in documents.items():
            response = browser.get(url)
            assert response.status_code == 200, response.status_code
            done = printed(response.data, Path(scratch) / name)
            print(render_page(done.pdf, 0, folder / f"{name}.png"))
            sheets = {"status-workbook": ("Schedule", "History"), "donor-statement": ("Movements", "Instalments")}
            for sheet in sheets.get(name, ()):
                print(render_page(done.pdf, done.first_page_of(sheet), folder / f"{name}-{sheet.lower()}.png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
