"""What the recruiter chooses and what they read (issue 21, parts 3 and 4).

Given a job description, the New screening page offers its skills as nice-to-haves (a
star makes one a must-have) and its minimum years, never overwriting what the recruiter
typed. Given a screened resume, its details show the score as its parts, each with its
points, a bar and a reason, then the skills with the evidence found; no raw figures.
"""

from __future__ import annotations

import re

import pytest
from nicegui import ui
from sqlalchemy import update

from app.db import get_engine
from app.engine import batches
from app.engine.batches import NewItem
from app.models import Item
from tests.engine.helpers import items
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in, star, texts, wait_reported
from ui import words

pytestmark = pytest.mark.anyio

DESCRIPTION = "Senior Python developer with 3+ years of experience shipping Docker and AWS."
HINT = ("Skills named in the description. Click one to add it as a nice-to-have, or its star"
        " to make it a must-have:")


def value(user, marker: str):
    return next(iter(user.find(marker=marker).elements)).value


async def open_new(user) -> None:
    account = make_account()
    await sign_in(user, account.email, PASSWORD)
    await user.should_see("My screenings")
    await user.open("/new")
    user.find(marker="title").type("Backend Developer")


async def test_suggested_skills_are_nice_to_haves_and_only_a_star_makes_a_must_have(user, web):
    await open_new(user)
    user.find(marker="description").type(DESCRIPTION)
    await user.should_see(HINT, retries=5)
    suggested = [e.text for e in user.find(kind=ui.button, marker="add-nice").elements]
    assert sorted(suggested) == ["AWS", "Docker", "Python"]
    # Each suggestion is two buttons (reachable with Tab, pressed with Enter), named for
    # screen readers.
    labels = sorted(e.props["aria-label"] for e in user.find(kind=ui.button, marker="make-must")
                    .elements)
    assert labels == ["Make AWS a must-have", "Make Docker a must-have", "Make Python a must-have"]
    assert sorted(e.props["aria-label"] for e in user.find(kind=ui.button, marker="add-nice")
                  .elements) == ["Add AWS as a nice-to-have", "Add Docker as a nice-to-have",
                                 "Add Python as a nice-to-have"]

    # A click adds a nice-to-have; nothing becomes a must-have by itself
    user.find(kind=ui.button, marker="add-nice", content="Python").click()
    assert value(user, "nice-to-have") == ["Python"] and value(user, "must-have") == []
    # The star makes one a must-have
    star(user, "AWS").click()
    assert value(user, "must-have") == ["AWS"] and value(user, "nice-to-have") == ["Python"]
    assert [e.text for e in user.find(kind=ui.button, marker="add-nice").elements] == ["Docker"]
    # "Add all" adds the rest as nice-to-haves: a normal-size, outlined button
    add_all = next(iter(user.find(marker="add-all").elements))
    assert add_all.text == "Add all as nice-to-haves"
    assert "size" not in add_all.props and "dense" not in add_all.props
    user.find(marker="add-all").click()
    assert value(user, "nice-to-have") == ["Python", "Docker"]
    assert value(user, "must-have") == ["AWS"]
    await user.should_not_see(HINT)
    # Taking a skill out offers it again
    next(iter(user.find(marker="nice-to-have").elements)).value = ["Python"]
    await user.should_see(HINT)
    assert [e.text for e in user.find(kind=ui.button, marker="add-nice").elements] == ["Docker"]


