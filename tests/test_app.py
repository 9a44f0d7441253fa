"""The application as a whole, on SQLite and PostgreSQL: the problem+json shape of every error,
the OpenAPI description and docs page, and bearer-token authentication."""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from api_helpers import (
    PROBLEM,
    TestClient,
    anonymous_client,
    assert_problem,
    client_for,
    token_for,
)
from conftest import ADMIN, NOW
from factories import add_person
from kluis.actors import SYSTEM
from kluis.api import get_kluis, openapi_document
from kluis.app import create_app
from kluis.auth import service as auth
from kluis.auth.tables import ApiToken
from kluis.contacts.tables import people
from kluis.runtime import Kluis

PROTECTED = [
    ("GET", "/api/v1/contacts?purpose=customer_service"),
    ("POST", "/api/v1/contacts"),
    ("GET", "/api/v1/contacts/00000000-0000-0000-0000-000000000000?purpose=customer_service"),
    ("PATCH", "/api/v1/contacts/00000000-0000-0000-0000-000000000000?purpose=customer_service"),
    ("DELETE", "/api/v1/contacts/00000000-0000-0000-0000-000000000000"),
    ("GET", "/api/v1/companies"),
    ("POST", "/api/v1/companies"),
    ("GET", "/api/v1/companies/1"),
    ("PATCH", "/api/v1/companies/1"),
    ("GET", "/api/v1/purposes"),
    ("GET", "/api/v1/purposes/invoicing"),
    ("POST", "/api/v1/purposes"),
    ("PATCH", "/api/v1/purposes/invoicing"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/audit/verify"),
]


# Errors


def test_an_unknown_route_is_a_problem(kluis: Kluis) -> None:
    client = client_for(kluis, "admin")
    assert_problem(client.get("/api/v1/nothing-here"), 404, "urn:kluis:problem:not-found")
    assert_problem(client.put("/api/v1/contacts"), 405, "urn:kluis:problem:method-not-allowed")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/v1/contacts", "GET, POST"),
        ("PUT", "/api/v1/companies/1", "GET, PATCH"),
        ("DELETE", "/api/v1/companies", "GET, POST"),
        ("OPTIONS", "/api/v1/audit/verify", "GET"),
        ("TRACE", "/api/v1/purposes/invoicing", "GET, PATCH"),
    ],
)
def test_a_method_the_route_lacks_is_a_405_with_every_allowed_method(
    kluis: Kluis, method: str, path: str, allow: str
) -> None:
    """RFC 9110, section 15.5.6: a 405 carries ``Allow`` with the methods the resource has, all
    of them, also when each method is a route of its own."""
    for client in (client_for(kluis, "admin"), anonymous_client(kluis)):
        response = client.request(method, path)
        body = assert_problem(response, 405, "urn:kluis:problem:method-not-allowed")
        assert response.headers["allow"] == allow
        assert method in body["detail"]
        assert allow in body["detail"]


def test_a_validation_error_lists_every_field(kluis: Kluis) -> None:
    client = client_for(kluis, "admin")
    response = client.post("/api/v1/contacts", json={"nickname": "Fen"})
    body = assert_problem(response, 422, "urn:kluis:problem:invalid-field")
    named = {e["field"] for e in body["errors"]}
    assert {"relationship", "purposes", "nickname"} <= named
    assert body["field"] in named
    assert body["title"] == "Invalid value"


