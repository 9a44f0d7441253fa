"""The staff web app's foundation through the app, without a browser: CSRF on every form,
cookies, security headers, the lock-out, idle expiry and two-step sign-in as pages show them,
password changes, the purpose deciding what a page holds, searches kept out of addresses, and
the Dutch catalogue being complete."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyotp
import pytest
from babel.messages.pofile import read_po

from conftest import ADMIN, NOW
from factories import add_person
from kluis.actors import SYSTEM
from kluis.auth import service as auth
from kluis.auth.rules import LOCK_MINUTES, MAX_CLIENT_FAILURES, MAX_FAILED_SIGN_INS
from kluis.auth.shell import COOKIE
from kluis.runtime import Kluis
from kluis.ui import staff
from staff_helpers import (
    PASSWORD,
    Clock,
    choose,
    csrf_of,
    make_user,
    sign_in,
    signed_in,
    staff_client,
)

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "src" / "kluis" / "ui" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
BIRTH_DATE = "1990-02-03"


@pytest.fixture
def person(kluis: Kluis) -> str:
    """Someone collected for e-mail marketing and age verification, with a birth date."""
    return add_person(
        kluis,
        ADMIN,
        NOW,
        purposes=("email_marketing", "age_verification"),
        phone=None,
        birth_date=BIRTH_DATE,
    )


class Links(HTMLParser):
    """Every address a page points at (links, form actions, sources) and its forms' methods."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.methods: dict[str, str] = {}
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "action", "src"):
            if found.get(name):
                self.addresses.append(str(found[name]))
        if tag == "form":
            self.methods[str(found.get("action"))] = str(found.get("method", "get")).lower()


# CSRF -------------------------------------------------------------------------------------------


def _routes(routes: Any) -> Any:
    """Every route, through included routers (FastAPI wraps them since 0.13x)."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from _routes(original.routes)
        else:
            yield route


def _staff_posts(client: Any) -> list[str]:
    return sorted(
        route.path
        for route in _routes(client.app.routes)
        if isinstance(route, staff.StaffRoute)
        and "POST" in route.methods
        and route.path != f"{staff.PREFIX}/sign-in"
    )


def _value(name: str, person: str) -> str:
    """A value for a path parameter: the person's id, a number, or a word."""
    if name == "person_id":
        return person
    return "1" if name.endswith("id") else "verify"


def test_every_form_without_the_sessions_token_is_refused(kluis: Kluis, person: str) -> None:
    client, csrf = signed_in(kluis, "admin", "privacy_requests")
    _other, other_csrf = signed_in(kluis, "privacy_officer", "privacy_requests")
    paths = _staff_posts(client)
    assert {"/app/sign-out", "/app/purpose", "/app/contacts", "/app/contacts/new"} <= set(paths)
    for path in paths:
        address = re.sub(r"\{([a-z_]+)(?::[a-z]+)?\}", lambda m: _value(m[1], person), path)
        for form in ({}, {"csrf": ""}, {"csrf": other_csrf}, {"csrf": csrf[:-1]}):
            response = client.post(address, data={**form, "purpose": "email_marketing"})
            assert response.status_code == 403, (address, form, response.text)
            assert "Dit formulier is verlopen" in response.text, address
    # nothing was done: still signed in, still under the same purpose, the person still there
    page = client.get(f"/app/contacts/{person}")
    assert page.status_code == 200
    assert BIRTH_DATE in page.text


def test_the_sign_in_form_needs_no_token_but_signing_out_does(kluis: Kluis) -> None:
    client, _csrf = signed_in(kluis, "admin")
    assert client.post("/app/sign-out").status_code == 403
    assert client.get("/app/contacts").status_code == 200


# Cookies and headers ----------------------------------------------------------------------------


def _session_cookie(response: Any) -> str:
    (cookie,) = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}=")]
    return str(cookie).lower()


def test_the_session_cookie_is_httponly_and_samesite_lax(kluis: Kluis) -> None:
    client = staff_client(kluis)
    response = client.post(
        "/app/sign-in", data={"email": make_user(kluis, "sales"), "password": PASSWORD}
    )
    cookie = _session_cookie(response)
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie  # served over plain http here (KLUIS_BASE_URL)