async def test_the_minimum_the_description_asks_for_is_offered_and_never_overwrites(user, web):
    await open_new(user)
    await user.should_not_see(marker="use-years")
    user.find(marker="description").type(DESCRIPTION)
    with user.scope(marker="years-offer"):
        await user.should_see("The description asks for 3+ years.", retries=5)
    assert value(user, "min-years") is None  # offered, not filled in behind their back
    use = next(iter(user.find(marker="use-years").elements))
    assert use.text == "Use 3 as the minimum"
    user.find(marker="use-years").click()
    assert value(user, "min-years") == 3
    await user.should_not_see("The description asks for 3+ years.")

    # A value the recruiter typed stays, whatever the description says next
    years = next(iter(user.find(marker="min-years").elements))
    years.value = 5
    description = next(iter(user.find(marker="description").elements))
    description.value = "At least 2 years of experience with Python."
    await user.should_not_see("The description asks for")
    assert years.value == 5
    # Emptied, the field is offered the description's minimum again
    years.value = None
    with user.scope(marker="years-offer"):
        await user.should_see("The description asks for 2+ years.")
        await user.should_see("Use 2 as the minimum")
    # A description that names no minimum offers nothing
    description.value = "Python developer."
    await user.should_not_see("The description asks for")
    await user.should_not_see(marker="use-years")


OPENING = {"title": "DevOps Engineer",
           "description": "We run our services on AWS with CI/CD pipelines.",
           "must_have": ["CI/CD", "AWS", "Kubernetes"], "nice_to_have": ["Terraform", "Python"],
           "min_years": 3}
DANA = ("Dana Reyes\nDevOps Engineer\ndana@example.com\n\nExperience\nAcme - DevOps Engineer,"
        " 2018 - Present\nBuilt Jenkins pipelines and ran services on EC2.\n\nSkills\n"
        "Jenkins, EC2, Python\n")
NAMELESS = ("DevOps Engineer\nops@example.com\n\nExperience\nAcme - Site Reliability Engineer,"
            " 2020 - Present\n\nSkills\nKubernetes, Terraform\n")
RAW_FIGURE = re.compile(r"\b0\.\d+|similarity", re.IGNORECASE)


async def screened(user, web):
    account = make_account()
    batch = batches.submit(account, kind="resume", title="DevOps", params=OPENING, items=[
        NewItem("dana.txt", DANA.encode()), NewItem("ops.txt", NAMELESS.encode())])
    with web.worker():
        wait_reported(batch.id)
    await sign_in(user, account.email, PASSWORD)
    await user.open(f"/screenings/{batch.id}")
    await user.should_see("Shortlist (2)", retries=30)
    table = next(iter(user.find(marker="shortlist").elements))
    return batch, table


def explanation(user) -> list[str]:
    """The details' texts in page order, the hiring team's panel (status, tags, notes)
    aside."""
    team = set(map(id, next(iter(user.find(marker="decision").elements)).descendants()))
    return [e.text for e in next(iter(user.find(marker="detail").elements)).descendants()
            if id(e) not in team and isinstance(getattr(e, "text", None), str) and e.text]


def stored(batch_id, file: str) -> Item:
    return next(i for i in items(batch_id) if i.name == file)


async def test_details_show_the_score_as_its_parts_then_the_skills_with_evidence(user, web):
    batch, table = await screened(user, web)
    dana = next(r for r in table.rows if r["name"] == "Dana Reyes")
    match = stored(batch.id, "dana.txt").result["match"]
    user.find(marker="shortlist").trigger("rowClick", dana["id"])
    await user.should_see("Role", retries=5)
    shown = explanation(user)
    parts = match["parts"]
    assert [p["label"] for p in parts] == ["Role", "Skills", "Relevant experience", "Wording"]
    # Each part: its label, its points out of its weight, its one-line reason, in order
    expected = ["Dana Reyes", "dana.txt", "Download resume", f"Score {match['score']}", "Good"]
    for part in parts:
        expected += [part["label"], f"{round(part['points'])} / {round(100 * part['weight'])}",
                     part["reason"]]
    assert shown[:len(expected)] == expected, shown
    assert shown[5:8] == ["Role", "30 / 30",
                          "Has been DevOps Engineer (or similar) for 9 years."]
    assert shown[11:14] == ["Relevant experience", "15 / 15",
                            "9 years in similar roles, 9 years in all (meets the 3 asked)."]
    # The parts add up to more than the score: the missing must-have says why
    off = round(sum(p["points"] for p in parts)) - match["score"]
    assert off > 0
    assert shown[len(expected)] == f"Missing must-have skills take {off} points off."
    # A bar per part, as full as the part's credit
    with user.scope(marker="score-parts"):
        bars = [e.value for e in user.find(kind=ui.linear_progress).elements]
    assert sorted(bars) == sorted(p["credit"] for p in parts)
    # Then the skills, with what showed them
    skills = texts(user, "detail-skills")
    assert skills == ["Must-have skills found", "CI/CD: found Jenkins", "AWS: found Amazon EC2",
                      "Must-have skills missing", "Kubernetes",
                      "Nice-to-have skills found", "Python",
                      "Nice-to-have skills not found", "Terraform"]
    # No raw similarity figure anywhere on the details, nor in the shortlist's rows
    assert not [t for t in shown if RAW_FIGURE.search(t)], shown
    assert match["similarity"] > 0  # stored, but never shown
    assert set(dana) == {"id", "rank", "name", "file", "score", "band", "band_color",
                         "matched", "nice", "missing", "years", "also", "possibly",
                         "status", "status_text", "status_color", "starred", "tags", "notes",
                         "notes_text"}
    assert not [v for r in table.rows for v in r.values() if isinstance(v, float)]


