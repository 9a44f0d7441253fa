"""Plain custom fields of companies and deals on SQLite and PostgreSQL: declared by admins
(audited), no data category and nothing sealed; values validated by type, in the company's and
the deal's API answers and the deals' CSV export, and erased with the record and the field."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from api_helpers import assert_problem, client_for
from conftest import ADMIN, NOW, SALES
from deal_helpers import add_deal, pipeline
from kluis.audit import service as audit
from kluis.contacts import business_fields, companies
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.contacts.custom_tables import CompanyFieldValue
from kluis.deals.tables import DealFieldValue
from kluis.errors import InvalidField, PermissionDenied
from kluis.runtime import Kluis
from staff_helpers import signed_in

SECTOR = CustomField(
    "sector",
    "Sector",
    "Branche",
    CustomKind.CHOICE,
    "",
    choices=(Choice("retail", "Retail", "Detailhandel"), Choice("food", "Food", "Voeding")),
)
EMPLOYEES = CustomField("employees", "Employees", "Medewerkers", CustomKind.NUMBER, "")
RISK = CustomField("risky", "Risky", "Risicovol", CustomKind.BOOLEAN, "")


def _count(kluis: Kluis, table: type) -> int:
    with kluis.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_declaring_is_for_admins_audited_and_plain(kluis: Kluis) -> None:
    with pytest.raises(PermissionDenied):
        business_fields.declare(kluis, SALES, "company", SECTOR, NOW)
    with pytest.raises(InvalidField, match="not personal data"):
        business_fields.declare(
            kluis, ADMIN, "company", CustomField("x1", "X", "X", CustomKind.TEXT, "user"), NOW
        )
    with pytest.raises(InvalidField, match="entity"):
        business_fields.declare(kluis, ADMIN, "person", SECTOR, NOW)
    made = business_fields.declare(kluis, ADMIN, "company", SECTOR, NOW)
    assert made.id > 0
    [entry] = audit.list_entries(kluis.engine, action="business_field.declared")
    assert entry.details["entity"] == "company"
    assert entry.details["key"] == "sector"


def test_company_values_in_the_api_and_gone_with_the_field(kluis: Kluis) -> None:
    for f in (SECTOR, EMPLOYEES):
        business_fields.declare(kluis, ADMIN, "company", f, NOW)
    client = client_for(kluis, "sales")
    made = client.post(
        "/api/v1/companies", json={"name": "Bakkerij Zoet", "custom": {"sector": "food"}}
    )
    assert made.status_code == 201, made.text
    company_id = made.json()["id"]
    assert made.json()["custom"] == {"sector": "food"}
    bad = client.patch(f"/api/v1/companies/{company_id}", json={"custom": {"employees": "veel"}})
    assert_problem(bad, 422, field="custom.employees")
    changed = client.patch(
        f"/api/v1/companies/{company_id}", json={"custom": {"employees": "12.0"}}
    )
    assert changed.json()["custom"] == {"employees": "12", "sector": "food"}
    listed = client.get("/api/v1/companies").json()
    assert listed["items"][0]["custom"] == {"employees": "12", "sector": "food"}
    [updated] = audit.list_entries(kluis.engine, action="company.updated")
    assert updated.details["fields"] == ["custom.employees"]
    assert business_fields.remove(kluis, ADMIN, "company", "sector", NOW) == 1
    assert companies.get_company(kluis, company_id).custom == {"employees": "12"}
    [removed] = audit.list_entries(kluis.engine, action="business_field.removed")
    assert removed.details["values_erased"] == 1


def test_deal_values_in_the_api_the_csv_and_gone_with_the_field(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    business_fields.declare(kluis, ADMIN, "deal", RISK, NOW)
    deal_id = add_deal(kluis, NOW, 1, value="1000", expected_close="2026-04-01")
    client = client_for(kluis, "sales", "api-sales@example.com")
    changed = client.patch(f"/api/v1/deals/{deal_id}", json={"custom": {"risky": "ja"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["custom"] == {"risky": True}
    assert client.get(f"/api/v1/deals/{deal_id}").json()["custom"] == {"risky": True}
    staff, _ = signed_in(kluis, "sales", "sales_follow_up")
    rows = list(csv.DictReader(io.StringIO(staff.get("/app/deals/export.csv").text)))
    assert rows[0]["custom.risky"] == "true"
    assert _count(kluis, DealFieldValue) == 1
    business_fields.remove(kluis, ADMIN, "deal", "risky", NOW)
    assert _count(kluis, DealFieldValue) == 0
    assert _count(kluis, CompanyFieldValue) == 0


def test_the_company_form_and_page_and_the_deal_page_fill_them_in(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    business_fields.declare(kluis, ADMIN, "company", SECTOR, NOW)
    business_fields.declare(kluis, ADMIN, "deal", RISK, NOW)
    client, csrf = signed_in(kluis, "sales", "sales_follow_up")
    form = client.get("/app/companies/new").text
    assert 'name="custom.sector"' in form
    refused = client.post(
        "/app/companies/new", data={"csrf": csrf, "name": "Zoet", "custom.sector": "steel"}
    )
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text
    made = client.post(
        "/app/companies/new", data={"csrf": csrf, "name": "Zoet", "custom.sector": "food"}
    )
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"]).text
    assert 'data-field="custom.sector">Voeding<' in page
    deal_id = add_deal(kluis, NOW, 1)
    saved = client.post(f"/app/deals/{deal_id}/fields", data={"csrf": csrf, "custom.risky": "true"})
    assert saved.status_code == 303, saved.text
    assert 'data-field="custom.risky">ja<' in client.get(f"/app/deals/{deal_id}").text
    bad = client.post(f"/app/deals/{deal_id}/fields", data={"csrf": csrf, "custom.risky": "wel"})
    assert bad.status_code == 422


def test_a_new_deal_takes_its_fields_from_the_form_and_the_api(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    business_fields.declare(kluis, ADMIN, "deal", RISK, NOW)
    client, csrf = signed_in(kluis, "sales", "sales_follow_up")
    assert 'name="custom.risky"' in client.get("/app/deals/new").text
    data = {"csrf": csrf, "title": "Ovens", "value": "10", "currency": "EUR"}
    made = client.post("/app/deals/new", data={**data, "custom.risky": "false"})
    assert made.status_code == 303, made.text
    assert 'data-field="custom.risky">nee<' in client.get(made.headers["location"]).text
    api = client_for(kluis, "sales", "api-sales@example.com")
    posted = api.post("/api/v1/deals", json={"title": "Tafels", "custom": {"risky": True}})
    assert posted.status_code == 201, posted.text
    assert posted.json()["custom"] == {"risky": True}
