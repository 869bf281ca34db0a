"""Files the tracker writes are readable by its own account only.

The database, its write-ahead log, backups and uploads hold donors' names and money: on a
shared machine nobody else may read them. Two layers: the process umask is tightened when
the app is created, so every file the process makes (SQLite's WAL and SHM follow the
database file's mode) is private; and the files the tracker creates itself are created
0600 explicitly, which holds even where a server resets the umask after start-up.
"""
from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

#: Permission bits never given to the group or to others.
PRIVATE_UMASK = 0o077


def restrict_umask() -> None:
    """Tighten the process umask so that new files are 0600 and new folders 0700.

    Only adds bits: an operator's stricter umask stays as it is.
    """
    os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600; ``FileExistsError`` if it exists (never overwritten)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def create_private_if_missing(path: Path) -> None:
    """Create ``path`` 0600 unless it exists; a missing folder is left to whoever opens the file
    to report."""
    with suppress(FileExistsError, FileNotFoundError):
        create_private(path)
