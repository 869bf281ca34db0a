"""Open a workbook in LibreOffice headless and read back what it computed and saved, or print it to PDF.

LibreOffice recalculates formulas that carry no cached value (openpyxl writes none) and
saves the results, so the converted copy shows what a person opening the file would see.
The tests need ``soffice``; ``scripts/ensure-system-packages`` installs it for ``make test``.
Without it a test is skipped locally and fails under CI.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        reason = "LibreOffice (soffice) is not installed; run scripts/ensure-system-packages"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def round_trip(content: bytes, folder: Path) -> tuple[Workbook, Workbook]:
    """``content`` saved by LibreOffice as .xlsx: (as written, values only)."""
    source = folder / "original.xlsx"
    source.write_bytes(content)
    converted = folder / "converted"
    profile = (folder / "lo-profile").as_uri()  # a private profile: no clash with a running LibreOffice
    subprocess.run([soffice(), "--headless", "--norestore", f"-env:UserInstallation={profile}",
                    "--convert-to", "xlsx", "--outdir", str(converted), str(source)],
                   check=True, capture_output=True, timeout=180)
    path = converted / "original.xlsx"
    with warnings.catch_warnings():  # LibreOffice adds extensions openpyxl does not read; not our concern
        warnings.simplefilter("ignore", UserWarning)
        return load_workbook(path), load_workbook(path, data_only=True)


def to_pdf(content: bytes, folder: Path) -> Path:
    """``content`` (an .xlsx) printed to PDF by LibreOffice, every sheet as its page setup says."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "original.xlsx"
    source.write_bytes(content)
    profile = (folder / "lo-profile").as_uri()
    subprocess.run([soffice(), "--headless", "--norestore", f"-env:UserInstallation={profile}",
                    "--convert-to", "pdf", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=180)
    return folder / "original.pdf"
