"""Sending a workbook: written to an anonymous temporary file as its rows stream from the
database, then sent from that file in chunks, so neither the rows nor the file are ever held
in memory."""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import IO

from flask import send_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_workbook(write: Callable[[IO[bytes]], object], name: str):
    """Run ``write`` into a temporary file on disk (gone once closed) and stream it out."""
    handle = tempfile.TemporaryFile()
    try:
        write(handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return send_file(handle, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)
