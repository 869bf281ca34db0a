"""Contributions and payments: recording, editing, cancelling, the listings and their sorting,
exchange rates, their pages and forms, and the `add-rate` command.
"""
