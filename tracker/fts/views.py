"""The web import of an FTS flow export: the upload page recognises the layout and sends the
file here, where each plan of the file gets its gap; Preview checks (writes nothing), Import
records through ``tracker.fts.recording`` and keeps the outcome with the upload (its one-time key).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from tracker.core.errors import InvalidInput
from tracker.fts import plans, recording
from tracker.fts.flows import is_fts_layout, read_flows
from tracker.fts.forms import PlansForm
from tracker.fts.report import is_fts_result, summary
from tracker.imports import uploads
from tracker.imports.views import gap_choices, stored_table, upload_or_404
from tracker.web import actor, reading
from tracker.web.access import EDITORS, allow
from tracker.web.saving import render_form

bp = Blueprint("fts", __name__, url_prefix="/import/fts", template_folder="templates")


def _fts_upload(token: str):
    """The upload and its table; an upload that is not an FTS export is the generic import's."""
    kept = upload_or_404(token)
    table = stored_table(kept)
    if not is_fts_layout(table.headers):
        abort(404, description="This upload is not an FTS flow export.")
    return kept, table


@bp.route("/<token>", methods=["GET", "POST"])
@allow(EDITORS)
def plans_page(token: str):
    kept, table = _fts_upload(token)
    flows = read_flows(table)
    codes = sorted({f.plan_code for f in flows})
    names = {f.plan_code: f.plan_name for f in flows}
    form = PlansForm.of(codes, names, gap_choices())
    if not form.is_submitted():
        form.fill(plans.remembered(reading(), codes))
        return _page(form, kept, flows)
    if uploads.result_of(kept) is not None:
        return _already_imported(token)
    choice = form.choice()
    if form.validate() and not choice.gaps:
        form.form_errors.append("Choose the funding gap of at least one plan.")
    if form.errors or form.form_errors:
        return _page(form, kept, flows, status=400)
    reading().commit()  # the check and the recording have transactions of their own
    importing = bool(form.confirm.data)

    def keep(session, result) -> None:
        uploads.claim_result(session, token, summary(result))
    try:
        result = (recording.record(flows, choice, actor(), kept.filename, also=keep) if importing
                  else recording.check(flows, choice))
    except uploads.AlreadyImported:
        return _already_imported(token)
    except InvalidInput as error:
        form.form_errors.append(error.message)
        return _page(form, kept, flows, status=400)
    if importing:
        flash(f"{kept.filename} imported: {result.count('added')} flow(s) added, {result.count('updated')} updated.",
              "success")
        return redirect(url_for("fts.done", token=token))
    return _page(form, kept, flows, result=summary(result))


def _page(form: PlansForm, kept, flows, status: int | None = None, result: dict | None = None):
    return render_form("fts/fts_plans.html", form, status, upload=kept, flows=flows, result=result)


def _already_imported(token: str):
    flash("This file was already imported when the form was first sent; nothing was changed again.", "info")
    return redirect(url_for("fts.done", token=token))


@bp.get("/<token>/done")
@allow(EDITORS)
def done(token: str):
    kept, _table = _fts_upload(token)
    outcome = uploads.result_of(kept)
    if outcome is None:
        return redirect(url_for("fts.plans_page", token=token))
    if not is_fts_result(outcome):  # imported through the generic import's columns instead
        return redirect(url_for("imports.done", token=token))
    return render_template("fts/fts_done.html", upload=kept, outcome=outcome)
