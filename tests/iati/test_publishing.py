"""The IATI file through the staff page, the command and the recompute job."""
from __future__ import annotations

import stat
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests import factories
from tests.iati import ledgers
from tracker.core.models import Gap
from tracker.iati import activities, publishing, schema


def test_staff_download_the_file_filtered_by_programme_and_gap(client, session):
    ledgers.every_kind(session)
    session.commit()
    answer = client.get("/reports/iati.xml?programme=test&gap=KHM-SP")
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    assert [e.text for e in schema.parse(answer.data).iter("iati-identifier")] == ["XM-DAC-41302-KHM-SP"]


@pytest.mark.parametrize("query, message", [("gap=NOPE", "There is no funding gap NOPE."),
                                            ("programme=NOPE", "There is no programme NOPE."),
                                            ("gap=" + "X" * 21, "at most 20 printable characters")])
def test_a_bad_filter_is_a_400_with_its_message(client, session, query, message):
    answer = client.get(f"/reports/iati.xml?{query}")
    assert answer.status_code == 400 and message in answer.text


def test_anyone_reads_the_published_gaps_with_unnamed_donors_unnamed(anonymous, session):
    ledgers.every_kind(session)
    gap = session.scalar(select(Gap).where(Gap.code == "KHM-SP"))
    gap.published = gap.programme.published = True
    session.commit()
    answer = anonymous.get("/open/v1/iati.xml")
    tree = schema.parse(answer.data)
    assert [e.text for e in tree.iter("iati-identifier")] == ["XM-DAC-41302-KHM-SP"]
    providers = {e.findtext("narrative") for e in tree.iter("provider-org")}
    assert providers == {activities.UNNAMED_DONOR}
    assert anonymous.get("/open/v1/iati.xml?gap=KHM-NOP").status_code == 404  # not published


def test_donors_cannot_download_it(client_as, session):
    assert client_as("donor", factories.add_contribution(
        session, factories.add_gap(session), "10.00").donor_id).get("/reports/iati.xml").status_code == 403


def test_the_command_writes_a_private_valid_file(runner, session, tmp_path):
    ledgers.every_kind(session)
    session.commit()
    target = tmp_path / "iati.xml"
    result = runner.invoke(args=["iati", "export", str(target), "--gap", "KHM-NOP"])
    assert result.exit_code == 0, result.output
    assert "1 activities written" in result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    schema.parse(target.read_bytes())
    assert "There is no programme NOPE" in runner.invoke(args=["iati", "export", str(target), "--programme",
                                                               "NOPE"]).output


def test_the_job_writes_each_change_exactly_once(app, session, tmp_path):
    target = tmp_path / "published.xml"
    first = datetime(2026, 3, 1, tzinfo=UTC)
    assert not publishing.write_if_changed(session, app.config, target, first)  # nothing to publish yet
    ledgers.every_kind(session)
    session.commit()
    assert publishing.write_if_changed(session, app.config, target, first)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not publishing.write_if_changed(session, app.config, target, datetime(2026, 3, 1, 1, tzinfo=UTC))
    factories.add_contribution(session, factories.add_gap(session, "KHM-NEW"), "10.00")
    session.commit()
    assert publishing.write_if_changed(session, app.config, target, first)
    assert b"KHM-NEW" in target.read_bytes()
    assert not publishing.write_if_changed(session, app.config, target, first)
