"""The programmes: their list, a programme's page with its gaps, and the forms that create and
revise them; the portfolio of every programme."""
from operator import attrgetter

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from tracker.core import audit
from tracker.core.figures import gap_figures
from tracker.core.listing import sorted_rows
from tracker.core.models import Programme
from tracker.programmes import portfolio, rules
from tracker.programmes.forms import HISTORY, EditProgrammeForm, NewProgrammeForm, PortfolioFiltersForm, ProgrammeForm
from tracker.web import session
from tracker.web.access import EDITORS, STAFF, allow, require_every_programme
from tracker.web.history import trail
from tracker.web.listing import requested_sort
from tracker.web.saving import Save

bp = Blueprint("programmes", __name__, url_prefix="/programmes", template_folder="templates")
overview = Blueprint("portfolio", __name__, template_folder="templates")


@overview.get("/portfolio", endpoint="index")
@allow(STAFF)
def portfolio_page():
    """Every programme the filters select with its gaps' totals, and the same gaps by country:
    one aggregate query, grouped and sorted in memory (a row per programme or country)."""
    by_programme = requested_sort(portfolio.PROGRAMME_SORTING)
    by_country = requested_sort(portfolio.COUNTRY_SORTING, prefix="country_")
    form = PortfolioFiltersForm()
    if not form.validate():
        return render_template("programmes/portfolio.html", form=form, found=None, by_programme=by_programme,
                               by_country=by_country), 400
    filters = form.filters()
    found = portfolio.portfolio(session(), filters)
    programmes = sorted_rows(found.programmes, portfolio.PROGRAMME_SORTING, by_programme.sort, attrgetter("code"))
    countries = sorted_rows(found.countries, portfolio.COUNTRY_SORTING, by_country.sort, attrgetter("code"))
    return render_template("programmes/portfolio.html", form=form, found=found, filters=filters,
                           programmes=programmes, countries=countries, by_programme=by_programme,
                           by_country=by_country)


def programme_or_404(code: str) -> Programme:
    programme = rules.get_programme(session(), code)
    if programme is None:
        abort(404, description=f"There is no programme with the code {code}.")
    return programme


@bp.get("")
@allow(STAFF)
def index():
    programmes = session().scalars(select(Programme).order_by(Programme.code)).all()
    return render_template("programmes/programmes.html", programmes=programmes,
                           gap_counts=rules.gap_counts(session()))


@bp.get("/<programme>")
@allow(STAFF)
def show(programme: str):
    programme = programme_or_404(programme)
    codes = rules.gap_codes(session(), programme)
    return render_template(
        "programmes/programme.html", programme=programme, figures=gap_figures(session(), codes) if codes else [],
        history=trail(session(), audit.history(session(), "programme", programme.id), HISTORY),
    )


def _entry(form: ProgrammeForm) -> rules.ProgrammeInput:
    return rules.ProgrammeInput(
        code=form.code.data, name=form.name.data, countries=form.countries.data or [],
        organisation=form.organisation.data or "", contact=form.contact.data or "",
        description=form.description.data or "", published=form.published.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(EDITORS)
def new():
    require_every_programme("Creating a programme")
    form = NewProgrammeForm()
    save = Save(form, creates="programme")
    if form.validate_on_submit() and not save.repeated():
        with save:
            programme = rules.create_programme(session(), _entry(form))
            save.created(programme)
        if save.done:
            flash(f"Programme {programme.code} created.", "success")
            return redirect(url_for("programmes.show", programme=programme.code))
    if save.earlier:
        return save.land_on_earlier(url_for("programmes.show",
                                            programme=session().get(Programme, save.earlier.record_id).code))
    return save.page("programmes/programme_form.html", programme=None)


#: The programme's columns the edit form shows as they are stored.
AS_STORED = ("code", "name", "organisation", "contact", "description", "published", "version")


def _edit_form(programme: Programme, **kwargs) -> EditProgrammeForm:
    """The edit form filled from the programme as it is now (a post's values over it). Filled
    from a dict, not ``obj=``: WTForms would take the stored "KH LA" over the list of codes the
    countries' select wants."""
    shown = {name: getattr(programme, name) for name in AS_STORED}
    return EditProgrammeForm(data={**shown, "countries": programme.country_codes}, **kwargs)


@bp.route("/<programme>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit(programme: str):
    programme = programme_or_404(programme)
    form = _edit_form(programme)
    save = Save(form, record=programme, current=lambda: _edit_form(programme, formdata=None))
    if form.validate_on_submit():
        with save:
            rules.update_programme(session(), programme, _entry(form), int(form.version.data))
        if save.done:
            flash(f"Programme {programme.code} saved.", "success")
            return redirect(url_for("programmes.show", programme=programme.code))
    return save.page("programmes/programme_form.html", programme=programme)
