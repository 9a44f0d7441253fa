"""A post mailing's file made as a job: the staff page starts it and follows its progress, the
file is kept sealed for the one who asked until the first download or its expiry, the job
stops and resumes, an erasure deletes the files holding the person, and the periodic job
removes expired ones. Both backends."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import ADMIN, MARKETING, NOW
from kluis.actors import Actor, Role
from kluis.audit import service as audit
from kluis.auth import service as auth
from kluis.contacts import erasure
from kluis.errors import InvalidField, NotFound, PermissionDenied
from kluis.jobs import JobContext, Stopped
from kluis.messaging import campaigns, post_jobs
from kluis.messaging.post_file_tables import PostFileRow
from kluis.runtime import Kluis
from post_helpers import LETTER, population
from staff_helpers import signed_in


def staff(k: Kluis, email: str) -> Actor:
    user, _ = auth.create_user(k.engine, ADMIN, email, "marketing", NOW, password="x" * 16)
    return Actor(ref=f"user:{user.id}", role=Role.MARKETING, user_id=user.id)


def test_a_file_is_made_kept_sealed_handed_over_once(kluis: Kluis) -> None:
    people = population(kluis)
    anna, bert = staff(kluis, "anna@example.com"), staff(kluis, "bert@example.com")
    draft = campaigns.create_campaign(kluis, MARKETING, LETTER, NOW)
    asked = post_jobs.request_file(kluis, anna, draft.id, "labels", NOW)
    assert asked.state == "queued"
    steps: list[tuple[str, int, int]] = []

    def check() -> None:
        shown = post_jobs.get_file(kluis, anna, asked.id, NOW)
        steps.append((shown.state, shown.done, shown.total))

    assert post_jobs.make_file(kluis, asked.id, lambda: NOW, check)
    assert ("deciding", 2, 2) in steps  # two people with consent and an address, one page
    ready = post_jobs.get_file(kluis, anna, asked.id, NOW)
    assert (ready.state, ready.people) == ("ready", 2)
    with kluis.engine.connect() as conn:
        (sealed,) = conn.execute(select(PostFileRow.content)).one()
    assert sealed is not None
    assert b"%PDF" not in sealed
    assert b"Kerkstraat" not in sealed
    with pytest.raises(PermissionDenied):
        post_jobs.take(kluis, bert, asked.id, NOW)  # only the one who asked
    handed = post_jobs.take(kluis, anna, asked.id, NOW)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(handed.content)).pages)
    assert "Kerkstraat" in text
    with pytest.raises(NotFound):
        post_jobs.take(kluis, anna, asked.id, NOW)
    actions = [
        e.action
        for e in audit.list_entries(kluis.engine, limit=1000)
        if e.action.startswith("post.")
    ]
    assert sorted(actions) == [
        "post.downloaded",
        "post.file_removed",
        "post.file_requested",
    ]
    assert people  # the population's consenting people were decided and read (audited)
    with pytest.raises(InvalidField):
        post_jobs.request_file(kluis, anna, draft.id, "zip", NOW)


def test_a_stopped_job_goes_back_to_the_queue_and_expired_files_go(kluis: Kluis) -> None:
    population(kluis)
    anna = staff(kluis, "anna@example.com")
    draft = campaigns.create_campaign(kluis, MARKETING, LETTER, NOW)
    asked = post_jobs.request_file(kluis, anna, draft.id, "letters", NOW)
    context = JobContext(kluis, lambda: NOW)
    context.stop.set()
    with pytest.raises(Stopped):
        post_jobs.make_job.run(context, file_id=asked.id)
    assert post_jobs.get_file(kluis, anna, asked.id, NOW).state == "queued"
    post_jobs.make_job.run(JobContext(kluis, lambda: NOW), file_id=asked.id)
    assert post_jobs.get_file(kluis, anna, asked.id, NOW).state == "ready"
    later = NOW + timedelta(minutes=kluis.settings.post_file_minutes)
    post_jobs.expire_job.run(JobContext(kluis, lambda: later))
    with kluis.engine.connect() as conn:
        assert conn.execute(select(PostFileRow)).all() == []
    (removed,) = audit.list_entries(kluis.engine, action="post.file_removed", limit=10)
    assert removed.details["why"] == "expired"


def test_an_erasure_deletes_the_files_that_hold_the_person(kluis: Kluis) -> None:
    people = population(kluis)
    anna = staff(kluis, "anna@example.com")
    draft = campaigns.create_campaign(kluis, MARKETING, LETTER, NOW)
    asked = post_jobs.request_file(kluis, anna, draft.id, "csv", NOW)
    post_jobs.make_file(kluis, asked.id, lambda: NOW)
    erasure.erase_people(kluis, ADMIN, [people["consenting"]], NOW)
    with kluis.engine.connect() as conn:
        assert conn.execute(select(PostFileRow)).all() == []
    (removed,) = audit.list_entries(kluis.engine, action="post.file_removed", limit=10)
    assert removed.details["why"] == "erasure"


def test_the_page_follows_the_job_and_offers_the_file(kluis: Kluis) -> None:
    population(kluis)
    draft = campaigns.create_campaign(kluis, MARKETING, LETTER, NOW)
    client, csrf = signed_in(kluis, "marketing", "email_marketing")
    started = client.post(f"/app/campaigns/{draft.id}/post/csv", data={"csrf": csrf})
    assert started.status_code == 303
    location = started.headers["location"]
    page = client.get(location)
    assert 'data-state="ready"' in page.text
    assert 'id="post-file-download"' in page.text
    forged = client.post(f"{location}/download", data={"csrf": "wrong"})
    assert forged.status_code == 403
    got = client.post(f"{location}/download", data={"csrf": csrf})
    assert got.status_code == 200
    assert got.headers["cache-control"] == "no-store"
    assert got.content.startswith("\ufeffreference".encode())
    assert client.get(location).status_code == 404
