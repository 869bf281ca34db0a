"""Password hashing: argon2id for every new hash; older PBKDF2 hashes still verify once and are
upgraded at that sign-in, so an installation moves to argon2id as its users come back."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

MIN_LENGTH = 12
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile


class WeakPassword(ValueError):
    pass


def check_strength(password: str) -> None:
    """A long passphrase beats composition rules (NIST SP 800-63B)."""
    if len(password or "") < MIN_LENGTH:
        raise WeakPassword(f"Use at least {MIN_LENGTH} characters; a few words make a good passphrase.")
    if len(password) > 1024:
        raise WeakPassword("Use at most 1,024 characters.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored: str, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (argon2id, or a legacy Werkzeug PBKDF2 hash)."""
    if stored.startswith("$argon2"):
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    if stored.startswith("pbkdf2:"):
        return check_password_hash(stored, password)
    return False


def needs_upgrade(stored: str) -> bool:
    """True for anything but an argon2 hash with today's parameters."""
    return not stored.startswith("$argon2") or _hasher.check_needs_rehash(stored)
