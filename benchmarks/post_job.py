"""Post letters as a job: the same mailing file made inside the request (``post.files``, what
the API and the command line do) and as the staff pages' job (``post_jobs``: the request that
starts it, then the job deciding, writing, sealing and storing with its progress, then the
download that opens and deletes it).

N customers (soft opt-in on post, so no consent rows are needed) with names and postal
addresses, collected through the service before anything is timed. Then, alternating
(``harness.alternate``, A B A B) on the same campaign (each run decides everyone again, as a
download does): A (baseline) ``post.files(..., ["letters"])``; B the job's three steps. The
figures: the request's wait before the browser has an answer (A: all of it; B: starting the
job), and the job's whole cost against A (the overhead of progress writes and sealing).

    python benchmarks/post_job.py [--people 10000] [--pairs 3] [--kind letters]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from harness import Result, Timing, alternate, report, stopwatch
from kluis.actors import SYSTEM, Actor, Role
from kluis.auth import service as auth
from kluis.consent.catalogue import load_default_topics
from kluis.contacts import collect
from kluis.contacts.people import NewPerson
from kluis.messaging import campaigns, post, post_jobs
from kluis.opening import open_kluis
from kluis.purposes import service as purposes
from kluis.purposes.service import load_default_catalogue
from kluis.settings import Settings

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
KEY = "q7yGFz8bQm1mDqQ4w0bL1S7yY2m0jv5eYc5o0lQ7k2Y="
LETTER = {
    "channel": "post",
    "name": "Voorjaarsbrief",
    "topic": "offers",
    "subject_nl": "Alle kaas halve prijs",
    "body_nl": (
        "Beste {{ given_name }},\n\nDeze lente is alle kaas halve prijs.\n\n{{ organisation }}"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--kind", default="letters", choices=sorted(post.FILES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), master_key=SecretStr(KEY), soft_opt_in_channels="email,post"
        )
        k = open_kluis(settings)
        load_default_catalogue(k.engine, NOW)
        load_default_topics(k, NOW)
        admin_user, _ = auth.create_user(
            k.engine, SYSTEM, "admin@example.com", "admin", NOW, password="x" * 16
        )
        admin = Actor(f"user:{admin_user.id}", Role.ADMIN, admin_user.id)
        for key in ("email_marketing", "existing_customer_marketing"):
            current = purposes.get_purpose(k.engine, key)
            purposes.change_purpose(
                k.engine,
                admin,
                key,
                {"data_categories": [*current.data_categories, "user.contact.address"]},
                NOW,
            )
        items = (
            NewPerson(
                relationship="customer",
                purposes=("customer_service", "existing_customer_marketing"),
                fields={
                    "given_name": f"Fenna{n}",
                    "family_name": f"Brouwersma{n}",
                    "email": f"fenna.brouwersma{n}@example.com",
                    "address": f"Kerkstraat {n}\n9711 AB Groningen",
                },
            )
            for n in range(args.people)
        )
        collect.create_people(k, admin, items, NOW)
        draft = campaigns.create_campaign(k, admin, LETTER, NOW)
        post.files(k, admin, draft.id, ["csv"], NOW)  # makes the mailing (queued once)
        waits: list[float] = []

        def inline(_i: int) -> Timing:
            with stopwatch() as watch:
                _mailing, made = post.files(k, admin, draft.id, [args.kind], NOW)
            assert made[0].people == args.people, made[0].people
            return watch.timing

        def job(_i: int) -> Timing:
            with stopwatch() as watch:
                with stopwatch() as started:
                    asked = post_jobs.request_file(k, admin, draft.id, args.kind, NOW)
                waits.append(started.timing.wall)
                post_jobs.make_file(k, asked.id, lambda: NOW)
                handed = post_jobs.take(k, admin, asked.id, NOW)
            assert handed.people == args.people, handed.people
            return watch.timing

        compared = alternate(args.pairs, inline, job)
        load = os.getloadavg()[0]
        report(
            Result(
                f"post {args.kind}, {args.people:,} people: the request's wait, load {load:.1f}",
                "the page answers at once",
                f"in the request {compared.median('baseline'):.1f} s; starting the job "
                f"{max(waits) * 1000:.0f} ms (max)",
                f"{compared.median('baseline') / max(max(waits), 1e-6):,.0f}x shorter wait",
                True,
            )
        )
        report(
            Result(
                f"post {args.kind}, {args.people:,} people: the job's cost, load {load:.1f}",
                "-",
                f"job {compared.median('kluis'):.1f} s vs in the request "
                f"{compared.median('baseline'):.1f} s",
                compared.summary(),
                None,
            )
        )
        k.close()


if __name__ == "__main__":
    main()
