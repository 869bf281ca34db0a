"""A gap's page, and the forms that create and revise gaps."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for

from tracker import audit, gaps, money, snapshots
from tracker.access import EDITORS, SIGNED_IN, allow, donor_scope
from tracker.contributions import SORTING, contribution_lines, count_contributions, payment_lines
from tracker.errors import EditConflict, InvalidInput
from tracker.figures import figures_of
from tracker.trend import trend
from tracker.web import render_form, session
from tracker.web.forms import GapForm
from tracker.web.listing import requested_sort
from tracker.web.paging import requested_page

bp = Blueprint("gaps", __name__, url_prefix="/gaps")


def gap_or_404(code: str):
    gap = gaps.get_gap(session(), code)
    if gap is None:
        abort(404, description=f"There is no funding gap with the code {code}.")
    return gap


@bp.get("/<code>")
@allow(SIGNED_IN)
def show(code: str):
    """The gap's public figures; its contributions (a donor user sees only its own)."""
    gap = gap_or_404(code)
    scope = {"gap_id": gap.id, "donor_id": donor_scope()}
    sorted_by = requested_sort(SORTING)
    page = requested_page(count_contributions(session(), **scope))
    return render_template(
        "gap.html", gap=gap, figures=figures_of(session(), gap.code), page=page, sorted_by=sorted_by,
        lines=contribution_lines(session(), **scope, sort=sorted_by.sort, limit=page.size, offset=page.offset),
        payments=payment_lines(session(), **scope), trend=trend(snapshots.history(session(), gap)),
        history=audit.history(session(), "gap", gap.id) if donor_scope() is None else [],
    )


def _entry(form: GapForm) -> gaps.GapInput:
    return gaps.GapInput(
        code=form.code.data, title=form.title.data, country=form.country.data, programme=form.programme.data,
        requirement_usd=form.requirement_value, description=form.description.data or "",
        impact_count=form.impact_count.data, impact_unit=form.impact_unit.data or "",
        impact_indicator=form.impact_indicator.data or "", period_start=form.period_start.data,
        period_end=form.period_end.data, status=form.status.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(EDITORS)
def new():
    form = GapForm()
    if form.validate_on_submit():
        try:
            gap = gaps.create_gap(session(), _entry(form))
            session().commit()
            flash(f"Gap {gap.code} created.", "success")
            return redirect(url_for("gaps.show", code=gap.code))
        except InvalidInput as error:
            form.add_error(error)
    return render_form("gap_form.html", form, gap=None)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit(code: str):
    gap = gap_or_404(code)
    form = GapForm(obj=gap)
    if not form.is_submitted():
        form.requirement.data = money.format_amount(money.usd(gap.requirement_cents)).replace(",", "")
    elif form.validate():
        try:
            gaps.update_gap(session(), gap, _entry(form), int(form.version.data or 0))
            session().commit()
            flash(f"Gap {gap.code} saved.", "success")
            return redirect(url_for("gaps.show", code=gap.code))
        except InvalidInput as error:
            form.add_error(error)
        except EditConflict as conflict:
            session().rollback()
            form.version.data = gap.version  # a deliberate second save may now go through
            return render_form("gap_form.html", form, 409, gap=gap, conflict=str(conflict))
    return render_form("gap_form.html", form, gap=gap)
