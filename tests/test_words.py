"""Counts read as sentences do: one snapshot, two snapshots, never "snapshot(s)"."""
from tracker.core.words import counted


def test_a_count_agrees_with_its_noun():
    assert [counted(n, "snapshot") for n in (0, 1, 2, 1204)] == [
        "0 snapshots", "1 snapshot", "2 snapshots", "1,204 snapshots"]
    assert counted(1, "match", "matches") == "1 match" and counted(3, "match", "matches") == "3 matches"
