"""Imported once by the reader processes' fork server (app.engine.readers): the analysis
with its data loaded (word frequencies, taxonomy, names, roles), so that every reader
forked from it starts warm in milliseconds instead of importing for a second."""

from app.analysis import Opening, identity
from app.analysis.pipeline import analyze_text
from app.engine import readers  # noqa: F401  (the readers' own code, pickled by reference)

_SAMPLE = "José Doe\njose@example.com\nAccountant, 2019-2024: ledgers, payroll and tax."
analyze_text(_SAMPLE, "warm-up.txt", Opening.from_dict({"title": "Accountant", "must_have": ["Tax"]}))
identity.text_signature(_SAMPLE * 3)
