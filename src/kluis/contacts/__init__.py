"""People and companies: purpose-bound reads, blind-index search, rectification, erasure."""
