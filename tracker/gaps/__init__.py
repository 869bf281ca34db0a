"""Funding gaps: their rules, snapshots and charts, the seed, the dashboard, the gap pages and
forms, the gaps' JSON and the `gaps` command.
"""
