"""The erasure register across its three copies: merged on every start and every restore."""
