"""The command line: first run, the gaps table, demo data, rates, and who the audit trail names."""
import getpass
import json

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.core.models import AuditEntry, Contribution, Donor, ExchangeRate


def test_gaps_prints_the_remaining_gaps(runner, session):
    runner.app.config["TRACKER_SEED"] = "ilo-cambodia"
    runner.invoke(args=["init-db"])
    result = runner.invoke(args=["gaps"])
    assert result.exit_code == 0
    assert "KHM-SME" in result.output and "720,000.00" in result.output
    assert "15,720,000.00" in result.output.splitlines()[-1]


def test_gaps_json_matches_the_api(runner, client):
    runner.app.config["TRACKER_SEED"] = "ilo-cambodia"
    runner.invoke(args=["init-db"])
    printed = json.loads(runner.invoke(args=["gaps", "--json"]).output)
    assert printed == client.get("/api/v1/gaps").json


def test_demo_data_is_clearly_labelled(runner, session):
    result = runner.invoke(args=["demo-data", "--gaps", "3", "--contributions", "40"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(Contribution)) == 40
    names = session.scalars(select(Donor.name)).all()
    assert names and all(name.startswith("Example Donor") for name in names)


def test_bad_arguments_exit_non_zero_with_a_reason(runner, session):
    for args in (["demo-data", "--gaps", "-1"], ["demo-data", "--contributions", "lots"],
                 ["add-rate", "XYZ", "2026-01-01", "1.2"], ["add-rate", "EUR", "2026-13-01", "1.2"],
                 ["add-rate", "EUR", "2026-01-01", "0"], ["add-rate", "EUR", "2026-01-01", "NaN"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert "Error" in result.output, args
    assert session.scalar(select(func.count()).select_from(ExchangeRate)) == 0
    assert session.scalar(select(func.count()).select_from(Contribution)) == 0


def test_a_rate_for_the_same_day_replaces_the_first(runner, session):
    runner.invoke(args=["add-rate", "eur", "2026-01-01", "0.9"])
    runner.invoke(args=["add-rate", "EUR", "2026-01-01", "0.91", "--source", "UN operational rate"])
    [(rate, source)] = session.execute(select(ExchangeRate.units_per_usd, ExchangeRate.source)).all()
    assert (str(rate), source) == ("0.91", "UN operational rate")


@pytest.mark.parametrize("command", [
    ["add-rate", "EUR", "2026-01-01", "0.9"],
    ["users", "create", "--email", "new@example.org", "--role", "viewer", "--password-stdin"],
    ["init-db"],
])
def test_every_command_names_its_actor_in_the_audit_trail(runner, session, command):
    """Every change made from the command line is recorded as cli:<operating-system user>
    (demo-data writes its example rows in bulk, without audit entries, on purpose)."""
    runner.app.config["TRACKER_SEED"] = "ilo-cambodia"
    result = runner.invoke(args=command, input="a long enough password\n")
    assert result.exit_code == 0, result.output
    actors = set(session.scalars(select(AuditEntry.actor)))
    assert actors == {f"cli:{getpass.getuser()}"}, actors


def test_an_import_from_the_command_line_names_its_actor(runner, session, tmp_path):
    from tests.imports import files

    factories.add_gap(session, "KHM-SME", requirement="720000.00")
    session.commit()
    path = tmp_path / "a.xlsx"
    path.write_bytes(files.workbook(files.CLEAN))
    assert runner.invoke(args=["import-contributions", str(path)]).exit_code == 0
    imported = select(AuditEntry.actor).where(AuditEntry.record_type == "contribution")
    assert set(session.scalars(imported)) == {f"cli:{getpass.getuser()}"}
