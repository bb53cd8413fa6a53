"""From bytes to a stored result: every fixture type, and the JSON round trip."""

from __future__ import annotations

import json

import pytest

from app.analysis import Analysis, Opening, analyze, messages
from app.errors import DocumentError

from . import factories
from .conftest import TODAY

OPENING = Opening("Backend Engineer", "Python and Go services", ["Python", "Go", "Kubernetes"],
                  ["Terraform"], 5)


@pytest.mark.parametrize(
    ("make", "kind"),
    [(lambda t: t.encode(), "text"), (factories.make_pdf, "pdf"), (factories.make_docx, "docx")],
    ids=["text", "pdf", "docx"],
)
def test_same_resume_gives_the_same_result_in_every_format(make, kind: str) -> None:
    analysis = analyze(make(factories.SOFTWARE_SENIOR), "jane", OPENING, today=TODAY)
    assert analysis.type == kind
    assert analysis.profile.name == "Jane Doe"
    assert analysis.profile.emails == ("jane.doe@example.com",)
    assert analysis.profile.phones == ("+1 (555) 123-4567",)
    assert analysis.profile.years == 9.0
    assert analysis.profile.education == "bachelor"
    assert analysis.match.must_have_matched == ("Python", "Go", "Kubernetes")
    assert analysis.match.band == "strong"


def test_round_trip_through_json() -> None:
    analysis = analyze(factories.make_docx(factories.NURSE, header="maria@example.com"),
                       "maria.docx", OPENING, today=TODAY)
    stored = json.loads(json.dumps(analysis.to_dict()))
    assert stored["version"] == 1
    assert Analysis.from_dict(stored) == analysis
    assert analysis.profile.emails == ("maria@example.com", "maria.garcia@example.com")


def test_document_errors_propagate() -> None:
    with pytest.raises(DocumentError) as caught:
        analyze(factories.image_only_pdf(), "scan.pdf", OPENING)
    assert caught.value.message == messages.SCANNED_PDF
