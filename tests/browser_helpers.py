"""Plain helpers of the browser tests (tests/ui/browser): the staff users and their password,
signing in and choosing a purpose the way a person does, by the visible Dutch labels."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from playwright.sync_api import Page

from kluis.runtime import Kluis

PASSWORD = "correct horse battery staple"
ADMIN_EMAIL = "admin@example.com"
NOTICE_NL = "Ja, u mag mij bellen over aanbiedingen. Ik kan altijd nee zeggen."


@dataclass(frozen=True)
class Site:
    """A running Kluis: its address, the open Kluis behind it (for arranging data) and the app
    (whose ``state.transport_factory`` a test points at its own mail server)."""

    url: str
    kluis: Kluis
    app: FastAPI


def sign_in(
    page: Page,
    email: str = ADMIN_EMAIL,
    password: str = PASSWORD,
    then: str | None = "/app/contacts",
) -> None:
    """Sign in; signing in lands on the home page, and ``then`` goes on from there as a
    person clicks on in the menu (the contacts list, where most of these tests start)."""
    page.goto("/app/sign-in")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    if then is not None and page.url.endswith("/app/"):
        page.goto(then)


def work_for(page: Page, purpose_name: str) -> None:
    """Choose the purpose worked under in the header, by its (Dutch) name."""
    page.get_by_label("Ik werk voor", exact=True).select_option(label=purpose_name)
    page.get_by_role("button", name="Wissel").click()
