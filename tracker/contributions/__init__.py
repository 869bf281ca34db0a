"""Contributions and payments: recording, editing, cancelling, the listings and their sorting,
how a record resolves its exchange rate, their pages and forms.
"""
