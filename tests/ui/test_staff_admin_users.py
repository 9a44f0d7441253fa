"""The admin's staff-user pages (``/app/admin/users``) through a TestClient."""

from __future__ import annotations

import re

import pytest

from conftest import NOW
from kluis.audit import service as audit
from kluis.auth import service
from kluis.errors import Unauthenticated
from kluis.runtime import Kluis
from staff_helpers import PASSWORD, csrf_of, make_user, signed_in, staff_client


def _one_time(page: str) -> str:
    found = re.search(r'id="one-time-password">([^<]+)<', page)
    assert found, page
    return found.group(1)


def test_an_admin_creates_a_user_who_must_change_the_shown_password(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin")
    listing = client.get("/app/admin/users")
    assert listing.status_code == 200
    assert "admin@example.com" in listing.text
    made = client.post(
        "/app/admin/users", data={"csrf": csrf, "email": "Nina@example.com", "role": "sales"}
    )
    assert made.status_code == 201, made.text
    password = _one_time(made.text)
    assert password not in str(made.url)
    assert [e.details["role"] for e in audit.list_entries(kluis.engine, action="user.created")][
        -1
    ] == "sales"
    newcomer = staff_client(kluis)
    signed = newcomer.post("/app/sign-in", data={"email": "nina@example.com", "password": password})
    assert signed.headers["location"] == "/app/password"
    again = client.post(
        "/app/admin/users", data={"csrf": csrf, "email": "nina@example.com", "role": "sales"}
    )
    assert again.status_code == 409
    assert "nina@example.com" in again.text


def test_the_admin_pages_and_link_are_for_admins_only(kluis: Kluis) -> None:
    client, _ = signed_in(kluis, "sales")
    assert "/app/admin/users" not in client.get("/app/contacts").text
    assert client.get("/app/admin/users").status_code == 403
    admin, _ = signed_in(kluis, "admin")
    assert "/app/admin/users" in admin.get("/app/contacts").text


def test_deactivate_reactivate_role_and_password_from_the_user_page(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin")
    anna = service.find_user(kluis.engine, make_user(kluis, "sales", "anna@example.com")).id
    theirs = staff_client(kluis)
    theirs.post("/app/sign-in", data={"email": "anna@example.com", "password": PASSWORD})
    assert theirs.get("/app/contacts").status_code == 200
    page = client.post(f"/app/admin/users/{anna}/active", data={"csrf": csrf, "active": "no"})
    assert page.status_code == 200, page.text
    assert 'id="user-active">nee<' in page.text
    assert theirs.get("/app/contacts").headers["location"] == "/app/sign-in"
    page = client.post(f"/app/admin/users/{anna}/active", data={"csrf": csrf, "active": "yes"})
    assert 'id="user-active">ja<' in page.text
    page = client.post(f"/app/admin/users/{anna}/role", data={"csrf": csrf, "role": "marketing"})
    assert page.status_code == 200
    assert service.find_user(kluis.engine, "anna@example.com").role.value == "marketing"
    page = client.post(f"/app/admin/users/{anna}/password", data={"csrf": csrf})
    assert service.check_password(kluis.engine, "anna@example.com", _one_time(page.text))
    assert client.post(f"/app/admin/users/{anna}/role", data={"role": "sales"}).status_code == 403


def test_an_admin_cannot_deactivate_themselves_or_the_last_admin(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin")
    me = service.find_user(kluis.engine, "admin@example.com").id
    page = client.post(f"/app/admin/users/{me}/active", data={"csrf": csrf, "active": "no"})
    assert page.status_code == 409
    assert "eigen account" in page.text
    page = client.post(f"/app/admin/users/{me}/role", data={"csrf": csrf, "role": "sales"})
    assert page.status_code == 409
    assert "laatste actieve beheerder" in page.text
    assert client.get("/app/admin/users/99999").status_code == 404
    assert csrf_of(client.get(f"/app/admin/users/{me}").text) == csrf


def test_an_admin_creates_and_revokes_an_api_token(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin")
    anna = service.find_user(kluis.engine, make_user(kluis, "sales", "anna@example.com")).id
    made = client.post(f"/app/admin/users/{anna}/tokens", data={"csrf": csrf, "name": "laptop"})
    assert made.status_code == 201
    found = re.search(r'id="api-token">([^<]+)<', made.text)
    assert found
    actor = service.authenticate_token(kluis.engine, found.group(1), NOW)
    assert actor.user_id == anna
    page = client.get(f"/app/admin/users/{anna}").text
    assert "laptop" in page
    assert found.group(1) not in page
    (token_id,) = [int(t) for t in re.findall(r"/tokens/(\d+)/revoke", page)]
    revoked = client.post(f"/app/admin/users/{anna}/tokens/{token_id}/revoke", data={"csrf": csrf})
    assert revoked.status_code == 200
    with pytest.raises(Unauthenticated):
        service.authenticate_token(kluis.engine, found.group(1), NOW)
    me = service.find_user(kluis.engine, "admin@example.com").id
    other = client.post(f"/app/admin/users/{me}/tokens/{token_id}/revoke", data={"csrf": csrf})
    assert other.status_code == 404
