"""Errors a user can cause. The web layer turns them into a 400 or 409 with the message beside
the field; the CLI into a one-line reason and a non-zero exit."""
from __future__ import annotations


class InvalidInput(ValueError):
    """A value breaks a rule of the ledger. ``field`` names the form field it belongs to
    (None for the form as a whole)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class EditConflict(Exception):
    """Someone saved the record after this edit began; saving would overwrite their change."""

    def __init__(self, what: str = "This record"):
        super().__init__(
            f"{what} was changed by someone else while you were editing it. "
            "Nothing was saved: review the current values and make your change again."
        )


class LikelyDuplicate(Exception):
    """What is being recorded matches a live record already there (see
    ``tracker.contributions.duplicates``); it is stored only once the person confirms it is a
    second, real one. The message names the match."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
