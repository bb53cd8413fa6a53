"""Accounts: users, API tokens, signing in and its limits, one's own password and
"forgot password" links, e-mail to account holders (SMTP), permissions, rate limits, and
the audit log of who changed what.

May import: the foundation (app.settings, app.db, app.models, app.errors, app.logs,
app.redis_client, app.units, app.roundtrips) and app.analysis. Nothing else of app.
"""