async def test_a_name_not_found_shows_the_file_and_says_so(user, web):
    _, table = await screened(user, web)
    nameless = next(r for r in table.rows if r["name"] == "ops.txt")
    assert nameless["file"] == ""  # the table shows the file once, as the name
    user.find(marker="shortlist").trigger("rowClick", nameless["id"])
    await user.should_see("Name not found", retries=5)
    assert texts(user, "detail")[:3] == ["ops.txt", "Name not found", "Download resume"]


async def test_a_result_scored_before_the_parts_shows_its_explanation_without_figures(user, web):
    batch, table = await screened(user, web)
    item = stored(batch.id, "dana.txt")
    old = dict(item.result)
    old["match"] = {k: v for k, v in old["match"].items()
                    if k not in ("parts", "skill_evidence", "nice_to_have_suggested")}
    old["match"]["explanation"] = (
        "Good match (score 76). Has 2 of 3 must-have skills; missing: Kubernetes. Has 1 of"
        " 2 nice-to-have skills. About 9 years of experience (meets the 3 asked). Wording"
        " close to the job description (similarity 0.36).")
    with get_engine().begin() as conn:
        conn.execute(update(Item.__table__).where(Item.__table__.c.id == item.id)
                     .values(result=old))
    user.find(marker="shortlist").trigger("rowClick", item.id)
    await user.should_see("Must-have skills found", retries=5)
    shown = explanation(user)
    assert shown[:6] == ["Dana Reyes", "dana.txt", "Download resume", "Score 76", "Good",
                         "Has 2 of 3 must-have skills; missing: Kubernetes. Has 1 of 2"
                         " nice-to-have skills. About 9 years of experience (meets the 3"
                         " asked). Wording close to the job description."]
    await user.should_not_see(marker="score-parts")
    assert "CI/CD" in shown  # no evidence stored: the skill alone
    assert not [t for t in shown if RAW_FIGURE.search(t)], shown


def test_score_note_says_why_the_parts_do_not_add_up() -> None:
    parts = [{"weight": 0.3, "points": 30.0}, {"weight": 0.25, "points": 15.4},
             {"weight": 0.15, "points": 15.0}, {"weight": 0.3, "points": 23.7}]
    assert words.score_note(parts, 84, False) == ""
    assert words.score_note(parts, 76, True) == "Missing must-have skills take 8 points off."
    assert words.score_note(parts, 84, True) == ""  # rounding only
    without_skills = [parts[0], parts[2], parts[3]]  # 68.7 of 75
    assert words.score_note(without_skills, 92, False) == (
        "The parts count out of 75 here, scaled to 100.")
    assert words.score_note([], 0, False) == ""
    assert words.points_text(23.7, 0.3) == "24 / 30"
    assert words.evidence_text("CI/CD", "Jenkins") == "CI/CD: found Jenkins"
    assert words.evidence_text("Python", None) == "Python"
