"""The people who sign in: accounts, roles, passwords, throttling of failed sign-ins, the sign-in
pages, the administrators' pages (users, audit trail) and the `users` commands.
"""
