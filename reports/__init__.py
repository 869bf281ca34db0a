"""Workbook builders: plain rows in, an .xlsx out.

Nothing here imports ``tracker``. The app gathers the rows (its figures, contributions,
payments, donors) and serves the files; this package only lays them out. That keeps
openpyxl in one place and lets every builder be tested and benchmarked without a database.
"""
