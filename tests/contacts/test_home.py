"""The home page's count of people per relationship under the user's purposes."""

from __future__ import annotations

from conftest import ADMIN, NOW
from factories import add_person
from kluis.contacts.home import home_panel
from kluis.runtime import Kluis
from task_helpers import session_of, staff


def test_people_are_counted_under_the_roles_purposes_only(kluis: Kluis) -> None:
    add_person(kluis, ADMIN, NOW, 1, relationship="customer", purposes=("customer_service",))
    add_person(kluis, ADMIN, NOW, 2, relationship="prospect", purposes=("sales_follow_up",))
    add_person(
        kluis, ADMIN, NOW, 3, relationship="prospect", purposes=("email_marketing",), phone=None
    )
    sales = home_panel(kluis, session_of(staff(kluis, "sales")), NOW)
    marketing = home_panel(kluis, session_of(staff(kluis, "marketing")), NOW)
    admin = home_panel(kluis, session_of(staff(kluis, "admin")), NOW)
    assert sales is not None
    assert marketing is not None
    assert admin is not None
    assert sales.values["counts"] == {"customer": 1, "prospect": 1}
    assert marketing.values["counts"] == {"prospect": 1}
    assert admin.values["counts"] == {"customer": 1, "prospect": 2}
