"""A recruiter's whole path through the web app, in NiceGUI's simulated browser.

Given a signed-in recruiter, when they describe an opening and drop resumes, then the
screening starts in their plan's lane, its page follows the real workers' progress live,
and the shortlist, the details and the CSV report show the ranked candidates.
"""

from __future__ import annotations

import uuid

import pytest
from nicegui import ui

from app.engine import batches
from app.engine.batches import NewItem
from app.models import Batch
from tests.analysis import factories
from tests.conftest import wait_until
from tests.engine.helpers import submit_noop, wait_finished
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import (
    OPENING,
    csv_rows,
    resume_docx,
    resume_txt,
    sign_in,
    star,
    texts,
    upload,
    wait_reported,
)

pytestmark = pytest.mark.anyio

LIVE = 150  # should_see retries (0.1 s each) while workers run


def the_batch(owner_id: int) -> Batch:
    from app.accounts.signin import session_user
    from app.recruiting import queries

    return queries.list_batches(session_user(owner_id)).rows[0]


async def test_submit_watch_progress_open_details_and_download(user, web):
    # Given a recruiter on the New screening page
    account = make_account(plan="premium")
    await sign_in(user, account.email, PASSWORD)
    await user.should_see("My screenings")
    await user.open("/new")
    user.find(marker="title").type("Backend Engineer")
    user.find(marker="description").type(OPENING["description"])
    # Skills named in the description are suggested: a click adds one as a nice-to-have,
    # its star makes it a must-have (only the recruiter makes must-haves).
    await user.should_see("Skills named in the description", retries=5)
    with user.scope(marker="suggestions"):
        await user.should_see("Docker")
        user.find(kind=ui.button, marker="add-nice", content="Docker").click()
    must = next(iter(user.find(marker="must-have").elements))
    nice = next(iter(user.find(marker="nice-to-have").elements))
    assert must.value == [] and nice.value == ["Docker"]
    star(user, "Python").click()
    star(user, "PostgreSQL").click()
    assert must.value == ["Python", "PostgreSQL"] and nice.value == ["Docker"]
    await user.should_not_see("Skills named in the description")  # all of them taken
    nice.value = ["Kubernetes"]
    next(iter(user.find(marker="min-years").elements)).value = 3

    # When they drop resumes: two Word files, a text file, a ZIP of two more, and two
    # files that cannot be used
    archive = factories.make_zip({
        "team/ada.txt": resume_txt("Ada Lovelace", "Python, PostgreSQL, Kubernetes",
                                   "2021 - Present"),
        "team/bob.txt": resume_txt("Bob Stone", "Excel, Customer service", "2021 - 2022"),
    })
    await upload(user, {
        "jane.docx": resume_docx(factories.SOFTWARE_SENIOR),
        "sam.docx": resume_docx(factories.SOFTWARE_JUNIOR),
        "nurse.txt": factories.NURSE.encode(),
        "team.zip": archive,
        "empty.txt": b"",
        "photo.png": b"\x89PNG\r\n\x1a\n" + bytes(64),
    })
    # Then five resumes are ready and the two refused files are named with the reason
    await user.should_see("5 resumes ready to screen", retries=20)
    with user.scope(marker="files"):
        for name in ("jane.docx", "sam.docx", "nurse.txt", "ada.txt", "bob.txt"):
            await user.should_see(name)
    with user.scope(marker="rejected"):
        await user.should_see("2 files not added")
        await user.should_see("The file is empty (0 bytes). Check that you picked the right"
                              " file and upload it again.")
        await user.should_see("This is an image, not a document. Upload a PDF with"
                              " selectable text or a Word file.")

    # When they start the screening
    user.find(marker="start").click()
    await user.should_see("Waiting to start", retries=30)
    batch = the_batch(account.id)
    assert batch.total == 5 and batch.lane == "high" and batch.title == "Backend Engineer"
    assert batch.params["must_have"] == ["Python", "PostgreSQL"]
    assert batch.params["nice_to_have"] == ["Kubernetes"] and batch.params["min_years"] == 3
    await user.should_see("0 of 5 resumes screened")

    # Then the page follows the workers to the end, without reloading
    with web.worker():
        await user.should_see("5 of 5 resumes screened", retries=LIVE)
        await user.should_see("Finished", retries=LIVE)
        wait_reported(batch.id)
        # The report is written by the finalize step; the buttons turn on when it is.
        await user.should_see("Shortlist (5)", retries=LIVE)
        csv_button = next(iter(user.find(marker="csv").elements))
        for _ in range(LIVE):
            if csv_button.enabled:
                break
            await user.should_see("Shortlist (5)")
        assert csv_button.enabled

    # The shortlist is ranked: Jane (a senior software engineer with every skill) first,
    # Bob (a cashier) and Maria (a nurse), who have none of the skills, last
    table = next(iter(user.find(marker="shortlist").elements))
    names = [r["name"] for r in table.rows]
    assert names == ["Jane Doe", "Sam Lee", "Ada Lovelace", "Bob Stone", "Maria Garcia"], names
    assert [r["rank"] for r in table.rows] == [1, 2, 3, 4, 5]
    assert table.rows[0]["band"] == "Strong" and table.rows[0]["missing"] == []
    assert table.rows[0]["file"] == "jane.docx"

    # A click on a row opens the candidate's explanation (the browser sends the row's id)
    user.find(marker="shortlist").trigger("rowClick", table.rows[3]["id"])
    with user.scope(marker="detail"):
        await user.should_see("Bob Stone")
        await user.should_see("Must-have skills missing")
        await user.should_see("Python")

    # The CSV report downloads with one row per resume, in the same order
    user.find(marker="csv").click()
    response = await user.download.next(timeout=5)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="shortlist-Backend-Engineer.csv"')
    rows = csv_rows(response.content)
    assert [r["name"] for r in rows] == names
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[0]["file"] == "jane.docx" and rows[0]["band"] == "strong"
    assert "PostgreSQL" in rows[0]["matched"] and rows[-1]["missing"] == "Python; PostgreSQL"

    user.find(marker="xlsx").click()
    workbook = await user.download.next(timeout=5)
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    assert workbook.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # And My screenings lists it, finished
    await user.open("/")
    await user.should_see("Backend Engineer")
    await user.should_see("5 of 5 resumes screened")
    await user.should_see("Finished")


