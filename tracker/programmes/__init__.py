"""Programmes: who owns funding gaps, in which countries, and what the public is told of them."""