def test_a_body_that_is_not_json_is_a_problem(kluis: Kluis) -> None:
    client = client_for(kluis, "admin")
    response = client.post(
        "/api/v1/companies", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(response, 422, "urn:kluis:problem:invalid-field")


def test_a_body_that_is_not_utf8_is_an_invalid_field_problem(kluis: Kluis) -> None:
    """JSON between systems is UTF-8 (RFC 8259, section 8.1): other bytes are an invalid value,
    answered like any other, without echoing them."""
    client = client_for(kluis, "admin")
    for body in (b'{"name": "Caf\xe9 Brouwer"}', b"\xff\xfe\x00", b"\x80"):
        response = client.post(
            "/api/v1/companies", content=body, headers={"content-type": "application/json"}
        )
        problem = assert_problem(response, 422, "urn:kluis:problem:invalid-field")
        assert "UTF-8" in problem["detail"]
        assert "Brouwer" not in response.text
    assert client.get("/api/v1/companies").json()["total"] == 0


def test_ciphertext_that_does_not_open_is_a_500_problem_naming_the_field(kluis: Kluis) -> None:
    a = add_person(kluis, ADMIN, NOW, 1)
    b = add_person(kluis, ADMIN, NOW, 2)
    with kluis.engine.begin() as conn:
        email_a = conn.execute(select(people.c.email).where(people.c.id == a)).scalar_one()
        conn.execute(update(people).where(people.c.id == b).values(email=email_a))
    client = client_for(kluis, "service")
    response = client.get(f"/api/v1/contacts/{b}", params={"purpose": "customer_service"})
    assert_problem(response, 500, "urn:kluis:problem:decryption-failed", "email")
    assert "brouwersma" not in response.text.lower()


def test_an_unexpected_error_is_a_500_problem_without_internals(kluis: Kluis) -> None:
    def broken() -> Kluis:
        raise RuntimeError("connection string postgresql://secret@db")

    app = create_app(kluis)
    app.dependency_overrides[get_kluis] = broken
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/api/v1/purposes", headers={"Authorization": "Bearer kluis_x"})
    assert_problem(response, 500, "urn:kluis:problem:internal-error")
    assert "secret" not in response.text
    assert "RuntimeError" not in response.text


# OpenAPI and docs


def test_openapi_is_served_under_the_api_prefix(kluis: Kluis) -> None:
    response = anonymous_client(kluis).get("/api/v1/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    spec = response.json()
    assert spec["info"]["title"] == "Kluis"
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/contacts",
        "/api/v1/contacts/{person_id}",
        "/api/v1/companies",
        "/api/v1/companies/{company_id}",
        "/api/v1/purposes",
        "/api/v1/purposes/{key}",
        "/api/v1/audit",
        "/api/v1/audit/verify",
    ):
        assert path in spec["paths"], path
    schemes = spec["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"].lower() == "bearer" for s in schemes.values())
    read = spec["paths"]["/api/v1/contacts/{person_id}"]["get"]
    purpose = next(p for p in read["parameters"] if p["name"] == "purpose")
    assert purpose["required"] is True
    assert purpose["in"] == "query"
    create = spec["components"]["schemas"]["PersonCreate"]
    assert create["additionalProperties"] is False
    assert {"birth_date", "email", "relationship", "purposes"} <= set(create["properties"])
    assert spec["paths"]["/api/v1/contacts"]["post"]["requestBody"]["required"] is True


