"""The long tables' shared rules: whitelisted sorting, and search text that is always literal."""
from __future__ import annotations

import pytest

from tracker.core.errors import InvalidInput
from tracker.core.listing import MAX_SEARCH, Sort, SortColumn, Sorting, contains_pattern, search_text, sorted_rows

SORTING = Sorting({"name": SortColumn("Name", len), "amount": SortColumn("Amount", abs, descending_first=True)},
                  default=Sort("name", descending=False))


@pytest.mark.parametrize("column, direction, expected", [
    (None, None, Sort("name", False)),
    ("amount", None, Sort("amount", True)),  # an amount starts largest first
    ("amount", "asc", Sort("amount", False)),
    ("name", "DESC", Sort("name", True)),
    (None, "desc", Sort("name", True)),
])
def test_a_sort_is_read_from_the_whitelist(column, direction, expected):
    assert SORTING.parse(column, direction) == expected


@pytest.mark.parametrize("column, direction, field", [
    ("password", None, "sort"), ("", "asc", "sort"), ("name; DROP TABLE gap", None, "sort"),
    ("name", "up", "dir"), ("name", "", "dir"),
])
def test_anything_else_is_refused_naming_what_is_allowed(column, direction, field):
    with pytest.raises(InvalidInput) as refused:
        SORTING.parse(column, direction)
    assert refused.value.field == field
    if field == "sort":
        assert "name, amount" in refused.value.message


def test_a_header_link_flips_the_sorted_column_and_starts_others_at_their_natural_direction():
    current = Sort("name", descending=False)
    assert SORTING.direction_after_click(current, "name") == "desc"
    assert SORTING.direction_after_click(current, "amount") == "desc"
    assert SORTING.direction_after_click(Sort("amount", True), "amount") == "asc"


def test_rows_in_memory_keep_unknown_values_last_and_ties_in_tiebreak_order():
    rows = [("b", 2), ("a", None), ("c", 2), ("d", 5)]
    sorting = Sorting({"n": SortColumn("N", lambda row: row[1])}, Sort("n", False))
    tiebreak = lambda row: row[0]  # noqa: E731
    assert sorted_rows(rows, sorting, Sort("n", False), tiebreak) == [("b", 2), ("c", 2), ("d", 5), ("a", None)]
    assert sorted_rows(rows, sorting, Sort("n", True), tiebreak) == [("d", 5), ("c", 2), ("b", 2), ("a", None)]


@pytest.mark.parametrize("typed, pattern", [
    ("Japan", "%Japan%"),
    ("100%", "%100\\%%"),
    ("EU_2026", "%EU\\_2026%"),
    ("a\\b", "%a\\\\b%"),
])
def test_search_text_is_literal_in_a_like_pattern(typed, pattern):
    assert contains_pattern(typed) == pattern


def test_search_text_is_trimmed_and_bounded():
    assert search_text("  Government   of Japan ") == "Government of Japan"
    assert search_text(None) == ""
    with pytest.raises(InvalidInput):
        search_text("x" * (MAX_SEARCH + 1))
