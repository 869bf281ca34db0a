"""Donors: one record per donor, found by name whatever its spelling; the donor list and pages."""