def _references(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def test_every_reference_in_the_openapi_document_resolves(kluis: Kluis) -> None:
    """A schema nested under ``$defs`` (pydantic's place for them) is hoisted into
    ``components/schemas``, so clients and generators can follow every ``$ref``."""
    spec = anonymous_client(kluis).get("/api/v1/openapi.json").json()
    references = list(_references(spec))
    assert len(references) > 100
    for reference in set(references):
        assert reference.startswith("#/components/schemas/"), reference
        assert reference.removeprefix("#/components/schemas/") in spec["components"]["schemas"]
    assert "$defs" not in json.dumps(spec)
    problem = spec["components"]["schemas"]["Problem"]
    assert problem["properties"]["errors"]["anyOf"][0]["items"] == {
        "$ref": "#/components/schemas/FieldError"
    }


def test_schemas_nested_under_defs_anywhere_are_hoisted_into_the_components() -> None:
    inner = {
        "$defs": {"Deep": {"type": "string"}},
        "type": "object",
        "properties": {"deep": {"$ref": "#/$defs/Deep"}},
    }
    written = {"$defs": {"Inner": inner}, "items": {"$ref": "#/$defs/Inner"}, "type": "array"}
    response = {"content": {"application/json": {"schema": written}}}
    generated = {"paths": {"/x": {"get": {"responses": {"200": response}}}}}
    document = openapi_document(generated)
    schemas = document["components"]["schemas"]
    assert schemas["Deep"] == {"type": "string"}
    assert schemas["Inner"]["properties"]["deep"] == {"$ref": "#/components/schemas/Deep"}
    assert {"Problem", "FieldError"} <= set(schemas)
    served = document["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]
    assert served["schema"] == {"items": {"$ref": "#/components/schemas/Inner"}, "type": "array"}
    assert "$defs" not in json.dumps(document)

    clash = {**generated, "components": {"schemas": {"Deep": {"type": "integer"}}}}
    with pytest.raises(RuntimeError, match="Deep"):
        openapi_document(clash)


def test_every_api_operation_documents_the_problems_any_request_can_meet(kluis: Kluis) -> None:
    """Declared once for all routers, so a new route cannot forget them; each is
    ``application/problem+json`` (RFC 9457) with the one ``Problem`` schema."""
    spec = anonymous_client(kluis).get("/api/v1/openapi.json").json()
    problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    operations = [op for item in spec["paths"].values() for op in item.values()]
    assert len(operations) > 50
    for operation in operations:
        responses = operation["responses"]
        for status in ("400", "401", "403", "404", "409", "410", "422", "500"):
            assert responses[status]["content"] == problem, (operation["operationId"], status)
            assert responses[status]["description"].strip()


def test_the_docs_page_points_at_the_openapi_document(kluis: Kluis) -> None:
    response = anonymous_client(kluis).get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/api/v1/openapi.json" in response.text
    assert anonymous_client(kluis).get("/openapi.json").status_code == 404


def test_the_docs_pages_load_nothing_from_another_host(kluis: Kluis) -> None:
    client = anonymous_client(kluis)
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "http://" not in html.replace("http://testserver", "")
        assert "https://" not in html
        scripts = re.findall(r'src="([^"]+\.js)"', html)
        assert scripts
        for script in scripts:
            assert client.get(script).status_code == 200


def test_health_needs_no_token(kluis: Kluis) -> None:
    response = anonymous_client(kluis).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# Authentication


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_api_route_needs_a_token(kluis: Kluis, method: str, path: str) -> None:
    response = anonymous_client(kluis).request(method, path, json={})
    body = assert_problem(response, 401, "urn:kluis:problem:unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Bearer" in body["detail"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic YWRtaW46YWRtaW4=",
        "Bearer",
        "Bearer not-a-kluis-token",
        "Bearer kluis_" + "A" * 43,
        "kluis_abc",
    ],
)
def test_a_bad_authorization_header_is_refused(kluis: Kluis, authorization: str) -> None:
    client = anonymous_client(kluis)
    response = client.get("/api/v1/purposes", headers={"Authorization": authorization})
    assert_problem(response, 401, "urn:kluis:problem:unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    assert PROBLEM in response.headers["content-type"]


def test_a_revoked_token_is_refused(kluis: Kluis) -> None:
    client = client_for(kluis, "admin", email="beheer@example.com")
    assert client.get("/api/v1/purposes").status_code == 200
    user = auth.find_user(kluis.engine, "beheer@example.com")
    with kluis.engine.connect() as conn:
        (token_id,) = conn.execute(select(ApiToken.id).where(ApiToken.user_id == user.id)).scalars()
    auth.revoke_token(kluis.engine, SYSTEM, token_id, NOW)
    response = client.get("/api/v1/purposes")
    body = assert_problem(response, 401, "urn:kluis:problem:unauthenticated")
    assert "revoked" in body["detail"]
    assert response.headers["www-authenticate"] == "Bearer"

    fresh = token_for(kluis, "admin", email="beheer@example.com")
    again = client.get("/api/v1/purposes", headers={"Authorization": f"Bearer {fresh}"})
    assert again.status_code == 200


def test_using_a_token_records_when(kluis: Kluis) -> None:
    client = client_for(kluis, "sales", email="verkoop@example.com")
    user = auth.find_user(kluis.engine, "verkoop@example.com")
    with kluis.engine.connect() as conn:
        before = conn.execute(
            select(ApiToken.last_used_at).where(ApiToken.user_id == user.id)
        ).scalar_one()
    assert before is None
    assert client.get("/api/v1/purposes").status_code == 200
    with kluis.engine.connect() as conn:
        after = conn.execute(
            select(ApiToken.last_used_at).where(ApiToken.user_id == user.id)
        ).scalar_one()
    assert after is not None
    assert after.replace(tzinfo=None) == NOW.replace(tzinfo=None)


def test_an_unauthenticated_request_is_refused_before_its_input_is_checked(kluis: Kluis) -> None:
    client = anonymous_client(kluis)
    response = client.get("/api/v1/contacts")
    assert_problem(response, 401, "urn:kluis:problem:unauthenticated")
    response = client.post("/api/v1/contacts", json={"nickname": "Fen"})
    assert_problem(response, 401, "urn:kluis:problem:unauthenticated")


def test_the_started_app_sets_start_up_aside_from_the_cyclic_collector(kluis: Kluis) -> None:
    """Once started, the objects of start-up are frozen (``gc.freeze``): a full collection
    then walks only what requests made, not the ~180,000 objects of an imported Kluis, which
    cost ~180 ms about once a hundred requests (the deals board's old p99)."""
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(kluis)):
        assert gc.get_freeze_count() > 10_000
    gc.unfreeze()
