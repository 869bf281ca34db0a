"""Security headers on every response. The pages load scripts and styles only from this site,
never inline, so the Content-Security-Policy can forbid inline code outright.

A view may set a policy of its own (the public pages do, see :func:`public_policy`); the
headers here fill in only what it left out. X-Frame-Options says DENY only when the policy
forbids every frame ancestor: it cannot name origins, and a browser that reads it would
otherwise refuse an embed the policy allows."""
from flask import Flask, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def public_policy(frame_ancestors: str = "") -> str:
    """The policy of a public response: no script at all, styles and images from this site, no
    form, framed only by ``frame_ancestors`` (origins separated by spaces; empty: by nobody)."""
    return "; ".join([
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        f"frame-ancestors {frame_ancestors or NO_FRAMES}",
    ])


NO_FRAMES = "'none'"


def _secure(response):
    policy = response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if f"frame-ancestors {NO_FRAMES}" in policy:
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_secure)
