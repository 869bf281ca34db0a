"""Benchmarks: run by ``make bench`` (``python -m tests.benchmarks``), never by ``make test``.

Files are named ``bench_*.py`` so pytest does not collect them: they seed a million rows and
take minutes, which a test run must not.
"""
