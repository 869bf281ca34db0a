"""The rates page: the rates on file, adding or correcting one, importing a published table;
and the rate in force as JSON, for the contribution and payment forms' prefill."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for

from tracker.core import audit, money
from tracker.core.models import ExchangeRate
from tracker.core.rates import KINDS, in_force
from tracker.imports.files import UnreadableFile
from tracker.rates import files, listing, rules
from tracker.rates.forms import HISTORY, CorrectRateForm, RateFileForm, RateForm
from tracker.web import session
from tracker.web.access import EDITORS, STAFF, allow
from tracker.web.history import trail
from tracker.web.paging import requested_page
from tracker.web.saving import Save, render_form

bp = Blueprint("rates", __name__, url_prefix="/rates", template_folder="templates")


def _page(form: RateForm | None = None, file_form: RateFileForm | None = None, save: Save | None = None):
    """The rates page, with the add and import forms as posted (400 beside their errors, 409 after a conflict)."""
    form = form or RateForm(formdata=None)
    file_form = file_form or RateFileForm(formdata=None)
    page = requested_page(listing.count_rates(session()))
    lines = listing.rate_lines(session(), limit=page.size, offset=page.offset)
    failed = form.errors or form.form_errors or file_form.errors or file_form.form_errors
    status = (save.status if save else None) or (400 if failed else 200)
    return render_form("rates/rates.html", form, status, file_form=file_form, lines=lines, page=page, kinds=KINDS,
                       save=save, conflict=None, preferred=current_app.config["TRACKER_RATE_SOURCE"])


@bp.get("")
@allow(STAFF)
def index():
    return _page()


@bp.post("/add")
@allow(EDITORS)
def add():
    form = RateForm()
    save = Save(form, creates="exchange rate")
    if form.validate_on_submit():
        if save.repeated():
            return save.land_on_earlier(url_for("rates.index"))
        code = money.currency(form.currency.data).code
        with save:
            rate = rules.add_rate(session(), code, form.day.data, form.rate_value, form.kind.data,
                                  (form.source.data or "").strip())
            save.created(rate)
        if save.done:
            flash(f"{KINDS[rate.kind]} for {rate.currency} on {rate.date.isoformat()} added: "
                  f"{money.format_rate(rate.units_per_usd)} per US$.", "success")
            return redirect(url_for("rates.index"))
    return _page(form=form, save=save)


@bp.post("/import")
@allow(EDITORS)
def import_table():
    """A published table: every rate of it, or (a problem in any row) none, each problem beside the file."""
    file_form = RateFileForm()
    if not file_form.validate_on_submit():
        return _page(file_form=file_form)
    upload = file_form.file.data
    try:
        table = files.read_file(upload.filename, upload.read(), file_form.source.data, current_app.config)
    except UnreadableFile as error:
        file_form.file.errors = [str(error)]
        return _page(file_form=file_form)
    except files.BadRateFile as error:
        file_form.file.errors = [f"Nothing was imported: {upload.filename} has {len(error.problems)} problem(s).",
                                 *(str(p) for p in error.problems)]
        return _page(file_form=file_form)
    save = Save(file_form)
    with save:
        outcome = rules.import_table(session(), table, file_form.source.data, upload.filename)
    if save.done:
        flash(f"{upload.filename}: {outcome.summary}", "success")
        return redirect(url_for("rates.index"))
    return _page(file_form=file_form)


def _rate_or_404(rate_id: int) -> ExchangeRate:
    found = session().get(ExchangeRate, rate_id)
    if found is None:
        abort(404, description=f"There is no exchange rate number {rate_id}.")
    return found


def _correct_form(rate: ExchangeRate, **kwargs) -> CorrectRateForm:
    return CorrectRateForm(data={"rate": money.format_rate(rate.units_per_usd), "version": rate.version}, **kwargs)


@bp.route("/<id:rate_id>/correct", methods=["GET", "POST"])
@allow(EDITORS)
def correct(rate_id: int):
    """Correct a rate: the old value stays in its history; what was recorded with it keeps its frozen values."""
    rate = _rate_or_404(rate_id)
    form = _correct_form(rate)
    save = Save(form, record=rate, current=lambda: _correct_form(rate, formdata=None))
    if form.validate_on_submit():
        with save:
            rules.correct_rate(session(), rate, form.rate_value, form.reason.data, int(form.version.data))
        if save.done:
            flash(f"The {rate.currency} rate of {rate.date.isoformat()} is now "
                  f"{money.format_rate(rate.units_per_usd)} per US$.", "success")
            return redirect(url_for("rates.index"))
    history = trail(session(), audit.history(session(), "exchange rate", rate.id), HISTORY)
    return save.page("rates/rate_correct.html", rate=rate, kinds=KINDS, history=history)


@bp.get("/in-force")
@allow(STAFF)
def rate_in_force():
    """``?currency=EUR&on=2026-03-13``: the rate in force and which one it is (null when none is on file)."""
    try:
        code = money.currency(request.args.get("currency", "")).code
        day = date.fromisoformat(request.args.get("on", ""))
    except (money.MoneyError, ValueError):
        return jsonify(error="Give currency (an ISO 4217 code) and on (a date as YYYY-MM-DD)."), 400
    found = in_force(session(), code, day, current_app.config["TRACKER_RATE_SOURCE"])
    return jsonify(currency=code, on=day.isoformat(),
                   rate=None if found is None else money.format_rate(found.units_per_usd),
                   described=None if found is None else found.described)
