"""Running Kluis in production: liveness and readiness probes, Prometheus metrics read from the
database at scrape time, and a log without personal values (GDPR Art. 5(1)(f), Art. 32)."""