def test_the_session_cookie_is_secure_when_served_over_https(kluis: Kluis) -> None:
    https = dataclasses.replace(
        kluis, settings=kluis.settings.model_copy(update={"base_url": "https://crm.example.com"})
    )
    client = staff_client(https)
    response = client.post(
        "/app/sign-in", data={"email": make_user(kluis, "sales"), "password": PASSWORD}
    )
    cookie = _session_cookie(response)
    assert "secure" in cookie
    assert "httponly" in cookie


def _assert_safe_headers(response: Any) -> None:
    headers = response.headers
    policy = headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy  # only scripts served by Kluis itself (htmx)
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in ("same-origin", "no-referrer")
    assert headers["cache-control"] == "no-store"
    if headers.get("content-type", "").startswith("text/html"):
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, flags=re.S | re.I)
        for attributes, body in scripts:
            assert 'src="/app/static/' in attributes, "a script not served by Kluis"
            assert not body.strip(), "an inline script"
        assert not re.search(r"<[^>]+\son[a-z]+=", response.text), "inline event handler"


def test_pages_send_the_security_headers(kluis: Kluis, person: str) -> None:
    anonymous = staff_client(kluis)
    _assert_safe_headers(anonymous.get("/app/sign-in"))
    _assert_safe_headers(anonymous.get("/app/contacts"))  # the redirect to sign in
    client, csrf = signed_in(kluis, "admin", "privacy_requests")
    for path in (
        "/app/contacts",
        f"/app/contacts/{person}",
        f"/app/contacts/{person}/edit",
        f"/app/contacts/{person}/consent",
        "/app/contacts/new",
        "/app/password",
        "/app/two-factor",
        "/app/contacts/no-such-person",
    ):
        _assert_safe_headers(client.get(path))
    _assert_safe_headers(client.post("/app/contacts", data={"csrf": csrf, "q": "x"}))
    _assert_safe_headers(client.post("/app/contacts", data={}))


def test_a_malformed_address_gives_a_page_not_a_failure(kluis: Kluis) -> None:
    client, _csrf = signed_in(kluis, "admin", "customer_service")
    for path in ("/app/contacts?page=0", "/app/evidence/0", "/app/evidence/x"):
        response = client.get(path)
        assert response.status_code == 422, path
        assert response.headers["content-type"].startswith("text/html")
        assert "Traceback" not in response.text


# Signing in -------------------------------------------------------------------------------------


