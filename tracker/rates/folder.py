"""The ``rates`` job's work: load the rate files dropped in ``TRACKER_RATES_DIR``, each once.

A file is known by its content (SHA-256), so a file is loaded once whatever it is renamed to,
and a file published again with new rows (``eurofxref-hist.csv`` grows each day) is a new one,
whose rates already on file are left alone. Its table is told by its name: ``eurofxref…`` or
``ecb…`` is the ECB's, ``un…`` the UN operational rates. A file that cannot be imported is
recorded as refused, with the reason, and not tried again; a corrected copy is a new file.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.core.errors import InvalidInput
from tracker.core.models import RateFileLoad
from tracker.core.rates import ECB, UN_OPERATIONAL
from tracker.imports.files import UnreadableFile
from tracker.rates import files, rules

SUFFIXES = (".csv", ".xlsx")


def source_of(name: str) -> str | None:
    """The table a file's name says it holds, or None."""
    lowered = name.lower()
    if lowered.startswith(("eurofxref", "ecb")):
        return ECB
    if lowered.startswith("un"):
        return UN_OPERATIONAL
    return None


def load_new_files(session: Session, folder: Path, config: Mapping) -> tuple[int, str]:
    """Load each file of ``folder`` not seen before; (files taken, a summary line per file)."""
    seen = set(session.scalars(select(RateFileLoad.sha256)))
    said = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES):
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        outcome = _loaded(session, path.name, content, config)
        session.add(RateFileLoad(sha256=digest, name=path.name[:255], outcome=outcome))
        said.append(f"{path.name}: {outcome}")
    session.flush()
    return len(said), " ".join(said) or "No new rate file."


def _loaded(session: Session, name: str, content: bytes, config: Mapping) -> str:
    source = source_of(name)
    if source is None:
        return "refused: name it eurofxref….csv (ECB) or un….csv/.xlsx (UN operational) to say which table it is."
    try:
        table = files.read_file(name, content, source, config, cap_rows=False)
        return rules.import_table(session, table, source, name).summary
    except (UnreadableFile, files.BadRateFile, InvalidInput) as error:
        return f"refused, nothing imported: {error}"
