"""The read-only JSON API at /api/v1, for other tools.

One blueprint, so that every address keeps its ``api.*`` endpoint name; each domain adds the
routes it serves from its own views module (the gaps' figures in ``tracker.gaps.views``, the
job history in ``tracker.jobs.views``). Errors under /api/ answer JSON (``tracker.web.errors``).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
