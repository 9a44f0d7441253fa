"""The vault: master key, per-person keys, field encryption, blind indexes and shredding."""
