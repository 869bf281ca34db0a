"""An FTS flow export imported by flow id: added once, updated when FTS changes a flow, totals to the dollar."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from tests import factories
from tests.fts import exports
from tests.imports.test_recording import edit_gap
from tracker.contributions.rules import ContributionInput, edit_contribution
from tracker.core import money
from tracker.core.audit import Actor
from tracker.core.figures import figures_of
from tracker.core.models import AuditEntry, Contribution, Donor, FtsFlow
from tracker.fts import plans, recording
from tracker.fts.flows import PLACEHOLDER_DONOR, read_flows
from tracker.fts.plans import PlanChoice
from tracker.fts.rules import ADDED, LEFT_OUT, NOT_IN_FILE, REFUSED, UNCHANGED, UPDATED
from tracker.imports.files import read_table

OFFICER = Actor("officer@example.org", 7)
CHOICE = PlanChoice({exports.PLAN: "AFG-HRP-2020"})


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "AFG-HRP-2020", requirement="50000000.00")
    session.commit()
    return made


def flows_of(content: bytes, name="flows.csv"):
    return read_flows(read_table(name, content, max_unzipped=1 << 22))


def imported(content: bytes, name="flows.csv", choice=CHOICE):
    return recording.record(flows_of(content, name), choice, OFFICER, name)


def outcomes(result) -> dict[int, str]:
    return {o.flow_id: o.outcome for o in result.outcomes}


def total_cents(session, code="AFG-HRP-2020") -> int:
    figures = figures_of(session, code)
    session.commit()
    return figures.funding_cents + figures.pledged_cents


@pytest.mark.parametrize("build, name", [(exports.csv_file, "flows.csv"), (exports.workbook, "flows.xlsx")])
def test_an_export_imported_twice_changes_nothing_the_second_time(session, gap, build, name):
    first = imported(build(), name)
    assert outcomes(first) == {200001: ADDED, 200002: ADDED, 200003: ADDED, 200004: ADDED, 200005: LEFT_OUT,
                               200006: LEFT_OUT, 200007: LEFT_OUT, 200008: LEFT_OUT, 200009: ADDED, 200010: ADDED}
    entries = session.scalar(select(func.count()).select_from(AuditEntry))
    second = imported(build(), name)
    assert {o.outcome for o in second.outcomes if o.flow_id in exports.KEPT} == {UNCHANGED}
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries
    assert total_cents(session) == sum(exports.KEPT.values()) * 100


def test_a_later_export_updates_exactly_the_changed_flows_and_adds_the_new_one(session, gap):
    imported(exports.csv_file())
    third = imported(exports.csv_file(exports.later()))
    changed = {o.flow_id: o for o in third.outcomes if o.outcome not in (UNCHANGED, LEFT_OUT)}
    assert {i: o.outcome for i, o in changed.items()} == {200001: UPDATED, 200003: UPDATED, 200011: ADDED}
    assert "amount 150,000,000 JPY → 160,000,000 JPY" in changed[200001].reason
    assert changed[200003].reason == "status pledged → committed"
    japan = session.get(Contribution, changed[200001].contribution_id)
    assert (japan.amount_minor, japan.usd_cents, japan.rate) == (160000000, 107166800, Decimal("149.3"))
    reasons = set(session.scalars(select(AuditEntry.reason).where(AuditEntry.record_type == "contribution",
                                                                  AuditEntry.action == "update")))
    assert reasons == {"FTS import of flows.csv, flow 200001", "FTS import of flows.csv, flow 200003"}
    kept = {**exports.KEPT, 200001: 1071668, 200011: 40000}
    assert total_cents(session) == sum(kept.values()) * 100 == sum(third.kept_usd_cents().values())


def test_the_us_value_is_fts_amount_usd_and_the_rounded_rate_is_kept(session, gap):
    result = imported(exports.csv_file())
    ids = {o.flow_id: o.contribution_id for o in result.outcomes}
    germany = session.get(Contribution, ids[200003])
    assert (germany.currency, germany.amount_minor, germany.rate) == ("EUR", 200000000, Decimal("0.8912"))
    assert germany.usd_cents == 224416500  # FTS's value, while 2,000,000 ÷ 0.8912 is 2,244,165.17
    assert money.usd_cents(Decimal(2000000), germany.rate) == 224416517
    kuwait = session.get(Contribution, ids[200009])
    assert (kuwait.currency, kuwait.amount_minor, kuwait.usd_cents) == ("KWD", 300000000, 98879400)
    wfp = session.get(Contribution, ids[200002])
    assert (wfp.donor.name, wfp.donor.type, wfp.currency, wfp.rate) == (exports.QUOTED_DONOR, "multilateral", "USD", 1)
    assert session.get(Contribution, ids[200004]).donor.name == PLACEHOLDER_DONOR
    assert session.get(Contribution, ids[200010]).donor.type == "foundation"
    assert session.get(Contribution, ids[200001]).reference == "FTS flow 200001"


def test_an_edit_by_hand_of_the_note_keeps_fts_us_value(session, gap):
    result = imported(exports.csv_file())
    germany = session.get(Contribution, next(o.contribution_id for o in result.outcomes if o.flow_id == 200003))
    entry = ContributionInput(donor=germany.donor, status=germany.status, amount=Decimal(2000000), currency="EUR",
                              rate=germany.rate, rate_date=germany.rate_date, decision_date=germany.decision_date,
                              reference=germany.reference, note="Checked with the desk officer")
    edit_contribution(session, germany, entry, germany.version)
    session.commit()
    assert germany.usd_cents == 224416500


def test_left_out_and_refused_flows_say_why_and_a_vanished_flow_is_kept(session, gap):
    imported(exports.csv_file())
    backwards = [dict(f) for f in exports.FLOWS if f["id"] != 200010]
    backwards[0].update(status="pledge")
    backwards.append(exports.flow(200012, 100, "maybe"))
    result = imported(exports.csv_file(backwards))
    by_id = {o.flow_id: o for o in result.outcomes}
    assert by_id[200001].outcome == REFUSED and "does not go back" in by_id[200001].reason
    assert by_id[200012].outcome == REFUSED and "maybe" in by_id[200012].reason
    assert by_id[200010].outcome == NOT_IN_FILE
    assert "zero" in by_id[200007].reason and "Parked" not in by_id[200005].reason
    assert "HSOM20 is not mapped" in by_id[200008].reason
    assert session.scalar(select(func.count()).select_from(FtsFlow)) == 6
    assert session.scalar(select(Contribution.status).where(Contribution.id == by_id[200010].contribution_id)) \
        == "committed"


def test_the_plan_mapping_is_remembered_for_the_next_export(session, gap):
    imported(exports.csv_file())
    again = imported(exports.csv_file(exports.later()), choice=PlanChoice())
    assert outcomes(again)[200011] == ADDED
    assert session.scalar(select(func.count()).select_from(Donor).where(Donor.name == "Norway")) == 1


def test_a_rate_published_the_other_way_round_gives_way_to_the_one_amount_usd_implies(session, gap):
    inverted = exports.flow(200020, 1122083, original=1000000, currency="EUR", rate="1.1221")
    missing = exports.flow(200021, 1122083, original=1000000, currency="EUR", rate="")
    result = imported(exports.csv_file([inverted, missing]))
    for outcome in result.outcomes:
        contribution = session.get(Contribution, outcome.contribution_id)
        assert contribution.rate == (Decimal(1000000) / Decimal(1122083)).quantize(Decimal("1e-10"))
        assert contribution.usd_cents == 112208300
        assert money.usd_cents(Decimal(1000000), contribution.rate) == 112208300


def test_a_flow_the_edit_rules_refuse_is_refused_with_their_reason_and_the_others_go_on(session, gap):
    imported(exports.csv_file())
    edit_gap(session, "AFG-HRP-2020", status="closed")
    session.commit()
    result = imported(exports.csv_file(exports.later()))
    refused = {o.flow_id: o.reason for o in result.outcomes if o.outcome == REFUSED}
    assert set(refused) == {200001, 200003, 200011}
    assert all("closed" in reason for reason in refused.values())
    assert result.count(UNCHANGED) == 4


def test_a_plan_mapped_anew_is_remembered_even_when_no_flow_changes(session, gap):
    imported(exports.csv_file())
    factories.add_gap(session, "SOM-HRP-2020")
    session.commit()
    only_other = [f for f in exports.FLOWS if f["destPlanCode"] == exports.OTHER_PLAN]
    imported(exports.csv_file(only_other), choice=PlanChoice({exports.OTHER_PLAN: "SOM-HRP-2020"}))
    imported(exports.csv_file(only_other), choice=PlanChoice({exports.OTHER_PLAN: "AFG-HRP-2020"}))
    assert plans.remembered(session, [exports.OTHER_PLAN]) == {exports.OTHER_PLAN: "AFG-HRP-2020"}


def test_checking_an_export_again_takes_no_more_queries_for_more_flows(app, session, gap):
    """Flows, contributions and donors are read set-wise, never once per flow."""
    many = [exports.flow(300000 + n, 1000 + n, donor=f"Donor {n}") for n in range(12)]
    imported(exports.csv_file(many))

    def statements(flows) -> int:
        seen = []
        listener = lambda *_args: seen.append(1)  # noqa: E731
        event.listen(app.extensions["tracker.engine"], "before_cursor_execute", listener)
        try:
            assert recording.check(flows_of(exports.csv_file(flows)), CHOICE).changes == 0
        finally:
            event.remove(app.extensions["tracker.engine"], "before_cursor_execute", listener)
        return len(seen)
    assert statements(many[:3]) == statements(many)


def test_an_amount_below_the_payments_received_is_refused_with_the_edit_rule_s_words(session, gap):
    result = imported(exports.csv_file())
    gates = session.get(Contribution, next(o.contribution_id for o in result.outcomes if o.flow_id == 200010))
    factories.add_payment(session, gates, "200000.00")
    session.commit()
    cut = [dict(f) for f in exports.FLOWS]
    cut[9].update(amountUSD=150000)
    refused = next(o for o in imported(exports.csv_file(cut)).outcomes if o.flow_id == 200010)
    assert refused.outcome == REFUSED and "payments received reach this amount" in refused.reason
    session.refresh(gates)
    assert gates.usd_cents == 25000000


@pytest.mark.parametrize("original, usd, rate", [
    ("4212345678901", 10000001, Decimal("421234.525766647")),  # six digits before the point: nine after (15 in all)
    ("42000000000", 1000000, Decimal("42000")),
])
def test_the_implied_rate_of_a_currency_of_many_units_per_dollar_fits_a_rate(original, usd, rate):
    flow, = flows_of(exports.csv_file([exports.flow(1, usd, original=original, currency="IRR")]))
    assert not flow.refused and flow.rate == rate and flow.usd_cents == usd * 100
