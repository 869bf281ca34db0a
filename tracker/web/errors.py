"""Friendly error pages (JSON under /api/): what happened, and what to do next.

Errors a user cannot cause are logged with context; the page then tells the person that
nothing was saved and what to quote to the administrator.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from tracker.core.models import utcnow


@dataclass(frozen=True)
class Advice:
    title: str
    happened: str  # used when the error carries no description of its own
    next_step: str


ADVICE = {
    400: Advice("This request could not be used", "The address or the form held a value this page does not accept.",
                "Go back and check what you typed or chose; a link saved long ago may be out of date."),
    403: Advice("You do not have permission to see this page", "Your role does not give access to this page.",
                "If your work needs it, ask the tracker's administrator to change your role."),
    404: Advice("Page not found", "There is no page at this address.",
                "Check the address for typing mistakes, or find what you need from the funding gaps."),
    405: Advice("That action is not possible here", "This address does not accept that kind of request.",
                "Use the buttons and links of the pages rather than a typed or saved address."),
    413: Advice("The upload is too large", "The file or form sent was larger than the tracker accepts.",
                "Send a smaller file, or split it into several."),
    429: Advice("Too many attempts", "Too many requests came in a short time.",
                "Wait a few minutes, then try again."),
    500: Advice("Something went wrong on our side",
                "The tracker met an error it did not expect. Nothing was saved, and the error has been logged.",
                "Try again in a moment. If it happens again, tell the administrator what you were doing and the "
                "time shown below."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, message: str | None = None, title: str | None = None):
    advice = ADVICE.get(status, ADVICE[500] if status >= 500 else ADVICE[400])
    if _wants_json():
        return jsonify(error=title or advice.title, message=message or advice.happened), status
    return render_template("error.html", status=status, title=title or advice.title,
                           message=message or advice.happened, next_step=advice.next_step,
                           moment=utcnow()), status


def _forbidden_message() -> str:
    """A refusal names the role that lacks permission, so the person knows what to ask for."""
    if current_user.is_authenticated:
        return f"You are signed in as {current_user.email}, whose role ({current_user.role}) does not give " \
               "access to this page."
    return ADVICE[403].happened


def _own_description(error: HTTPException) -> str | None:
    """The description the view gave when aborting (e.g. "There is no gap KHM-X"), not werkzeug's stock text."""
    return error.description if error.description != type(error).description else None


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(400, "The form was missing its security token or it had expired. Go back, reload the page "
                            "and submit it again.", title="Form expired")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if status == 403:
            return _render(403, _forbidden_message())
        return _render(status, _own_description(error))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500)