def test_a_wrong_password_shows_the_error_without_saying_which_part(kluis: Kluis) -> None:
    client = staff_client(kluis)
    email = make_user(kluis, "sales")
    wrong = client.post("/app/sign-in", data={"email": email, "password": "nope nope nope"})
    unknown = client.post("/app/sign-in", data={"email": "x@example.com", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "Verkeerd e-mailadres, wachtwoord of code" in wrong.text
    assert _error(wrong.text) == _error(unknown.text)
    assert COOKIE not in client.cookies


def _error(page: str) -> str:
    found = re.search(r'role="alert"[^>]*>([^<]+)<', page)
    assert found, page
    return found.group(1)


def test_the_lock_out_shows_on_the_sign_in_page_and_ends(kluis: Kluis) -> None:
    clock = Clock()
    client = staff_client(kluis, clock)
    email = make_user(kluis, "sales")
    for _ in range(MAX_FAILED_SIGN_INS):
        client.post("/app/sign-in", data={"email": email, "password": "nope nope nope"})
    right = {"email": email, "password": PASSWORD}
    assert client.post("/app/sign-in", data=right).status_code == 401
    clock.now += timedelta(minutes=LOCK_MINUTES)
    assert client.post("/app/sign-in", data=right).status_code == 303


def test_a_client_guessing_across_accounts_is_refused_on_the_sign_in_page(kluis: Kluis) -> None:
    clock = Clock()
    client = staff_client(kluis, clock)
    email = make_user(kluis, "sales")
    for n in range(MAX_CLIENT_FAILURES):
        wrong = {"email": f"guess{n}@example.com", "password": "nope nope nope"}
        assert client.post("/app/sign-in", data=wrong).status_code == 401
    right = {"email": email, "password": PASSWORD}
    assert client.post("/app/sign-in", data=right).status_code == 401
    clock.now += timedelta(minutes=LOCK_MINUTES)
    assert client.post("/app/sign-in", data=right).status_code == 303


def test_an_idle_session_sends_the_browser_to_sign_in(kluis: Kluis) -> None:
    clock = Clock()
    client, _csrf = signed_in(kluis, "sales", "sales_follow_up", clock)
    clock.now += timedelta(minutes=kluis.settings.session_idle_minutes)
    response = client.get("/app/contacts")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/sign-in"


def test_two_step_sign_in_is_turned_on_and_then_asked_for(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin")
    page = client.get("/app/two-factor").text
    found = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)
    assert found
    secret = found.group(1)
    refused = client.post("/app/two-factor", data={"csrf": csrf, "secret": secret, "code": "x"})
    assert refused.status_code == 422
    code = pyotp.TOTP(secret).at(NOW)
    done = client.post("/app/two-factor", data={"csrf": csrf, "secret": secret, "code": code})
    assert done.status_code == 303
    client.post("/app/sign-out", data={"csrf": csrf})

    form = {"email": "admin@example.com", "password": PASSWORD}
    asked = client.post("/app/sign-in", data=form)
    assert asked.status_code == 401
    assert 'name="code"' in asked.text
    assert 'autocomplete="one-time-code"' in asked.text
    assert client.post("/app/sign-in", data={**form, "code": code}).status_code == 303
    assert client.get("/app/contacts").status_code == 200


def test_changing_the_password_ends_the_other_sessions(kluis: Kluis) -> None:
    here, csrf = signed_in(kluis, "sales", "sales_follow_up")
    elsewhere, _other = signed_in(kluis, "sales", "sales_follow_up")
    short = here.post(
        "/app/password",
        data={
            "csrf": csrf,
            "current_password": PASSWORD,
            "new_password": "short",
            "again": "short",
        },
    )
    assert short.status_code == 422
    assert 'role="alert"' in short.text
    assert elsewhere.get("/app/contacts").status_code == 200

    new = "a much longer passphrase"
    changed = here.post(
        "/app/password",
        data={"csrf": csrf, "current_password": PASSWORD, "new_password": new, "again": new},
    )
    assert changed.status_code == 303
    assert here.get("/app/contacts").status_code == 200
    assert elsewhere.get("/app/contacts").headers["location"] == "/app/sign-in"
    sign_in(staff_client(kluis), "sales@example.com", new)


def test_a_one_time_password_sends_every_page_to_the_password_change(kluis: Kluis) -> None:
    _user, one_time = auth.create_user(kluis.engine, SYSTEM, "new@example.com", "sales", NOW)
    client = staff_client(kluis)
    signed = client.post("/app/sign-in", data={"email": "new@example.com", "password": one_time})
    assert signed.headers["location"] == "/app/password"
    csrf = csrf_of(client.get("/app/password").text)
    for path in ("/app/contacts", "/app/requests", "/app/compliance/purposes", "/app"):
        assert client.get(path).headers["location"] == "/app/password", path
    chosen = client.post("/app/purpose", data={"csrf": csrf, "purpose": "sales_follow_up"})
    assert chosen.headers["location"] == "/app/password"
    assert client.post("/app/language", data={"csrf": csrf, "language": "en"}).status_code == 303
    assert "Change password" in client.get("/app/password").text

    new = "a much longer passphrase"
    changed = client.post(
        "/app/password",
        data={"csrf": csrf, "current_password": one_time, "new_password": new, "again": new},
    )
    assert changed.headers["location"] == "/app/contacts"
    assert client.get("/app/contacts").status_code == 200


# Purposes ---------------------------------------------------------------------------------------


def test_a_role_cannot_pick_a_purpose_it_does_not_hold(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "marketing", "email_marketing")
    page = client.get("/app/contacts").text
    offered = re.findall(r'<option value="([a-z_]+)"', page.split('id="purpose-choice"')[1])
    assert "email_marketing" in offered
    assert "age_verification" not in offered
    assert "privacy_requests" not in offered
    refused = client.post("/app/purpose", data={"csrf": csrf, "purpose": "age_verification"})
    assert refused.status_code == 422
    assert 'value="email_marketing" selected' in client.get("/app/contacts").text


def test_the_purpose_decides_which_fields_a_page_holds(kluis: Kluis, person: str) -> None:
    client, csrf = signed_in(kluis, "admin", "privacy_requests")
    assert BIRTH_DATE in client.get(f"/app/contacts/{person}").text

    choose(client, csrf, "email_marketing")
    for path in (f"/app/contacts/{person}", f"/app/contacts/{person}/edit", "/app/contacts"):
        page = client.get(path).text
        assert "fenna.brouwersma1@example.com" in page, path
        assert BIRTH_DATE not in page, path
        assert "Geboortedatum" not in page, path
        assert 'name="birth_date"' not in page, path
    choose(client, csrf, "age_verification")
    page = client.get(f"/app/contacts/{person}").text
    assert BIRTH_DATE in page
    assert "fenna.brouwersma1@example.com" not in page


def test_a_marketer_never_gets_a_birth_date(kluis: Kluis, person: str) -> None:
    client, csrf = signed_in(kluis, "marketing", "email_marketing")
    pages = [
        client.get(f"/app/contacts/{person}").text,
        client.post("/app/contacts", data={"csrf": csrf, "q": "Fenna1"}).text,
    ]
    assert "Fenna1" in pages[1]
    assert all(BIRTH_DATE not in page for page in pages)


# Searches ---------------------------------------------------------------------------------------


def test_searches_are_posted_and_never_reach_an_address(kluis: Kluis, person: str) -> None:
    client, csrf = signed_in(kluis, "admin", "email_marketing")
    page = client.get("/app/contacts").text
    assert Links(page).methods["/app/contacts"] == "post"
    query = "fenna.brouwersma1@example.com"
    found = client.post("/app/contacts", data={"csrf": csrf, "q": query})
    assert found.status_code == 200
    assert f"/app/contacts/{person}" in found.text
    for address in Links(found.text).addresses:
        assert "fenna" not in address.lower(), address
        assert "example.com" not in address, address
    # a search cannot be asked for in the address either
    listed = client.get("/app/contacts", params={"q": "nobody@example.com"})
    assert f"/app/contacts/{person}" in listed.text


# Translations -----------------------------------------------------------------------------------


def _catalogue() -> Any:
    with PO.open("rb") as handle:
        return read_po(handle, locale="nl")


def test_every_message_of_the_dutch_catalogue_is_translated() -> None:
    untranslated = []
    for message in _catalogue():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
    assert not untranslated, "run scripts/translations.py and translate: " + repr(untranslated)


def test_every_message_the_pages_use_is_in_the_catalogue() -> None:
    spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts/translations.py")
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    used = {m.id if isinstance(m.id, str) else m.id[0] for m in script.extract() if m.id}
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue() if m.id}
    assert used, "the extraction found nothing"
    missing = sorted(used - known)
    assert not missing, "run scripts/translations.py and translate: " + repr(missing)


def test_the_language_switch_is_remembered(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "sales", "sales_follow_up")
    assert "<h1>Contacten</h1>" in client.get("/app/contacts").text
    switched = client.post(
        "/app/language", data={"csrf": csrf, "language": "en", "back": "/app/contacts"}
    )
    assert switched.headers["location"] == "/app/contacts"
    assert "<h1>Contacts</h1>" in client.get("/app/contacts").text
    # remembered with the user, not only the browser: a new sign-in is in English too
    other = staff_client(kluis)
    csrf = sign_in(other, "sales@example.com")
    choose(other, csrf, "sales_follow_up")
    assert '<html lang="en">' in other.get("/app/contacts").text
    mine = csrf_of(client.get("/app/contacts").text)
    refused = client.post("/app/language", data={"csrf": mine, "language": "de"})
    assert refused.status_code == 422
