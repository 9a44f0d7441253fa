"""The home page's section of compliance findings (``auth.home``), for admins and the privacy
officer: how many findings of each severity and the most severe few, with what to do, linking
to the compliance page (Art. 5(2), accountability). The audit chain's walk (``audit_chain``,
which reads the whole log) is left to the compliance page, so the home page stays quick."""

from __future__ import annotations

from datetime import datetime

from kluis.actors import ALL_PURPOSES_ROLES
from kluis.auth.home import HomeSection
from kluis.auth.sessions import Session
from kluis.compliance import findings, rules
from kluis.compliance.staff_pages import FINDINGS
from kluis.runtime import Kluis
from kluis.ui.vocabulary import N_

SHOWN = 5


def home_panel(k: Kluis, session: Session, now: datetime) -> HomeSection | None:
    if session.role not in ALL_PURPOSES_ROLES:
        return None
    found: list[rules.Finding] = []
    for check in findings.CHECKS:
        if check is not findings.audit_chain:
            found.extend(check(k, now))
    found = rules.sort_findings(found)
    counts = {s.value: sum(1 for f in found if f.severity is s) for s in rules.Severity}
    return HomeSection(
        key="findings",
        title=N_("Compliance findings"),
        template="staff/home/_findings.html",
        values={
            "counts": counts,
            "top": [(f, FINDINGS.get(f.code, (f.code, f.fix))) for f in found[:SHOWN]],
            "total": len(found),
        },
    )
