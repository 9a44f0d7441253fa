"""People and companies: purpose-bound reads, search through blind indexes, rectification, erasure."""
