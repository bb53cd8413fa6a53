"""The admin's read side and bulk actions: overview and metrics, workers, the screenings
search, failures grouped by reason, bulk actions over many batches, daily statistics.

May import: the foundation, app.analysis, app.accounts and app.engine.
"""
