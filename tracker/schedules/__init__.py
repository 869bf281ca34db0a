"""Payment schedules: instalments and how payments fill them, overdue flags, the reminders outbox,
the schedule and write-off pages, and the outbox page.
"""
