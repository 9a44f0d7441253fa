"""The home page's compliance findings: for admins and the privacy officer."""

from __future__ import annotations

from conftest import NOW
from kluis.compliance.home import home_panel
from kluis.runtime import Kluis
from task_helpers import session_of, staff


def test_findings_for_admins_and_the_privacy_officer_only(kluis: Kluis) -> None:
    assert home_panel(kluis, session_of(staff(kluis, "marketing")), NOW) is None
    section = home_panel(kluis, session_of(staff(kluis, "admin")), NOW)
    assert section is not None
    counts = section.values["counts"]
    assert set(counts) == {"high", "medium", "low"}
    assert sum(counts.values()) == section.values["total"]
    assert len(section.values["top"]) == min(5, section.values["total"])
