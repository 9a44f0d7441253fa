"""Backups: data snapshots kept as long as wanted, keyring snapshots kept briefly, and restores
that replay the erasure register so the erased never come back (DESIGN.md invariant 2)."""
