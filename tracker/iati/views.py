"""The IATI file: every gap for staff (``/reports/iati.xml?programme=CODE&gap=CODE``), the published
gaps of published programmes for anyone (``/open/v1/iati.xml``, donors not named publicly unnamed)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from tracker.core.errors import InvalidInput
from tracker.iati import activities, publishing
from tracker.web import session
from tracker.web.access import PUBLIC, STAFF, allow

bp = Blueprint("iati", __name__)


@bp.get("/reports/iati.xml")
@allow(STAFF)
def export():
    """Every gap (or a programme's, or one) as IATI 2.03 activities; a bad filter is a 400 with its message."""
    return _file(published_only=False)


@bp.get("/open/v1/iati.xml")
@allow(PUBLIC)
def published():
    """The published gaps, the same filters."""
    return _file(published_only=True)


def _file(published_only: bool) -> Response:
    try:
        content = publishing.export(session(), current_app.config, programme=request.args.get("programme"),
                                    gap=request.args.get("gap"), published_only=published_only)
    except (InvalidInput, activities.NothingToExport) as refusal:
        return Response(f"{refusal}\n", 400 if isinstance(refusal, InvalidInput) else 404, mimetype="text/plain")
    return Response(content, mimetype="application/xml",
                    headers={"Content-Disposition": 'attachment; filename="iati-activities.xml"'})
