"""Finding a person of a privacy request in old files and backups (Art. 15, 17)."""
