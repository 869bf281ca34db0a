"""``flask import-fts``: every flow's outcome listed, bad input refused in one line, exit non-zero."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.fts import exports
from tracker.core.models import Contribution, FtsPlan


@pytest.fixture
def export(tmp_path, session):
    factories.add_gap(session, "AFG-HRP-2020")
    session.commit()
    path = tmp_path / "fts.csv"
    path.write_bytes(exports.csv_file())
    return path


def run(runner, *args):
    return runner.invoke(args=["import-fts", *map(str, args)])


def test_the_command_imports_lists_every_flow_and_writes_the_report(runner, session, export, tmp_path):
    report = tmp_path / "outcomes.csv"
    result = run(runner, export, "--plan", "HAFG20=AFG-HRP-2020", "--report", report)
    assert result.exit_code == 0, result.output
    assert "flow 200002 (row 4): added, contribution No. 2" in result.output
    assert "flow 200005 (row 7): left out: It is a parked flow" in result.output
    assert "plan HAFG20: US$ 5,062,648.00 in 6 flow(s) kept" in result.output
    assert "Flows: 6 added, 4 left out." in result.output
    assert report.read_bytes().decode("utf-8-sig").count("\n") == 11
    assert session.scalar(select(FtsPlan.plan_code)) == "HAFG20"
    again = run(runner, export)  # the plan's gap remembered
    assert "Flows: 6 unchanged, 4 left out." in again.output


def test_a_dry_run_writes_nothing(runner, session, export):
    result = run(runner, export, "--gap", "AFG-HRP-2020", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Flows: 7 added, 3 left out. Dry run: nothing was written." in result.output
    assert session.scalar(select(func.count()).select_from(Contribution)) == 0


@pytest.mark.parametrize("args, says", [
    (["missing.csv"], "does not exist"),
    (["{export}", "--plan", "HAFG20="], "use PLAN=GAP"),
    (["{export}", "--plan", "HAFG20=NOPE-1"], "There is no funding gap with the code NOPE-1."),
    (["{export}", "--plan", "HAFG20"], "No gap is given or remembered for the plan HAFG20"),
    (["{not_fts}"], "This is not an FTS flow export: it has no column id, amountUSD, status."),
])
def test_bad_input_exits_non_zero_with_a_one_line_reason(runner, session, export, tmp_path, args, says):
    not_fts = tmp_path / "other.csv"
    not_fts.write_text("Donor,Amount\nJapan,100\n")
    result = run(runner, *(a.format(export=export, not_fts=not_fts) for a in args))
    assert result.exit_code != 0
    last = result.output.strip().splitlines()[-1]  # after click's usage lines, if any: the reason, in one line
    assert last.startswith("Error: ") and says in last
    assert session.scalar(select(func.count()).select_from(Contribution)) == 0
