"""GET /api/v1/items/{id}/document: the exact uploaded bytes, to the owner and admins only
(issue 23, part 1)."""

from __future__ import annotations

from app.engine import batches
from app.engine.batches import NewItem
from tests.analysis import factories
from tests.api.conftest import error_of
from tests.engine.helpers import items

OPENING = {"title": "Registered Nurse", "description": "Patient care.", "must_have": ["BLS"]}
LATIN_1 = "José Müller, infirmière".encode("latin-1")
HTML = b"<html><body><script>alert(1)</script>Jane Doe, nurse</body></html>"


def test_an_item_document_is_the_exact_upload_for_its_owner_and_admins(api):
    owner, other = api.user(), api.user()
    admin, readonly = api.user(role="admin"), api.user(role="readonly_admin")
    pdf, docx = factories.make_pdf(factories.NURSE), factories.make_docx(factories.NURSE)
    batch = batches.submit(owner, kind="resume", params=OPENING, items=[
        NewItem("nurse.pdf", pdf), NewItem("nurse.docx", docx), NewItem("cv.txt", b"Jane Doe"),
        NewItem("page.html", HTML), NewItem("latin.txt", LATIN_1)])
    ids = {i.name: i.id for i in items(batch.id)}

    response = api.get(f"/items/{ids['nurse.pdf']}/document", owner)
    assert response.status_code == 200 and response.content == pdf
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        "inline; filename=\"nurse.pdf\"; filename*=UTF-8''nurse.pdf")
    expected = {
        "nurse.docx": (docx,
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "cv.txt": (b"Jane Doe", "text/plain; charset=utf-8"),
        # An uploaded page is never rendered here: an attachment, not sniffed
        "page.html": (HTML, "text/html; charset=utf-8"),
        # Not UTF-8: sent as bytes rather than labelled with the wrong character set
        "latin.txt": (LATIN_1, "application/octet-stream"),
    }
    for name, (content, content_type) in expected.items():
        response = api.get(f"/items/{ids[name]}/document", owner)
        assert response.status_code == 200 and response.content == content, name
        assert response.headers["content-type"] == content_type, name
        assert response.headers["content-disposition"].startswith(
            f'attachment; filename="{name}"'), name
        assert response.headers["x-content-type-options"] == "nosniff"
    # Admins and read-only admins read it; another recruiter finds nothing there
    for reader in (admin, readonly):
        assert api.get(f"/items/{ids['nurse.pdf']}/document", reader).content == pdf
    assert error_of(api.get(f"/items/{ids['nurse.pdf']}/document", other)) == (404, "not_found")
    assert error_of(api.get("/items/999999999/document", owner)) == (404, "not_found")
    assert error_of(api.get("/items/x/document", owner)) == (422, "validation_error")
    assert api.get(f"/items/{ids['nurse.pdf']}/document").status_code == 401


def test_an_id_beyond_any_stored_one_is_not_found(api):
    owner = api.user()
    for item_id in (2**63, 22079143689855125766012928, 0, -1):
        assert error_of(api.get(f"/items/{item_id}/document", owner)) == (404, "not_found")
