"""What a recruiter works with around a batch: turning uploads into items, files parked
while a form is filled in, and the recruiter's read side (lists, the shortlist, details,
reports).

May import: the foundation, app.analysis, app.accounts and app.engine.
"""
