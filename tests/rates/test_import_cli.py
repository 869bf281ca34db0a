"""``flask rates import FILE --source …``: all of a good file, none of a bad one, harmless twice."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from tests.rates import samples
from tracker.core.models import AuditEntry, ExchangeRate


def count(session, model=ExchangeRate):
    return session.scalar(select(func.count()).select_from(model))


def test_a_un_table_is_imported_and_a_second_import_changes_nothing(runner, session):
    result = runner.invoke(args=["rates", "import", str(samples.UN), "--source", "un-operational"])
    assert result.exit_code == 0, result.output
    assert "7 added, 0 corrected, 0 already on file; skipped codes the tracker does not know: VEF." in result.output
    rows = session.execute(select(ExchangeRate.currency, ExchangeRate.date, ExchangeRate.units_per_usd,
                                  ExchangeRate.kind).order_by(ExchangeRate.currency, ExchangeRate.date)).all()
    assert [(c, d.isoformat(), r) for c, d, r, _ in rows][:2] == [
        ("EUR", "2026-02-01", Decimal("0.862")), ("EUR", "2026-03-01", Decimal("0.851"))]
    assert {kind for *_, kind in rows} == {"un-operational"}
    entries = count(session, AuditEntry)
    session.rollback()  # end the read, as a page's request would, before the command writes

    again = runner.invoke(args=["rates", "import", str(samples.UN), "--source", "un-operational"])
    assert "0 added, 0 corrected, 7 already on file" in again.output
    assert count(session) == 7 and count(session, AuditEntry) == entries


def test_a_changed_rate_imported_again_is_a_correction_in_the_audit_trail(runner, session, tmp_path):
    runner.invoke(args=["rates", "import", str(samples.ECB), "--source", "ecb"])
    changed = tmp_path / "eurofxref.csv"
    changed.write_text(samples.ECB.read_text().replace("161.20", "161.30"))
    result = runner.invoke(args=["rates", "import", str(changed), "--source", "ecb"])
    assert "0 added, 1 corrected, 10 already on file" in result.output
    rate = session.scalar(select(ExchangeRate).where(ExchangeRate.currency == "JPY",
                                                      ExchangeRate.units_per_usd > Decimal("148.2")))
    entry = session.scalars(select(AuditEntry).where(AuditEntry.record_type == "exchange rate",
                                                     AuditEntry.record_id == rate.id)
                            .order_by(AuditEntry.id)).all()[-1]
    assert (entry.action, entry.reason) == ("update", "Imported from eurofxref.csv")
    assert "148.1617647059" in entry.before and "148.2536764706" in entry.after


def test_a_broken_file_lists_its_problems_and_imports_nothing(runner, session):
    result = runner.invoke(args=["rates", "import", str(samples.ECB_BROKEN), "--source", "ecb"])
    assert result.exit_code != 0
    assert "Row 3, column A: enter the date as 2026-03-13." in result.output
    assert "Error: eurofxref-broken.csv has 4 problem(s) listed above; nothing was imported." in result.output
    assert count(session) == 0


def test_bad_arguments_exit_with_a_one_line_reason(runner, session, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for args in (["rates", "import", str(samples.UN)], ["rates", "import", str(samples.UN), "--source", "imf"],
                 ["rates", "import", str(tmp_path / "missing.csv"), "--source", "ecb"],
                 ["rates", "import", str(empty), "--source", "ecb"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and "Error" in result.output, args
    assert count(session) == 0
