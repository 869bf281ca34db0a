"""The dashboard, a gap's page, the forms that create and revise gaps, and the gaps' JSON."""
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for

from tracker.contributions.listings import payment_lines
from tracker.contributions.tables import contribution_table
from tracker.core import audit, money
from tracker.core.figures import DEFINITIONS, Exposure, Totals, currency_exposure, figures_of, gap_figures, gap_json
from tracker.core.listing import sorted_rows
from tracker.core.models import Gap, Programme, utcnow
from tracker.gaps import rules, snapshots
from tracker.gaps.forms import HISTORY, EditGapForm, GapForm, NewGapForm
from tracker.gaps.shortfalls import shortfall_chart
from tracker.gaps.trend import trend
from tracker.programmes.rules import gap_codes, get_programme
from tracker.web import session
from tracker.web.access import EDITORS, SIGNED_IN, allow, donor_scope
from tracker.web.api import bp as api
from tracker.web.history import trail
from tracker.web.listing import requested_sort
from tracker.web.paging import requested_page
from tracker.web.saving import Save

bp = Blueprint("gaps", __name__, url_prefix="/gaps", template_folder="templates")
dashboard = Blueprint("dashboard", __name__, template_folder="templates")


@dashboard.get("/")
@allow(SIGNED_IN)
def index():
    """One aggregate query for every gap (or every gap of ``?programme=``); the table is sorted
    and cut into pages in memory (one row per gap), the totals and the chart cover every gap."""
    programme, codes = _programme_scope()
    figures = gap_figures(session(), codes)
    sorted_by = requested_sort(rules.FIGURES_SORTING)
    page = requested_page(len(figures))
    rows = sorted_rows(figures, rules.FIGURES_SORTING, sorted_by.sort, rules.FIGURES_SORTING.columns["gap"].by)
    exposure = sum(_exposure(codes).values(), Exposure())
    return render_template("gaps/dashboard.html", figures=rows[page.offset:page.offset + page.size], page=page,
                           sorted_by=sorted_by, totals=Totals.of(figures), chart=shortfall_chart(figures),
                           exposure=exposure, programme=programme)


def _programme_scope() -> tuple[Programme | None, list[str] | None]:
    """The programme of ``?programme=CODE`` and its gaps' codes; (None, None) for every gap.
    An unknown code is a 400 that says so."""
    code = request.args.get("programme")
    if not code:
        return None, None
    programme = get_programme(session(), code)
    if programme is None:
        abort(400, description=f"There is no programme with the code “{code}”; see the programmes for their codes.")
    return programme, gap_codes(session(), programme)


def _exposure(codes: list[str] | None = None) -> dict[str, Exposure]:
    """The gaps' currency exposure today, at the rates the forms would prefill."""
    return currency_exposure(session(), utcnow().date(), current_app.config["TRACKER_RATE_SOURCE"], codes)


def gap_or_404(code: str):
    gap = rules.get_gap(session(), code)
    if gap is None:
        abort(404, description=f"There is no funding gap with the code {code}.")
    return gap


@bp.get("/<code>")
@allow(SIGNED_IN)
def show(code: str):
    """The gap's public figures; its contributions (a donor user sees only its own)."""
    gap = gap_or_404(code)
    own = donor_scope()
    table = contribution_table(gap_code=gap.code, donor_id=own, fixed=("gap",) if own is None else ("gap", "donor"))
    return render_template(
        "gaps/gap.html", gap=gap, figures=figures_of(session(), gap.code), table=table,
        exposure=_exposure([gap.code]).get(gap.code),
        payments=payment_lines(session(), gap_id=gap.id, donor_id=own),
        trend=trend(snapshots.history(session(), gap)), definitions=DEFINITIONS,
        history=trail(session(), audit.history(session(), "gap", gap.id), HISTORY) if own is None else [],
    ), table.status


def _entry(form: GapForm) -> rules.GapInput:
    return rules.GapInput(
        code=form.code.data, title=form.title.data, country=form.country.data, programme=form.programme.data,
        requirement_usd=form.requirement_value, description=form.description.data or "",
        impact_count=form.impact_count.data, impact_unit=form.impact_unit.data or "",
        impact_indicator=form.impact_indicator.data or "", period_start=form.period_start.data,
        period_end=form.period_end.data, status=form.status.data, published=form.published.data,
    )


def _from_programme(code: str) -> dict:
    """A new gap opened from a programme's page starts in that programme and its first country."""
    programme = get_programme(session(), code) if code else None
    return {"programme": programme.code, "country": programme.country_codes[0]} if programme else {}


@bp.route("/new", methods=["GET", "POST"])
@allow(EDITORS)
def new():
    form = NewGapForm(**_from_programme(request.args.get("programme", "")))
    save = Save(form, creates="gap")
    if form.validate_on_submit() and not save.repeated():
        with save:
            gap = rules.create_gap(session(), _entry(form))
            save.created(gap)
        if save.done:
            flash(f"Gap {gap.code} created.", "success")
            return redirect(url_for("gaps.show", code=gap.code))
    if save.earlier:
        return save.land_on_earlier(url_for("gaps.show", code=session().get(Gap, save.earlier.record_id).code))
    return save.page("gaps/gap_form.html", gap=None)


#: The gap's columns the edit form shows as they are stored.
AS_STORED = ("code", "title", "country", "description", "impact_count", "impact_unit", "impact_indicator",
             "period_start", "period_end", "status", "published", "version")


def _edit_form(gap: Gap, **kwargs) -> EditGapForm:
    """The edit form filled from the gap as it is now (a post's values over it). Filled from a
    dict, not ``obj=gap``: WTForms would take ``gap.programme`` (the record) over any value given
    for the programme's select, which wants its code."""
    shown = {name: getattr(gap, name) for name in AS_STORED}
    return EditGapForm(data={**shown, "programme": gap.programme.code,
                             "requirement": money.format_amount(money.usd(gap.requirement_cents)).replace(",", "")},
                       **kwargs)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit(code: str):
    gap = gap_or_404(code)
    form = _edit_form(gap)
    save = Save(form, record=gap, current=lambda: _edit_form(gap, formdata=None))
    if form.validate_on_submit():
        with save:
            rules.update_gap(session(), gap, _entry(form), int(form.version.data))
        if save.done:
            flash(f"Gap {gap.code} saved.", "success")
            return redirect(url_for("gaps.show", code=gap.code))
    return save.page("gaps/gap_form.html", gap=gap)


@api.get("/gaps", endpoint="gaps")
@allow(SIGNED_IN)
def gaps_json():
    """Every gap's figures, or those of ``?programme=CODE``'s gaps."""
    _, codes = _programme_scope()
    exposure = _exposure(codes)
    return jsonify([gap_json(f, exposure.get(f.code)) for f in gap_figures(session(), codes)])


@api.get("/gaps/<code>", endpoint="gap")
@allow(SIGNED_IN)
def gap_figures_json(code: str):
    figures = figures_of(session(), code.upper())
    if figures is None:
        abort(404, description=f"There is no funding gap with the code {code}.")
    return jsonify(gap_json(figures, _exposure([figures.code]).get(figures.code)))
