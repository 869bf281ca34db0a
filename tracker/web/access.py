"""Who may use what. Every view declares its rule with :func:`allow`; a view without one is
refused for everybody (fail closed), so a new route cannot be left open by accident.

Staff roles nest (admin ⊃ editor ⊃ viewer). A donor user sees the gaps' public figures and
only its own donor's records; views that show donor records narrow them with
:func:`donor_scope`, and answer 404 for another donor's objects.

An editor or viewer may be limited to some programmes (:func:`programme_scope`). That limit is
not left to each view: :func:`limit_to_programmes` makes every ORM query of the request's
session see only those programmes' gaps and what hangs from them (``tracker.core.scopes``),
in pages, JSON and workbooks alike; an object of another programme is simply not found, so
its page answers 404.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy.orm import Session

from tracker.core import scopes
from tracker.core.models import SCOPED_ROLES, Role

PUBLIC = frozenset({"public"})
#: Every endpoint an anonymous visitor may reach. A view declares ``@allow(PUBLIC)`` *and* is
#: named here: a view that declares PUBLIC without being listed is refused to everybody (fail
#: closed), so no route is opened to the world by one decorator alone.
PUBLIC_ENDPOINTS = frozenset({
    "auth.login", "auth.link",  # signing in, and the invitation or reset link's set-password page
    "public.page", "public.embed", "public.badge", "public.gaps_json", "public.gaps_csv",
    "iati.published",  # /open/v1/iati.xml: the published gaps as IATI activities
})
#: The static files (the app's, and the public pages' stylesheet): public, and no view to declare a rule.
STATIC_ENDPOINTS = frozenset({"static", "public.static"})
ADMINS = frozenset({Role.ADMIN})
EDITORS = ADMINS | {Role.EDITOR}
STAFF = EDITORS | {Role.VIEWER}
SIGNED_IN = STAFF | {Role.DONOR}


def allow(roles: frozenset) -> Callable:
    """Declare who may use a view: PUBLIC, SIGNED_IN, STAFF, EDITORS or ADMINS."""

    def declare(view: Callable) -> Callable:
        view.allowed_roles = roles
        return view

    return declare


def rule_of(view: Callable | None) -> frozenset | None:
    return getattr(view, "allowed_roles", None)


def check_request() -> str | None:
    """What stands between this request and its view: None (go on), "sign-in" or "forbidden"."""
    if request.endpoint is None:
        return None  # no such page: the 404 handler answers
    if request.endpoint in STATIC_ENDPOINTS:
        return None
    rule = rule_of(current_app.view_functions.get(request.endpoint))
    if rule is None:
        current_app.logger.error("Refused %s %s: the view declares no access rule", request.method, request.path)
        return "forbidden"
    if rule is PUBLIC:
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        current_app.logger.error("Refused %s %s: %s declares PUBLIC but is not in PUBLIC_ENDPOINTS", request.method,
                                 request.path, request.endpoint)
        return "forbidden"
    if not current_user.is_authenticated:
        return "sign-in"
    if current_user.role not in rule:
        current_app.logger.warning("Refused %s %s to %s (%s)", request.method, request.path,
                                   current_user.email, current_user.role)
        return "forbidden"
    return None


def is_donor() -> bool:
    return current_user.is_authenticated and current_user.role == Role.DONOR


def can_edit() -> bool:
    return current_user.is_authenticated and current_user.role in EDITORS


def can_edit_every_programme() -> bool:
    """An editor not limited to some programmes: what concerns every programme (a new programme,
    merging donors, whose contributions may be anywhere) is theirs."""
    return can_edit() and programme_scope() is None


def donor_scope() -> int | None:
    """The donor a donor user is limited to; None for staff (who see everything)."""
    return current_user.donor_id if is_donor() else None


def require_own_donor(donor_id: int) -> None:
    """404 (not 403: its existence is not the donor user's business) for another donor's record."""
    own = donor_scope()
    if own is not None and own != donor_id:
        current_app.logger.warning("Refused %s to donor user %s: another donor's record", request.path,
                                   current_user.email)
        abort(404)


def programme_scope() -> frozenset[int] | None:
    """The ids of the programmes the signed-in editor or viewer is limited to; None: every
    programme (admins, donor users, unscoped staff, nobody signed in)."""
    if not current_user.is_authenticated or current_user.role not in SCOPED_ROLES:
        return None
    return current_user.programmes


def limit_to_programmes(session: Session) -> Session:
    """Make ``session`` (a request's) see only the signed-in user's programmes, if limited."""
    return scopes.limit(session, programme_scope)


def require_every_programme(what: str) -> None:
    """403 for a user limited to some programmes: ``what`` concerns every programme."""
    if programme_scope() is not None:
        current_app.logger.warning("Refused %s to %s: %s needs every programme", request.path,
                                   current_user.email, what)
        abort(403, description=f"{what} is for users who see every programme.")
