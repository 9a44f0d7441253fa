"""The registry of Kluis' slices: what each offers the assembly.

One entry per slice names its API routers, its staff pages, its public pages, its commands and
an optional hook run whenever Kluis is opened. ``kluis.app`` and ``kluis.cli`` only iterate
this list, so adding a slice is one entry here. Everything is named by ``module:attribute``
(``load``) and imported when used: the command line imports a slice's CLI module only when one
of its commands runs, and reads the help texts below for ``kluis --help`` (a test checks they
are the commands' own). The entries are in the order ``kluis --help`` lists their commands,
which is also the order the app includes the routers in.

This is the top floor (with ``app``, ``cli``, ``opening`` and ``models``): it may name any
slice. It imports none, so that ``kluis --help`` stays quick.
"""

from __future__ import annotations

import importlib
from typing import Any

from kluis.slice_types import Command, Group, Slice

SLICES: tuple[Slice, ...] = (
    Slice(
        "auth",
        staff_pages=("kluis.auth.pages:router", "kluis.auth.admin_pages:router"),
        cli=(
            Group("users", "Staff users and their roles.", ("kluis.auth.cli:users_app",)),
            Group("tokens", "API tokens.", ("kluis.auth.cli:tokens_app",)),
        ),
    ),
    Slice(
        "contacts",
        home_panels=("kluis.contacts.home:home_panel",),
        api=("kluis.contacts.routes:router", "kluis.contacts.routes:companies"),
        staff_pages=("kluis.contacts.pages:router", "kluis.contacts.companies_pages:router"),
        cli=(
            Group(
                "contacts",
                "People: add, show, search, erase.",
                (
                    "kluis.transfer.cli:contacts_app",
                    "kluis.contacts.cli:contacts_app",
                    "kluis.requests.export_cli:contacts_app",
                    "kluis.retention.cli:contacts_app",
                ),
            ),
        ),
    ),
    Slice(
        "purposes",
        api=("kluis.purposes.routes:router",),
        staff_pages=("kluis.purposes.pages:router",),
        cli=(Group("purposes", "The purposes catalogue.", ("kluis.purposes.cli:purposes_app",)),),
    ),
    Slice(
        "audit",
        api=("kluis.compliance.audit_routes:router",),
        staff_pages=("kluis.compliance.audit_pages:router",),
        cli=(Group("audit", "The hash-chained audit log.", ("kluis.audit.cli:audit_app",)),),
    ),
    Slice(
        "consent",
        person_panels=("kluis.consent.panels:person_panel",),
        timeline=("kluis.consent.timeline:source",),
        home_panels=("kluis.consent.home:home_panel",),
        api=(
            "kluis.consent.routes:router",
            "kluis.consent.catalogue_routes:notices",
            "kluis.consent.catalogue_routes:topics",
        ),
        staff_pages=("kluis.consent.pages:router", "kluis.consent.notice_pages:router"),
        cli=(
            Command(
                "decide",
                "May a message go to this person: allowed or refused, with the basis, the "
                "reason and the\nevidence (audited). Exits 0 either way: a refusal is an answer, "
                "not an error.",
                "kluis.consent.cli_decisions:commands",
            ),
            Command(
                "audience",
                "Count who a commercial message on a channel and topic may reach, and the "
                "refused by\nreason.",
                "kluis.consent.cli_decisions:commands",
            ),
            Command(
                "audience-recount",
                "Recount the kept audience counts from the consent state and people (a repair: "
                "triggers\nkeep them in step; run it after a table was rebuilt around Kluis).",
                "kluis.consent.cli_decisions:commands",
            ),
            Group(
                "notices",
                "Consent notices: the versioned wording shown when consent is asked.",
                ("kluis.consent.cli_notices:notices_app",),
            ),
            Group(
                "topics",
                "Consent topics: the kinds of content people choose.",
                ("kluis.consent.cli_notices:topics_app",),
            ),
            Group(
                "consent",
                "The consent ledger: grants, withdrawals, evidence, objections, receipts.",
                ("kluis.consent.cli:consent_app",),
            ),
        ),
    ),
    Slice(
        "messaging",
        person_panels=("kluis.messaging.panels:person_panel",),
        timeline=("kluis.messaging.timeline:source",),
        api=(
            "kluis.messaging.routes:router",
            "kluis.messaging.routes:campaigns_router",
            "kluis.messaging.campaign_routes:router",
            "kluis.messaging.post_pages:api",
            "kluis.messaging.call_routes:router",
        ),
        on_open="kluis.messaging.open_hooks:on_open",
        jobs=(
            "kluis.messaging.jobs:send_campaign",
            "kluis.messaging.post_jobs:make_job",
            "kluis.messaging.post_jobs:expire_job",
        ),
        staff_pages=(
            "kluis.messaging.pages:router",
            "kluis.messaging.draft_pages:router",
            "kluis.messaging.post_pages:pages",
            "kluis.messaging.call_pages:router",
            "kluis.messaging.trial_pages:router",
        ),
        public_pages=("kluis.messaging.webhooks:router",),
        cli=(
            Group(
                "campaigns",
                "Campaigns: commercial e-mail to everyone who may receive it on a topic.",
                (
                    "kluis.messaging.cli:campaigns_app",
                    "kluis.messaging.post_cli:post_app",
                    "kluis.messaging.call_cli:app",
                ),
            ),
            Group(
                "messages",
                "One e-mail to one person, after a decision.",
                ("kluis.messaging.cli:messages_app",),
            ),
        ),
    ),
    Slice(
        "transfer",
        api=("kluis.transfer.routes:router",),
        staff_pages=("kluis.transfer.pages:router", "kluis.transfer.selection_pages:router"),
        jobs=("kluis.transfer.jobs:run_import",),
        cli=(
            Command(
                "demo",
                "Fill the data directory with an invented population (example.com addresses) "
                "to try Kluis.",
                "kluis.cli_demo:commands",
            ),
        ),
    ),
    Slice(
        "compliance",
        home_panels=("kluis.compliance.home:home_panel",),
        api=("kluis.compliance.routes:router",),
        staff_pages=("kluis.compliance.staff_pages:router",),
        public_pages=("kluis.compliance.pages:router",),
        cli=(
            Command(
                "ropa",
                "The record of processing activities (Art. 30(1)) from the purposes catalogue.",
                "kluis.compliance.cli:commands",
            ),
            Command(
                "notice",
                "The privacy notice (Art. 13) from the purposes catalogue, as served on "
                "/privacy-notice.",
                "kluis.compliance.cli:commands",
            ),
            Command(
                "check",
                "Compliance findings with severity, article and fix; exits 1 when one is `high`.",
                "kluis.compliance.cli:commands",
            ),
            Group(
                "breaches",
                "The breach register (Art. 33(5)): record, notify, people affected.",
                ("kluis.compliance.cli:breaches_app",),
            ),
        ),
    ),
    Slice(
        "requests",
        home_panels=("kluis.requests.home:home_panel",),
        jobs=("kluis.requests.jobs:mail", "kluis.requests.jobs:final_certificates"),
        api=("kluis.requests.routes:router", "kluis.requests.export_routes:router"),
        timeline=("kluis.requests.timeline:source",),
        staff_pages=("kluis.requests.pages:router",),
        cli=(
            Group(
                "requests",
                "Privacy requests (Art. 15-21): access, portability, rectification, "
                "restriction, objection, erasure, with their deadlines.",
                ("kluis.requests.cli:requests_app",),
            ),
        ),
    ),
    Slice(
        "backup",
        cli=(
            Group(
                "backup",
                "Backups: data snapshots, short-lived keyring snapshots, restores that keep the "
                "erased erased.",
                ("kluis.backup.cli:backup_app",),
            ),
        ),
        on_open="kluis.backup.reconcile:on_open",
        jobs=("kluis.backup.jobs:daily",),
    ),
    Slice(
        "retention",
        api=("kluis.retention.routes:router",),
        jobs=("kluis.retention.scheduler:scheduled",),
        cli=(
            Group(
                "retention",
                "Storage limitation (Art. 5(1)(e)): retention sweeps, what expires when, "
                "re-confirmation of consent.",
                ("kluis.retention.cli:retention_app",),
            ),
            Group(
                "holds",
                "Legal holds (Art. 17(3)(e)): keep a person's data while a claim runs.",
                ("kluis.retention.cli:holds_app",),
            ),
        ),
    ),
    Slice(
        "discover",
        api=("kluis.requests.old_files_routes:router",),
        staff_pages=("kluis.requests.old_files_pages:router",),
        on_open="kluis.discover.open_hooks:on_open",
        cli=(
            Command(
                "discover",
                "Search old files for a request's person: each file and place, never the values.",
                "kluis.requests.old_files_cli:commands",
            ),
        ),
    ),
    Slice(
        "deals",
        api=("kluis.deals.routes:pipelines", "kluis.deals.routes:router"),
        staff_pages=("kluis.deals.pages_reports:router", "kluis.deals.pages:router"),
        person_panels=("kluis.deals.panels:person_panel",),
        home_panels=("kluis.deals.home:my_open_deals",),
        demo=("kluis.deals.demo:demo_deals",),
        cli=(
            Group(
                "deals",
                "Deals in the sales pipeline: add, list, move, won, lost.",
                ("kluis.deals.cli:deals_app",),
            ),
        ),
    ),
    Slice(
        "activities",
        on_open="kluis.activities.open_hooks:on_open",
        api=("kluis.activities.routes:router",),
        staff_pages=("kluis.activities.pages:router",),
        person_panels=("kluis.activities.panels:person_panel",),
        deal_panels=("kluis.activities.panels:deal_panel",),
        timeline=("kluis.activities.timeline:source",),
        home_panels=("kluis.activities.home:home_panel",),
        demo=("kluis.activities.demo:part",),
        cli=(
            Group(
                "activities",
                "Activities: calls, meetings, e-mails, notes and visits logged about a person "
                "under a purpose.",
                ("kluis.activities.cli:activities_app",),
            ),
        ),
    ),
    Slice(
        "tasks",
        api=("kluis.tasks.routes:router",),
        staff_pages=("kluis.tasks.pages:router",),
        person_panels=("kluis.tasks.panels:person_panel",),
        deal_panels=("kluis.tasks.panels:deal_panel",),
        home_panels=("kluis.tasks.home:home_panel",),
        jobs=("kluis.tasks.jobs:daily_reminders",),
        demo=("kluis.tasks.demo:demo_part",),
        cli=(
            Group(
                "tasks",
                "Tasks and reminders: add, list, done, reopen.",
                ("kluis.tasks.cli:tasks_app",),
            ),
        ),
    ),
    Slice(
        "connected",
        api=("kluis.connected.routes:router",),
        staff_pages=("kluis.connected.pages:router",),
        public_pages=("kluis.connected.confirm_pages:router",),
        cli=(
            Group(
                "systems",
                "Connected systems (Art. 19, 28): the register, their identifiers of people, "
                "notices.",
                ("kluis.connected.cli:systems_app",),
            ),
        ),
        on_open="kluis.connected.open_hooks:on_open",
        jobs=("kluis.connected.jobs:deliver",),
    ),
    Slice(
        "fields",
        api=("kluis.contacts.custom_routes:router",),
        staff_pages=("kluis.contacts.custom_pages:router",),
        person_panels=("kluis.contacts.custom_panels:person_panel",),
        demo=("kluis.transfer.custom_demo:demo_fields",),
        cli=(
            Group(
                "fields",
                "Custom fields of people: add, list, remove.",
                ("kluis.contacts.custom_cli:fields_app",),
            ),
        ),
    ),
    Slice(
        "tags",
        api=("kluis.contacts.tag_routes:router",),
        staff_pages=("kluis.contacts.tag_pages:router",),
        person_panels=("kluis.contacts.tag_pages:person_panel",),
        demo=("kluis.transfer.tag_demo:demo_tags",),
        cli=(
            Group(
                "tags",
                "Tags on people and companies: add, list, tag, untag.",
                ("kluis.contacts.tag_cli:tags_app",),
            ),
        ),
    ),
    Slice(
        "config",
        cli=(
            Group(
                "config",
                "The configuration: every setting and where it came from; check it before "
                "starting.",
                ("kluis.cli_config:config_app",),
            ),
        ),
    ),
    Slice(
        "jobs",
        cli=(
            Command(
                "worker",
                "Run background jobs (campaign sends, imports, the schedule) until SIGTERM: on "
                "PostgreSQL,\nas many as you like on any machines; on SQLite `kluis serve` runs "
                "them itself.",
                "kluis.cli_worker:commands",
            ),
        ),
    ),
    Slice(
        "ops",
        # the probes and the scrape, at the root and outside the API's schema like the pages
        public_pages=("kluis.ops.routes:router",),
    ),
    Slice(
        "public",
        jobs=(
            "kluis.public.privacy_mail:verification",
            "kluis.public.privacy_mail:verifications_expire",
        ),
        public_pages=(
            "kluis.public.routes:router",
            "kluis.public.privacy_pages:router",
            "kluis.public.reconfirm:router",
        ),
    ),
)


def jobs() -> list[Any]:
    """Every slice's jobs (``kluis.jobs.Job``), their modules imported now."""
    return [load(path) for entry in SLICES for path in entry.jobs]


def demo_parts() -> list[Any]:
    """Every slice's part of the demo data (``kluis.transfer.demo.DemoPart``), imported now."""
    return [load(path) for entry in SLICES for path in entry.demo]


def load(path: str) -> Any:
    """The object a ``module:attribute`` path names, its module imported now (lazy loading)."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)
