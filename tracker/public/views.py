"""The public routes: a programme's page, its embed, a gap's badge and the open data. No sign-in;
each is named in ``tracker.web.access.PUBLIC_ENDPOINTS``. An unpublished programme or gap
answers exactly as an unknown one (404).

Every response carries an entity tag and Last-Modified from what it shows, and may be cached
for the recompute interval (the figures change no more often than the job runs); a
conditional request that matches gets 304 without the body being built.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from werkzeug.http import is_resource_modified

from tracker.core import money
from tracker.core.countries import country_name
from tracker.public import opendata
from tracker.public.published import (
    PublicGap,
    PublicProgramme,
    as_of,
    fingerprint,
    last_modified,
    published_gaps,
    published_programme,
)
from tracker.web import session
from tracker.web.access import PUBLIC, allow
from tracker.web.headers import public_policy

bp = Blueprint("public", __name__, template_folder="templates", static_folder="static",
               static_url_path="/p/static")


def dollars(value) -> str:
    """US$ as the seed's block writes them: whole dollars when there are no cents (720,000)."""
    text = money.format_amount(value)
    return text.removesuffix(".00")


@bp.context_processor
def _helpers() -> dict:
    return {"dollars": dollars, "country_name": country_name}


def _licence() -> str:
    return current_app.config["TRACKER_OPEN_DATA_LICENCE"]


def _cacheable(build: Callable[[], Response], gaps: list[PublicGap], *shown: object,
               programme: PublicProgramme | None = None, frame_ancestors: str = "") -> Response:
    """``build()``'s response with its validators and caching headers, or 304 when the request's
    ``If-None-Match`` / ``If-Modified-Since`` still matches (then nothing is built)."""
    tag = fingerprint(gaps, programme, *shown)
    modified = last_modified(gaps, programme)
    if is_resource_modified(request.environ, etag=tag, last_modified=modified):
        response = build()
    else:
        response = Response(status=304)
    response.set_etag(tag)
    response.last_modified = modified
    # A signed-in visitor's response re-issues the session cookie: no shared cache may keep it.
    if current_user.is_authenticated:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    response.cache_control.max_age = current_app.config["TRACKER_RECOMPUTE_INTERVAL"]
    response.headers["Content-Security-Policy"] = public_policy(frame_ancestors)
    return response


def _programme_or_404(code: str) -> PublicProgramme:
    programme = published_programme(session(), code.strip().upper())
    if programme is None:
        abort(404)
    return programme


def _block(template: str, code: str, frame_ancestors: str = "") -> Response:
    programme = _programme_or_404(code)
    gaps = published_gaps(session(), programme=programme.code)
    return _cacheable(
        lambda: Response(render_template(template, programme=programme, gaps=gaps, as_of=as_of(gaps),
                                         licence=_licence(), framed=bool(frame_ancestors))),
        gaps, _licence(), template, frame_ancestors, programme=programme, frame_ancestors=frame_ancestors,
    )


@bp.get("/p/<programme>")
@allow(PUBLIC)
def page(programme: str):
    return _block("public/page.html", programme)


@bp.get("/p/<programme>/embed")
@allow(PUBLIC)
def embed(programme: str):
    return _block("public/embed.html", programme, current_app.config["TRACKER_EMBED_ORIGINS"])


@bp.get("/p/<programme>/<gap>/badge.svg")
@allow(PUBLIC)
def badge(programme: str, gap: str):
    found = published_gaps(session(), programme=programme.strip().upper(), gap=gap.strip().upper())
    if not found:
        abort(404)
    return _cacheable(
        lambda: Response(render_template("public/badge.svg", gap=found[0]), mimetype="image/svg+xml"),
        found, "badge",
    )


@bp.get("/open/v1/gaps.json")
@allow(PUBLIC)
def gaps_json():
    gaps = published_gaps(session())
    return _open(lambda: Response(json.dumps(opendata.as_json(gaps, _licence(), as_of(gaps)), ensure_ascii=False),
                                  mimetype="application/json"), gaps, "json")


@bp.get("/open/v1/gaps.csv")
@allow(PUBLIC)
def gaps_csv():
    gaps = published_gaps(session())
    return _open(lambda: Response(opendata.csv_lines(gaps, _licence()),
                                  mimetype="text/csv", headers={"Content-Disposition": "inline; filename=gaps.csv"}),
                 gaps, "csv")


def _open(build: Callable[[], Response], gaps: list[PublicGap], kind: str) -> Response:
    """Open data may be read by any site's script (it is public and carries no credentials)."""
    response = _cacheable(build, gaps, _licence(), kind)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
