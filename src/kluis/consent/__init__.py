"""Consent: the append-only ledger with evidence, permission state and ``may_contact``."""