async def test_failed_files_are_listed_with_reasons_and_only_fixable_ones_retried(user, web):
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Nurse", params={
        "title": "Registered Nurse", "must_have": ["Patient care"]}, items=[
        NewItem("maria.txt", factories.NURSE.encode()),
        NewItem("broken.pdf", factories.truncated_pdf()),
    ])
    with web.worker():
        wait_reported(batch.id)
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("2 of 2 resumes screened, 1 could not be read")
    with user.scope(marker="failed"):
        await user.should_see("Could not be read (1)")
        await user.should_see("broken.pdf")
    reason = [t for t in texts(user, "failed") if "damaged" in t]
    assert reason and reason[0].startswith("This PDF is damaged or incomplete"), texts(user, "failed")

    # It is damaged for good: trying again would fail the same way, so it is not offered.
    await user.should_not_see(marker="retry")

    # A failure that may pass next time (a simulated one) is offered, and counted.
    flaky = submit_noop(account, 3, fail_rate=0.2)  # the first of the three fails
    with web.worker():
        failed = wait_finished(flaky.id).n_failed
    assert failed == 1
    await user.open(f"/screenings/{flaky.id}")
    await user.should_see("Try the failed file again", retries=30)
    user.find(marker="retry").click()
    await user.should_see("1 file will be tried again.", retries=30)


async def test_cancel_asks_first_then_cancels(user, web):
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Accountant", params={
        "title": "Staff Accountant"}, items=[
        NewItem(f"r{i}.txt", resume_txt(f"Person {i}", "Excel")) for i in range(3)])
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Waiting to start")
    user.find(marker="cancel").click()
    await user.should_see("Cancel this screening?")
    await user.should_see("Keep screening")
    user.find(marker="confirm-cancel").click()
    await user.should_see("The screening is being cancelled.", retries=30)
    await user.should_see("Cancelled", retries=30)
    await user.should_see("0 of 3 resumes screened, 3 not screened")
    assert wait_finished(batch.id).status == "cancelled"
    await user.should_not_see(marker="cancel")  # nothing left to cancel


