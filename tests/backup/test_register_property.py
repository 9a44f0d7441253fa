"""A property of the erasure register (issue 14 point 1, Art. 17, DESIGN.md invariant 2): in any
sequence of creations, erasures, partial erasures, backups, restores of either store (of any
earlier snapshot) and restarts, no erased person and no minimised field can be read again by
any path: read by id, message address, search by e-mail or name, listing, bulk read, export;
and every erased person's address stays on the suppression list.

A Hypothesis state machine, derandomised and bounded, on SQLite and on PostgreSQL (pg_dump and
pg_restore from the installed binaries; fewer examples there, each restore runs the tools). On
the code before the register had three copies it fails within these examples on SQLite: an
erasure, then restores of the data store and of the keyring in turn, bring the key back."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conftest import ADMIN, MASTER_KEY, NOW, _settings_on, examples
from factories import new_person
from kluis.backup import service as backup
from kluis.consent.catalogue import load_default_topics
from kluis.contacts import collect, erasure, rules
from kluis.contacts import people as contacts
from kluis.errors import NotFound, PersonErased
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.transfer.export import ExportFormat, export_people

PURPOSES = ("invoicing", "email_marketing", "age_verification")
KEEP = ("invoicing",)
STEPS = ("data", "keyring", "restart")
PEOPLE = 5
SNAPSHOTS = 3
"""Bounds that keep examples from spending their steps on one rule."""
READ_AS = "privacy_requests"
"""Covers everyone, so whatever is still stored about a person is visible under it."""


def _birth_date(n: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=n)).isoformat()


def _email(n: int) -> str:
    return f"fenna.brouwersma{n}@example.com"


class RegisterMachine(RuleBasedStateMachine):
    """One fresh Kluis per example. Each starts in use: a bystander who is never erased (a data
    restore needs a keyring with keys in it), somebody to erase, and a backup of both."""

    def __init__(self, fresh: Settings, backups: Path) -> None:
        super().__init__()
        self.conf = fresh
        self.backups = backups
        self.clock = NOW
        self.numbers = itertools.count(1)
        self.number_of: dict[str, int] = {}
        self.erased: set[str] = set()
        self.minimised: set[str] = set()
        self.snapshots: list[backup.Created] = []
        self.k: Kluis = open_kluis(self.conf, migrate=False, now=self.tick())
        load_default_catalogue(self.k.engine, self.clock)
        load_default_topics(self.k, self.clock)
        self.bystander = self._create()
        self._create()
        self.backup_create()

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    def reopen(self) -> None:
        self.k = open_kluis(self.conf, migrate=False, now=self.tick())

    def _create(self) -> str:
        n = next(self.numbers)
        person = collect.create_person(
            self.k,
            ADMIN,
            new_person(n, purposes=PURPOSES, phone=None, birth_date=_birth_date(n)),
            self.tick(),
        )
        self.number_of[person] = n
        return person

    def _candidates(self, without: set[str]) -> list[str]:
        return sorted(set(self.number_of) - without - {self.bystander})

    @precondition(lambda self: len(self.number_of) < PEOPLE)
    @rule()
    def create(self) -> None:
        self._create()

    @precondition(lambda self: bool(self._candidates(self.erased)))
    @rule(pick=st.integers(0, 50))
    def erase(self, pick: int) -> None:
        people = self._candidates(self.erased)
        person = people[pick % len(people)]
        try:
            erasure.erase_person(self.k, ADMIN, person, self.tick())
        except NotFound:
            return  # not in this data store (a restore of an earlier snapshot) nor erased
        self.erased.add(person)

    @precondition(lambda self: bool(self._candidates(self.erased | self.minimised)))
    @rule(pick=st.integers(0, 50))
    def keep_only(self, pick: int) -> None:
        people = self._candidates(self.erased | self.minimised)
        person = people[pick % len(people)]
        try:
            with self.k.engine.begin() as conn:
                erasure.keep_only(
                    self.k,
                    ADMIN,
                    person,
                    KEEP,
                    self.tick(),
                    reason="request",
                    conn=conn,
                    ledger=True,
                )
        except NotFound:
            return
        self.minimised.add(person)

    @precondition(lambda self: len(self.snapshots) < SNAPSHOTS)
    @rule()
    def backup_create(self) -> None:
        self.snapshots.append(backup.create(self.k, ADMIN, self.backups, self.tick()))

    @rule(plan=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 50)), max_size=4))
    def restore(self, plan: list[tuple[str, int]]) -> None:
        """Restores of either store, of any earlier snapshot, and restarts, one after another
        (an operator trying to recover), with a check after each."""
        for step, pick in plan or [("data", 0)]:
            snapshot = self.snapshots[pick % len(self.snapshots)]
            self.k.close()
            if step == "data":
                backup.restore(self.conf, ADMIN, snapshot.data_dir, self.tick())
            elif step == "keyring":
                backup.restore_keyring(self.conf, ADMIN, snapshot.keyring_file, self.tick())
            self.reopen()
            self.nothing_erased_is_readable()

    @invariant()
    def nothing_erased_is_readable(self) -> None:
        if not (self.erased or self.minimised):
            return
        k, now = self.k, self.clock
        for person in self.erased:
            n = self.number_of[person]
            with pytest.raises((PersonErased, NotFound)):
                contacts.read_person(k, ADMIN, person, READ_AS, now)
            with pytest.raises((PersonErased, NotFound)):
                contacts.recipient(k, ADMIN, person, READ_AS, now)
            assert not k.vault.has_keys([person])
            digest = k.vault.blind_index("email", rules.email_index_term(_email(n)))
            assert k.vault.suppressed([digest]) == {digest}
            for text in (_email(n), f"Fenna{n}"):
                found = contacts.search_people(k, ADMIN, READ_AS, now, text=text)
                assert person not in {v.id for v in found.items}
        ids = list(self.number_of)
        views = {v.id: v for v in contacts.read_people(k, ADMIN, ids, READ_AS, now)}
        listed = contacts.search_people(k, ADMIN, READ_AS, now, limit=500)
        views.update({v.id: v for v in listed.items})
        assert not self.erased & set(views)
        for person in self.minimised & set(views):
            assert "birth_date" not in views[person].fields
            assert set(views[person].purposes) <= set(KEEP)
        exported = self.backups.parent / "export.json"
        export_people(k, ADMIN, exported, READ_AS, ExportFormat.JSON, now)
        text = exported.read_text()
        for person in self.erased:
            assert person not in text
            assert _email(self.number_of[person]) not in text
        for person in self.minimised:
            assert _birth_date(self.number_of[person]) not in text
        json.loads(text)

    def teardown(self) -> None:
        self.k.close()


def test_no_order_of_restores_brings_back_an_erasure(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    runs = itertools.count()

    def machine() -> RegisterMachine:
        run = tmp_path / f"run{next(runs)}"
        run.mkdir()
        made = _settings_on(backend, run / "data", MASTER_KEY, request, "pg_urls")
        if made.database_url is not None:
            made = made.model_copy(update={"pg_bindir": request.getfixturevalue("pg").bindir})
        return RegisterMachine(made, run / "backups")

    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples(10) if backend == "sqlite" else examples(5),
            stateful_step_count=12,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
