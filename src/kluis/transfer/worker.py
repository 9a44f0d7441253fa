"""Preparing an import's records, in this process or in a second one.

Preparing is pure computation: each record validated and normalised (``rules.values``), its
blind-index digests made (``contacts.writer.index_entries``: the duplicate look-ups need them),
and for a row that may create a person a time-ordered id and a fresh key (made and wrapped) with
its fields sealed under it. With ``workers=1`` a forked process does it, reading the file itself,
while the importing process writes the batch before (two batches in flight at most).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from kluis import forked
from kluis.contacts import custom_rules, index_keys
from kluis.contacts import rules as contact_rules
from kluis.contacts.writer import index_entries
from kluis.ids import new_person_ids
from kluis.transfer.reading import Record
from kluis.transfer.rules.columns import Plan
from kluis.transfer.rules.matching import DUPLICATE_FIELDS
from kluis.transfer.rules.notes import Reject
from kluis.transfer.rules.values import Row, validate_row
from kluis.vault.crypto import PersonCipher

DEFAULT_WORKERS = 0
"""Preparing runs in this process unless asked otherwise (``workers=1``: a second process reads
the file and does the validation and cryptography while this one writes). The server's uploads
run in this process: forking a process that runs threads is not safe."""


NAME_MEMO = 50_000
"""Name tokens whose digests the preparing process keeps (about 6 MB), so memory stays flat."""


NewKeys = Callable[[Sequence[str]], list[tuple[PersonCipher, bytes]]]


@dataclass(frozen=True)
class Batch:
    """A batch of records prepared for writing."""

    count: int
    """Records read (blank ones too): how far the job's position moves."""
    results: list[Row | Reject | None]
    rejected: dict[int, list[str]]
    """The cells of each rejected record read, by line, for the rejects file."""


@dataclass(frozen=True)
class Preparer:
    """What preparing a record needs; inherited by the worker process through fork."""

    plan: Plan
    relationship: str
    language: str
    ctx: contact_rules.NormaliseContext
    declared_consent: bool
    blind_index: Callable[[str, str], bytes]
    new_keys: NewKeys | None
    """Makes and wraps keys (``Vault.new_keys``); None in a dry run, which seals nothing."""
    keep_cells: bool
    """Whether rejected records are written out (``--rejects``), so their cells are kept."""
    name_digests: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)
    """Blind-index digests of name tokens made so far (``_digest``), at most ``NAME_MEMO``."""

    def _digest(self, kind: str, term: str) -> bytes:
        """``blind_index`` of a term, remembered for name tokens: a list repeats first names
        and family-name words (Jan, Anna, de, van, Jansen) on row after row, and each is the
        same keyed HMAC every time. E-mail addresses and phone numbers are one person's each
        (a repeat is a duplicate), so they are not kept."""
        if kind != "name":
            return self.blind_index(kind, term)
        memo = self.name_digests
        found = memo.get(term)
        if found is None:
            if len(memo) >= NAME_MEMO:
                memo.clear()
            found = memo[term] = self.blind_index(kind, term)
        return found

    def prepare(self, chunk: Sequence[Record]) -> Batch:
        out: list[Row | Reject | None] = []
        rejected: dict[int, list[str]] = {}
        valid: list[Row] = []
        for record in chunk:
            if isinstance(record, Reject):  # a record that could not be read
                out.append(record)
                continue
            line, cells = record
            result = validate_row(
                self.plan,
                line,
                cells,
                relationship=self.relationship,
                language=self.language,
                ctx=self.ctx,
                declared_consent=self.declared_consent,
            )
            if isinstance(result, Reject):
                if self.keep_cells:
                    rejected[line] = cells
            elif result is not None:
                result.index = sorted(set(index_entries(result.stored, self._digest)))
                result.index_keys = index_keys.pack(result.index)
                result.digests = {n: d for n, d in result.index if n in DUPLICATE_FIELDS}
                if self.keep_cells:
                    result.cells = cells
                valid.append(result)
            out.append(result)
        if self.new_keys is not None and valid:
            made = self.new_keys(new_person_ids(len(valid)))
            for row, (cipher, wrapped) in zip(valid, made, strict=True):
                row.person_id = cipher.person_id
                row.wrapped_key = wrapped
                if row.custom:
                    self._seal_with_custom(row, cipher)
                else:
                    row.sealed = cipher.seal_all(row.stored)
        return Batch(len(chunk), out, rejected)

    def _seal_with_custom(self, row: Row, cipher: PersonCipher) -> None:
        """The row's fields and custom values sealed under the person's key in one call (the
        associated data names the person and the field, ``custom.<key>`` for a custom value,
        as ``custom_fields.store_values`` seals it), with a searchable custom value's
        blind-index digest."""
        both = cipher.seal_all({**row.stored, **row.custom})
        row.sealed = {name: both[name] for name in row.stored}
        by_name = {f.name: f for f in self.plan.custom}
        for name, stored in row.custom.items():
            declared = by_name[name]
            digest = None
            if declared.searchable:
                digest = self.blind_index(
                    custom_rules.index_name(declared), custom_rules.index_term(declared, stored)
                )
            row.custom_sealed[name] = (both[name], digest)


def batches(context: Preparer, stream: Iterator[Record], size: int) -> Iterator[Batch]:
    while chunk := list(islice(stream, size)):
        yield context.prepare(chunk)


def _chunks(stream: Iterator[Record], size: int) -> Iterator[list[Record]]:
    while chunk := list(islice(stream, size)):
        yield chunk


def in_worker(context: Preparer, stream: Iterator[Record], size: int) -> Iterator[Batch]:
    """``batches`` made in a second process (``kluis.forked.ahead``), forked so that it
    inherits the open file, the plan and the keys: it reads, validates and seals the next batch
    while the caller writes this one."""
    return forked.ahead(
        context.prepare, _chunks(stream, size), who="the import's", name="kluis-import-prepare"
    )
