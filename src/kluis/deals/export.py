"""The CSV of deals, written under the working purpose.

The deals are business data; the people on each are named only when the working purpose is
the one they were linked under (or one covering everyone), and each of them read is audited
(``person.read``, ``via`` ``deal_export``), with one ``deal.exported`` for the file. Cells go
through the one CSV writer (``kluis.csvout``), which neutralises spreadsheet formulas. The
owner column names a colleague as the staff pages do (``auth.colleagues``): by address only
for an admin.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from io import StringIO

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.deal_events import DealsExported
from kluis.auth import colleagues
from kluis.contacts import business_fields
from kluis.contacts import people as contacts_people
from kluis.contacts.custom_rules import custom_cell
from kluis.csvout import Writer
from kluis.deals import people, repository, service
from kluis.deals.repository import Filters
from kluis.runtime import Kluis

HEADER = (
    "id", "title", "company", "pipeline", "stage", "value", "currency", "probability",
    "weighted_value", "expected_close", "owner", "source", "lost_reason", "created_at",
    "won_at", "lost_at", "people",
)  # fmt: skip


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def deals_csv(
    k: Kluis,
    actor: Actor,
    purpose_key: str,
    filters: Filters,
    now: datetime,
    language: str = "en",
) -> Iterator[str]:
    """The CSV, a page of deals at a time; each page is read and audited in one transaction.
    ``language`` is the reader's, for the owners' names."""
    service.may_read(actor)
    owners = colleagues.names(k.engine, actor.role, language)
    out = StringIO()
    writer = Writer(out)
    own = business_fields.fields(k, "deal")
    writer.writerow((*HEADER, *(f.name for f in own)))
    yield out.getvalue()
    count = 0
    with k.engine.begin() as conn:
        purpose = contacts_people.purpose_for(conn, actor, purpose_key)
        stages = {s.id: s for s in repository.stages(conn)}
        pipelines = {p.id: p for p in repository.pipelines(conn)}
        for page in repository.stream_deals(conn, filters):
            names = people.names_on(k, conn, actor, purpose, page, now)
            custom = business_fields.values_of(conn, "deal", [d.id for d in page])
            out.seek(0)
            out.truncate()
            for d in page:
                writer.writerow(
                    (
                        d.id, d.title, d.company or "", pipelines[d.pipeline_id].name_en,
                        stages[d.stage_id].key, f"{d.value:.2f}", d.currency, d.probability,
                        f"{d.weighted:.2f}",
                        d.expected_close.isoformat() if d.expected_close else "",
                        owners.get(d.owner_id, "") if d.owner_id else "",
                        d.source or "", d.lost_reason or "",
                        _iso(d.created_at), _iso(d.won_at), _iso(d.lost_at),
                        "; ".join(p.name or "a removed contact" for p in names[d.id]),
                        *(custom_cell(custom.get(d.id, {}).get(f.key)) for f in own),
                    )
                )  # fmt: skip
            count += len(page)
            yield out.getvalue()
        audit.record(conn, actor.ref, now, [DealsExported(purpose.key, count)])
