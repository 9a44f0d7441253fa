"""Extract the staff web app's messages and update the Dutch catalogue.

Usage: .venv/bin/python scripts/translations.py
Reads the templates under src/kluis/ui/templates/staff and the `staff.gettext(language, "…")`
calls in src/kluis, and updates src/kluis/ui/translations/nl/LC_MESSAGES/messages.po: new
messages are added untranslated (a test fails until they are translated), messages no longer
used are dropped. English is the source language and needs no catalogue.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "kluis"
PO = SOURCE / "ui" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": (2,), "ngettext": (1, 2), "N_": None}
METHODS = [
    ("ui/templates/staff/**.html", "jinja2.ext:babel_extract"),
    ("**/pages.py", "python"),
    ("**/companies_pages.py", "python"),
    ("**/old_files_pages.py", "python"),
    ("requests/old_files.py", "python"),
    ("**/staff_pages.py", "python"),
    ("compliance/deployment.py", "python"),
    ("compliance/findings.py", "python"),
    ("compliance/upkeep_findings.py", "python"),
    ("compliance/job_forecast.py", "python"),
    ("compliance/connected_findings.py", "python"),
    ("compliance/request_mail_findings.py", "python"),
    ("**/audit_pages.py", "python"),
    ("audit/rules.py", "python"),
    ("**/admin_pages.py", "python"),
    ("**/notice_pages.py", "python"),
    ("auth/users.py", "python"),
    ("auth/service.py", "python"),
    ("auth/colleagues.py", "python"),
    ("transfer/uploads.py", "python"),
    ("ui/staff.py", "python"),
    ("ui/vocabulary.py", "python"),
    ("**/panels.py", "python"),
    ("**/home.py", "python"),
    ("contacts/page_parts.py", "python"),
    ("contacts/person_forms.py", "python"),
    # refusals a page shows, marked N_
    ("contacts/rules.py", "python"),
    ("contacts/timeline.py", "python"),
    ("activities/home.py", "python"),
    ("contacts/people.py", "python"),
    ("contacts/collect.py", "python"),
    ("contacts/suppression.py", "python"),
    ("contacts/owners.py", "python"),
    ("contacts/rectify.py", "python"),
    ("contacts/companies.py", "python"),
    ("connected/service.py", "python"),
    ("consent/catalogue.py", "python"),
    ("contacts/list_rules.py", "python"),
    ("contacts/list_pages.py", "python"),
    ("contacts/listing.py", "python"),
    ("auth/sessions.py", "python"),
    ("deals/people.py", "python"),
    ("deals/home.py", "python"),
    ("deals/pages_reports.py", "python"),
    ("contacts/tag_rules.py", "python"),
    ("contacts/custom_*.py", "python"),
    ("messaging/call_pages.py", "python"),
    ("messaging/calls.py", "python"),
    ("messaging/call_rules.py", "python"),
    ("messaging/trial_pages.py", "python"),
    ("messaging/post_pages.py", "python"),
    ("messaging/trial_view.py", "python"),
    ("messaging/text_pages.py", "python"),
    ("requests/rules.py", "python"),
    ("requests/outcomes.py", "python"),
    ("requests/service.py", "python"),
    ("requests/transitions.py", "python"),
    ("requests/erasure.py", "python"),
    ("messaging/campaigns.py", "python"),
    ("messaging/sender.py", "python"),
    ("consent/grant_rules.py", "python"),
    ("purposes/service.py", "python"),
    ("transfer/rules/notes.py", "python"),
    ("transfer/rules/columns.py", "python"),
    ("transfer/rules/problems.py", "python"),
    ("transfer/rules/reasons.py", "python"),
    ("purposes/rules.py", "python"),
]


def extract() -> Catalog:
    template = Catalog(locale="nl", project="kluis", charset="utf-8")
    for filename, lineno, message, comments, _context in extract_from_dir(
        SOURCE,
        METHODS,
        keywords=KEYWORDS,
        options_map={"ui/templates/staff/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        template.add(message, locations=[(filename, lineno)], auto_comments=comments)
    return template


def main() -> None:
    template = extract()
    if PO.exists():
        with PO.open("rb") as handle:
            catalog = read_po(handle, locale="nl")
        catalog.update(template, no_fuzzy_matching=True)
    else:
        PO.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale="nl", project="kluis", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    with PO.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, width=100, no_location=True)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{len(catalog)} messages, {len(missing)} without a Dutch translation")


if __name__ == "__main__":
    main()