async def test_its_owner_has_the_cancelled_files_screened_after_all(user, web):
    account = make_account()
    batch = batches.submit(account, kind="resume", title="Accountant", params={
        "title": "Staff Accountant"}, items=[
        NewItem(f"r{i}.txt", resume_txt(f"Person {i}", "Excel")) for i in range(3)],
        dispatch=False)
    batches.cancel(account, batch.id)
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Cancelled")
    await user.should_see("0 of 3 resumes screened, 3 not screened")
    await user.should_see("Screen the 3 cancelled files")
    user.find(marker="retry-cancelled").click()
    await user.should_see("3 files will be tried again.", retries=30)
    with web.worker():
        done = wait_finished(batch.id)
    assert (done.status, done.n_done, done.n_cancelled, done.cancelled_at) == (
        "done", 3, 0, None)
    await user.should_see("3 of 3 resumes screened", retries=LIVE)
    await user.should_not_see(marker="retry-cancelled")


def test_a_cancelled_screening_says_how_far_it_got():
    from ui import words

    assert words.status_text("cancelled", 400, 50, 2, 348) == (
        "Cancelled — 52 of 400 screened, 348 not screened")
    assert words.status_text("cancelled", 400, 0, 0, 400) == "Cancelled"
    assert words.status_text("cancelled") == "Cancelled"
    assert words.status_text("done", 400, 398, 2, 0) == "Finished"
    assert words.screened_text(1200, 1000, 0, 200) == "1,000 of 1,200, 200 not screened"
    assert words.screened_text(4, 2, 2, 0) == "4 of 4"
    assert words.progress_text(400, 50, 2, 348) == (
        "52 of 400 resumes screened, 2 could not be read, 348 not screened")


async def test_another_recruiters_screening_is_not_found(user, web):
    owner, other = make_account(), make_account()
    batch = batches.submit(owner, kind="resume", title="Secret opening", params={
        "title": "Secret opening"}, items=[NewItem("a.txt", resume_txt("Ann Lee", "Python"))])
    await sign_in(user, other.email, PASSWORD)
    await user.should_see("My screenings")
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("We could not find that screening.")
    await user.should_not_see("Secret opening")
    # Not in their list either, and the report is refused the same way
    await user.open("/")
    await user.should_see("You have no screenings yet.")
    response = await user.http_client.get(f"/screenings/{batch.id}/report.csv")
    assert response.status_code == 404
    assert response.text == "We could not find that screening."
    # A made-up address reads the same, with no technical detail
    await user.open(f"/screenings/{uuid.uuid4()}")
    await user.should_see("We could not find that screening.")
    await user.open("/screenings/not-a-screening")
    await user.should_see("We could not find that screening.")


@pytest.mark.parametrize("stack_overrides", [{"quota_free": 2}])
async def test_submit_errors_are_shown_in_plain_words(user, web):
    account = make_account(plan="free")
    await sign_in(user, account.email, PASSWORD)
    await user.should_see("My screenings")
    await user.open("/new")
    # Nothing to screen yet
    user.find(marker="title").type("Cashier")
    user.find(marker="start").click()
    await user.should_see("Add at least one resume: drop the files in the box above.")
    # The plan's limit is shown before any file is added, and a file past it is left out
    # when added, with the reason (it used to be refused only on submit)
    await user.should_see("Your plan screens up to 2 resumes at once, 10 MB per resume and"
                          " 200 MB in all.")
    await upload(user, {f"r{i}.txt": resume_txt(f"Person {i}", "Cash handling")
                        for i in range(3)})
    await user.should_see("2 resumes ready to screen", retries=20)
    await user.should_see("No more can be added to this screening")
    await user.should_see("1 file not added")
    await user.should_see("Your plan screens up to 2 resumes at once; this one was left out."
                          " Start another screening for the rest.")
    assert not next(iter(user.find(marker="problem").elements)).text.startswith("Traceback")


MB = 1024 * 1024


