"""A person's access package holds the tasks about them, under every purpose, titles opened;
the CSV and the HTML page show them."""

from __future__ import annotations

from datetime import date

from conftest import ADMIN, NOW
from factories import add_person
from kluis.requests.export import access_package
from kluis.requests.formats import package_csv, package_html
from kluis.runtime import Kluis
from kluis.tasks import service
from kluis.tasks.service import NewTask
from task_helpers import staff


def test_the_access_package_holds_the_tasks_about_the_person(kluis: Kluis) -> None:
    sales, admin = staff(kluis, "sales"), staff(kluis, "admin")
    person = add_person(kluis, ADMIN, NOW, purposes=("customer_service", "sales_follow_up"))
    other = add_person(kluis, ADMIN, NOW, 2)
    for purpose, title in (("customer_service", "Repair the kettle"), ("sales_follow_up", "Offer")):
        service.add(
            kluis,
            sales,
            NewTask(title, date(2026, 3, 20), person_id=person, purpose_key=purpose),
            NOW,
        )
    service.add(
        kluis,
        sales,
        NewTask("Not theirs", date(2026, 3, 20), person_id=other, purpose_key="customer_service"),
        NOW,
    )
    service.add(kluis, sales, NewTask("About nobody", date(2026, 3, 20)), NOW)
    package = access_package(kluis, admin, person, NOW)
    assert sorted((t["title"], t["purpose"]) for t in package["tasks"]) == [
        ("Offer", "sales_follow_up"),
        ("Repair the kettle", "customer_service"),
    ]
    assert "sales@example.com" not in str(package["tasks"])
    assert "Repair the kettle" in package_csv(package)
    page = package_html(package, "nl")
    assert "Taken over jou" in page
    assert "Repair the kettle" in page
