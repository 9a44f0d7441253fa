"""The custom-fields panel of the person page: a value shows under a purpose whose categories
cover the field (with the Art. 9 warning for a special category), and not under one that does
not; in Dutch, the Dutch labels."""

from __future__ import annotations

from conftest import ADMIN, NOW, PRIVACY
from factories import add_person
from kluis.contacts import custom_fields
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.runtime import Kluis
from staff_helpers import choose, signed_in

TIER = CustomField(
    "tier",
    "Membership tier",
    "Lidmaatschap",
    CustomKind.CHOICE,
    "user.demographic.profile",
    choices=(Choice("gold", "Gold", "Goud"),),
)
DIET = CustomField(
    "diet", "Diet", "Dieet", CustomKind.TEXT, "user.health_and_medical", art9_condition="a"
)


def test_the_panel_shows_what_the_purpose_covers(kluis: Kluis) -> None:
    for field in (TIER, DIET):
        custom_fields.declare(kluis, ADMIN, field, NOW)
    person = add_person(kluis, ADMIN, NOW, purposes=("sales_follow_up", "customer_service"))
    values = {"tier": "gold", "diet": "Veganistisch"}
    custom_fields.set_values(kluis, PRIVACY, person, "privacy_requests", values, NOW)
    client, csrf = signed_in(kluis, "sales", "sales_follow_up")
    page = client.get(f"/app/contacts/{person}").text
    assert "Lidmaatschap" in page or "Membership tier" in page
    assert "Goud" in page or "Gold" in page
    assert "Veganistisch" not in page
    choose(client, csrf, "customer_service")
    other = client.get(f"/app/contacts/{person}").text
    assert "Membership tier" not in other
    assert "Lidmaatschap" not in other
    admin, _ = signed_in(kluis, "admin", "privacy_requests")
    everything = admin.get(f"/app/contacts/{person}").text
    assert "Veganistisch" in everything
    assert "(Art. 9)" in everything or "(art. 9)" in everything
