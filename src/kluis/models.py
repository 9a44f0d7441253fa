"""Imports every table module so that both metadata trees are complete (migrations, tests)."""

from kluis.activities import tables as activities_tables
from kluis.audit import tables as audit_tables
from kluis.auth import tables as auth_tables
from kluis.compliance import tables as compliance_tables
from kluis.connected import tables as connected_tables
from kluis.consent import tables as consent_tables
from kluis.contacts import custom_tables as contacts_custom_tables
from kluis.contacts import tables as contacts_tables
from kluis.contacts import tag_tables as contacts_tag_tables
from kluis.deals import tables as deals_tables
from kluis.discover import tables as discover_tables
from kluis.jobs import tables as jobs_tables
from kluis.messaging import call_tables as messaging_call_tables
from kluis.messaging import post_file_tables as messaging_post_file_tables
from kluis.messaging import tables as messaging_tables
from kluis.public import tables as web_tables
from kluis.purposes import tables as purposes_tables
from kluis.register import tables as register_tables
from kluis.requests import tables as requests_tables
from kluis.retention import tables as retention_tables
from kluis.tasks import tables as tasks_tables
from kluis.transfer import tables as transfer_tables
from kluis.ui import tables as ui_tables
from kluis.vault import tables as vault_tables

__all__ = [
    "activities_tables",
    "audit_tables",
    "auth_tables",
    "compliance_tables",
    "connected_tables",
    "consent_tables",
    "contacts_custom_tables",
    "contacts_tables",
    "contacts_tag_tables",
    "deals_tables",
    "discover_tables",
    "jobs_tables",
    "messaging_call_tables",
    "messaging_post_file_tables",
    "messaging_tables",
    "purposes_tables",
    "register_tables",
    "requests_tables",
    "retention_tables",
    "tasks_tables",
    "transfer_tables",
    "ui_tables",
    "vault_tables",
    "web_tables",
]
