"""Counts in sentences: "1 snapshot", "2 snapshots", "1,204 contributions" — never "1 snapshot(s)".

Shared by pages (the ``counted`` template filter), charts' text alternatives and flash messages.
"""
from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` with thousands separators and ``noun`` in the form that agrees with it
    (``plural`` where adding "s" is wrong: "1 donor user", "2 donor users")."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"
