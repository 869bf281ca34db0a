"""Who may use what. Every view declares its rule with :func:`allow`; a view without one is
refused for everybody (fail closed), so a new route cannot be left open by accident.

Staff roles nest (admin ⊃ editor ⊃ viewer). A donor user sees the gaps' public figures and
only its own donor's records; views that show donor records narrow them with
:func:`donor_scope`, and answer 404 for another donor's objects.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, request
from flask_login import current_user

from tracker.core.models import Role

PUBLIC = frozenset({"public"})
#: Every endpoint an anonymous visitor may reach. A view declares ``@allow(PUBLIC)`` *and* is
#: named here: a view that declares PUBLIC without being listed is refused to everybody (fail
#: closed), so no route is opened to the world by one decorator alone. The IATI export
#: (``/open/v1/iati.xml``), when it comes, belongs here.
PUBLIC_ENDPOINTS = frozenset({
    "auth.login", "auth.link",  # signing in, and the invitation or reset link's set-password page
    "public.page", "public.embed", "public.badge", "public.gaps_json", "public.gaps_csv",
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
