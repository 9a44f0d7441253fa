"""The embedded queue's table: one worker per job, a dead worker's job taken again after its
lease, a periodic run queued once per slot, the counts /metrics reads. On SQLite and
PostgreSQL (the table exists on both; only SQLite deployments work it)."""

from __future__ import annotations

import threading
from datetime import timedelta

from conftest import NOW
from kluis.jobs import queue_reachable, rules, store
from kluis.runtime import Kluis


def test_a_job_is_claimed_by_one_worker_only(kluis: Kluis) -> None:
    job_id = store.enqueue(kluis.engine, "campaigns.send", {"campaign_id": 1}, NOW)
    won: list[store.Claimed | None] = []
    start = threading.Barrier(4)

    def take(n: int) -> None:
        start.wait()
        won.append(store.claim(kluis.engine, f"worker-{n}", NOW))

    threads = [threading.Thread(target=take, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = [c for c in won if c is not None]
    assert [c.id for c in taken] == [job_id]
    assert taken[0].args == {"campaign_id": 1}
    assert taken[0].attempt == 1


def test_a_dead_workers_job_is_taken_again_after_its_lease(kluis: Kluis) -> None:
    store.enqueue(kluis.engine, "imports.run", {"upload": "uploads/x"}, NOW)
    first = store.claim(kluis.engine, "dead", NOW)
    assert first is not None
    assert store.claim(kluis.engine, "alive", NOW + rules.LEASE / 2) is None
    assert store.renew(kluis.engine, first.id, "dead", NOW + rules.LEASE / 2)
    assert store.claim(kluis.engine, "alive", NOW + rules.LEASE) is None
    later = NOW + rules.LEASE / 2 + rules.LEASE + timedelta(seconds=1)
    assert store.counts(kluis.engine, later) == {"queued": 1, "running": 0, "failed": 0}
    again = store.claim(kluis.engine, "alive", later)
    assert again is not None
    assert (again.id, again.attempt) == (first.id, 2)
    assert not store.renew(kluis.engine, first.id, "dead", later)
    store.settle(kluis.engine, first.id, "dead", later, "done")  # the dead one settles nothing
    assert store.counts(kluis.engine, later) == {"queued": 0, "running": 1, "failed": 0}
    store.settle(kluis.engine, again.id, "alive", later, "done")
    assert store.counts(kluis.engine, later) == {"queued": 0, "running": 0, "failed": 0}


def test_a_periodic_run_is_queued_once_per_slot(kluis: Kluis) -> None:
    key = rules.periodic_key("retention.scheduled", NOW, 24)
    assert store.enqueue(kluis.engine, "retention.scheduled", {}, NOW, periodic_key=key)
    assert store.enqueue(kluis.engine, "retention.scheduled", {}, NOW, periodic_key=key) is None
    tomorrow = rules.periodic_key("retention.scheduled", NOW + timedelta(days=1), 24)
    assert store.enqueue(kluis.engine, "retention.scheduled", {}, NOW, periodic_key=tomorrow)
    assert store.counts(kluis.engine, NOW)["queued"] == 2


def test_a_later_job_waits_for_its_time(kluis: Kluis) -> None:
    job_id = store.enqueue(kluis.engine, "backup.daily", {}, NOW)
    claimed = store.claim(kluis.engine, "w", NOW)
    assert claimed is not None
    store.settle(
        kluis.engine, job_id or 0, "w", NOW, "queued", run_after=NOW + timedelta(minutes=2)
    )
    assert store.claim(kluis.engine, "w", NOW + timedelta(minutes=1)) is None
    assert store.claim(kluis.engine, "w", NOW + timedelta(minutes=2)) is not None


def test_the_queue_is_reachable_and_done_jobs_are_pruned(kluis: Kluis, backend: str) -> None:
    if backend == "sqlite":
        assert queue_reachable(kluis)
    job_id = store.enqueue(kluis.engine, "backup.daily", {}, NOW)
    assert store.claim(kluis.engine, "w", NOW) is not None
    store.settle(kluis.engine, job_id or 0, "w", NOW, "done")
    assert store.prune(kluis.engine, NOW) == 0
    assert store.prune(kluis.engine, NOW + timedelta(seconds=1)) == 1


def test_a_worker_dying_counts_as_a_failure(kluis: Kluis) -> None:
    store.enqueue(kluis.engine, "imports.run", {}, NOW)
    at = NOW
    for died in range(3):
        claimed = store.claim(kluis.engine, f"w{died}", at)
        assert claimed is not None
        assert claimed.failures == died
        at += rules.LEASE + timedelta(seconds=1)
