"""The append-only, hash-chained audit log (Art. 5(2) accountability, DESIGN.md invariant 6)."""
