"""The public face of the tracker: a programme's published gaps on a page (``/p/<code>``), in a
block other sites frame (``/p/<code>/embed``), as badges, and as open data (``/open/v1``).

Everything here reads the recompute job's output (each published gap's latest snapshot and the
named donors' funding, ``tracker.gaps.snapshots``), never the ledger, so a public request costs
what the number of published gaps costs, whatever the number of contributions.
"""
