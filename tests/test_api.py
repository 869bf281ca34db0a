"""The read-only JSON other tools read."""
from tests import factories

FIELDS = {"code", "title", "status", "requirement_usd", "funding_usd", "pledged_usd", "received_usd",
          "written_off_usd", "exchange_difference_usd", "shortfall_usd", "surplus_usd", "coverage_pct",
          "gap_if_pledges_honoured_usd", "unpaid_foreign_usd_frozen", "unpaid_foreign_usd_today"}


def test_gaps_list_money_as_two_decimal_strings(client, session):
    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    factories.add_contribution(session, gap, "1000000", currency="JPY", rate="150")
    factories.add_contribution(session, gap, "100.10", status="pledged")
    session.commit()
    [found] = client.get("/api/v1/gaps").json
    assert set(found) == FIELDS
    assert found["funding_usd"] == "6666.67"
    assert found["pledged_usd"] == "100.10"
    assert found["shortfall_usd"] == "713333.33"
    assert found["gap_if_pledges_honoured_usd"] == "713233.23"
    assert found["coverage_pct"] == "0.93"
    assert found["surplus_usd"] == "0.00"


def test_one_gap_by_code_in_any_case(client, session):
    factories.add_gap(session, "KHM-SME")
    session.commit()
    assert client.get("/api/v1/gaps/khm-sme").json["code"] == "KHM-SME"


def test_an_unknown_gap_is_a_json_404(client):
    response = client.get("/api/v1/gaps/NOPE")
    assert response.status_code == 404
    assert "NOPE" in response.json["message"]
