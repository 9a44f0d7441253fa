"""The ``kluis audit`` commands: checking the hash chain of the audit log. Listed in
``kluis.slices``."""

from __future__ import annotations

import typer

from kluis import console
from kluis.audit import service as audit

audit_app = console.Commands()


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exits 1 and names the first broken entry if any was tampered with."""
    with console.opened() as kluis:
        result = audit.verify(kluis.engine)
    if result.ok:
        console.out.print(f"Audit log intact: {result.entries} entries; head {result.head_hash}")
        return
    console.err.print(
        f"Audit log broken at entry {result.broken_at}: {result.reason}", markup=False
    )
    raise typer.Exit(1)
