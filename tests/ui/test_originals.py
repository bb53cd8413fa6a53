"""The original resume, from the candidate's details (issue 23, part 1): a PDF opens in the
browser's viewer, another kind downloads under its name; nobody else reads it."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.db import get_engine
from app.engine import batches
from app.engine.batches import NewItem
from app.models import Item
from tests.analysis import factories
from tests.engine.helpers import items
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, wait_reported

pytestmark = pytest.mark.anyio

OPENING = {"title": "Registered Nurse", "description": "Patient care in the ICU.",
           "must_have": ["Patient Care"]}


async def test_the_details_open_the_original_resume_and_only_for_its_owner(user, web):
    account = make_account()
    pdf, docx = factories.make_pdf(factories.NURSE), factories.make_docx(factories.TEACHER)
    batch = batches.submit(account, kind="resume", title="Nurses", params=OPENING, items=[
        NewItem("maria garcía.pdf", pdf), NewItem("emily.docx", docx)])
    with web.worker():
        wait_reported(batch.id)
    by_name = {i.name: i for i in items(batch.id)}
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Shortlist (2)", retries=30)
    table = next(iter(user.find(marker="shortlist").elements))
    maria = next(r for r in table.rows if r["file"] == "maria garcía.pdf")

    # The details offer the PDF as a link that opens a new tab
    user.find(marker="shortlist").trigger("rowClick", maria["id"])
    await user.should_see("Open resume", retries=5)
    link = next(iter(user.find(marker="open-resume").elements))
    assert (link.text, link.props["href"], link.props["target"]) == (
        "Open resume", f"/resumes/{by_name['maria garcía.pdf'].id}", "_blank")

    # ... the exact bytes, shown inline as a PDF, under the original name
    response = await user.http_client.get(link.props["href"])
    assert response.status_code == 200 and response.content == pdf
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        "inline; filename=\"maria garc?a.pdf\"; filename*=UTF-8''maria%20garc%C3%ADa.pdf")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"

    # A Word file downloads, with its own type
    response = await user.http_client.get(f"/resumes/{by_name['emily.docx'].id}")
    assert response.status_code == 200 and response.content == docx
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert response.headers["content-disposition"].startswith('attachment; filename="emily.docx"')

    # Another recruiter's request reads as a missing file; so does an unknown id
    other = make_account()
    await user.open("/")
    user.find(marker="sign-out").click()
    await user.should_see("Sign in to Shortlist")
    await sign_in(user, other.email, PASSWORD)
    for path in (f"/resumes/{by_name['emily.docx'].id}", "/resumes/999999999", "/resumes/x"):
        response = await user.http_client.get(path)
        assert (response.status_code, response.text) == (404, "We could not find that resume.")


async def test_a_file_no_longer_kept_says_so(user, web):
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Nurses", params=OPENING,
                           items=[NewItem("cv.txt", factories.NURSE.encode())])
    item = items(batch.id)[0]
    with get_engine().begin() as conn:
        conn.execute(update(Item.__table__).where(Item.__table__.c.id == item.id)
                     .values(document_id=None))
    await sign_in(user, account.email, PASSWORD)
    response = await user.http_client.get(f"/resumes/{item.id}")
    assert (response.status_code, response.text) == (404, "This resume's file is no longer kept.")
    # Signed out: to the sign-in page
    await user.open("/")
    user.find(marker="sign-out").click()
    await user.should_see("Sign in to Shortlist")
    response = await user.http_client.get(f"/resumes/{item.id}", follow_redirects=False)
    assert response.status_code in (303, 307) and "/signin" in response.headers["location"]