@pytest.mark.parametrize("stack_overrides", [{
    "max_file_bytes": MB, "max_files_per_upload": 3, "max_upload_bytes": 3 * MB,
    "zip_max_entries": 2,
}])
async def test_upload_limits_are_enforced_on_the_server(user, web):
    account = make_account()
    await sign_in(user, account.email, PASSWORD)
    await user.should_see("My screenings")
    await user.open("/new")
    await user.should_see("Up to 3 resumes in one screening, 1 MB per resume and 3 MB in all.")
    big = resume_txt("Big File", "Python") + b" filler" * (MB // 7)
    too_many = factories.make_zip({f"{i}.txt": resume_txt(f"P {i}", "SQL") for i in range(3)})
    await upload(user, {
        "one.txt": resume_txt("One Person", "Python"),
        "big.txt": big,
        "many.zip": too_many,
        "huge.txt": b"x" * (3 * MB + 1),
    })
    with user.scope(marker="rejected"):
        await user.should_see("3 files not added", retries=20)
        await user.should_see("This file is larger than the 1 MB limit. Upload a smaller file"
                              " (a resume rarely needs more than a few MB).")
        await user.should_see("The archive 'many.zip' holds 3 files; at most 2 are allowed in"
                              " one archive. Split it into smaller archives.")
        await user.should_see("Adding this file would go over the 3 MB limit for one"
                              " screening. Start another screening for the rest.")
    rejected = texts(user, "rejected")
    assert rejected.index("big.txt") < rejected.index("many.zip") < rejected.index("huge.txt")
    # Three files at most: the fourth of these is left out, named with the reason
    await upload(user, {f"more{i}.txt": resume_txt(f"More {i}", f"Skill{i}") for i in range(3)})
    await user.should_see("3 resumes ready to screen", retries=20)
    with user.scope(marker="rejected"):
        await user.should_see("more2.txt")
        await user.should_see("One screening can hold at most 3 files; this one was left out."
                              " Start another screening for the rest.")
    # The same file twice is kept once
    await upload(user, {"again.txt": resume_txt("One Person", "Python")})
    with user.scope(marker="rejected"):
        await user.should_see("This file is already in the list (the same content was added"
                              " before).", retries=20)


async def test_user_text_is_never_rendered_as_html(user, web):
    account = make_account()
    title = "<img src=x onerror=alert(1)> Nurse"
    batch = batches.submit(account, kind="resume", title=title, params={
        "title": title, "description": "<script>alert('x')</script> patient care"},
        items=[NewItem("<img src=x onerror=alert(2)>.txt", factories.NURSE.encode())])
    with web.worker():
        wait_reported(batch.id)
    await sign_in(user, account.email, PASSWORD)
    await user.should_see("My screenings")
    await user.should_see(title)  # shown as text
    await user.open(f"/screenings/{batch.id}")
    await user.should_see(title)
    await user.should_see("<script>alert('x')</script> patient care")
    for kind in (ui.html, ui.markdown):
        await user.should_not_see(kind=kind)
    table = next(iter(user.find(marker="shortlist").elements))
    wait_until(lambda: table.rows, timeout=5)
    assert table.rows[0]["name"] == "Maria Garcia"
    # The file name comes out as typed, inside a text interpolation (escaped by Vue).
    assert table.rows[0]["file"] == "<img src=x onerror=alert(2)>.txt"
    assert all("v-html" not in slot.template for slot in table.slots.values()
               if getattr(slot, "template", None))


def test_report_route_refuses_unsupported_formats(web):
    from app.errors import NotFound
    from app.recruiting import reports

    account = make_account()
    batch = batches.submit(account, kind="resume", params={"title": "X"},
                           items=[NewItem("a.txt", resume_txt("Ann Lee", "Python"))])
    with pytest.raises(NotFound, match="not ready yet"):
        reports.report_document(account, batch.id, "csv")
    with pytest.raises(NotFound, match="could not find that report"):
        reports.report_document(account, batch.id, "pdf")



async def test_old_word_and_image_files_are_listed_with_their_reason(user, web):
    account = make_account()
    await sign_in(user, account.email, PASSWORD)
    await user.should_see("My screenings")
    await user.open("/new")
    await upload(user, {"old.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
                        "photo.jpg": b"\xff\xd8\xff\xe0" + b"\0" * 600,
                        "maria.txt": factories.NURSE.encode()})
    await user.should_see("1 resume ready to screen", retries=20)
    await user.should_see("2 files not added")
    await user.should_see("old.doc")
    await user.should_see("photo.jpg")
    texts_seen = " ".join(texts(user, "rejected"))
    assert "Word" in texts_seen and ".docx" in texts_seen, texts_seen
    assert "image" in texts_seen.lower() or "photo" in texts_seen.lower(), texts_seen
