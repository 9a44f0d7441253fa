"""Render the staff web app's main pages into docs/screenshots/ (`make screenshots`).

Usage: .venv/bin/python scripts/screenshots.py [--out DIR]
Fills a temporary data directory with the invented population of `kluis demo`
(``kluis.transfer.demo``) plus a few things to look at (a person with a consent history, a draft
campaign, privacy requests, a breach), serves the app on a free loopback port with its clock fixed,
signs in with Playwright driving Debian's Chromium (never `playwright install`) and saves PNGs at a
laptop's 1280x800, and the contacts list once more at a phone's width. Nothing here is real
personal data: every address is at example.com.
"""

from __future__ import annotations

import argparse
import base64
import os
import socket
import struct
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, ViewportSize, sync_playwright

from kluis.actors import SYSTEM, Actor, Role
from kluis.api import get_now
from kluis.app import create_app
from kluis.auth import service as auth
from kluis.compliance import service as breaches
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.contacts import collect
from kluis.contacts import people as contacts
from kluis.messaging import campaigns
from kluis.opening import open_kluis
from kluis.requests import service as requests
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.transfer import demo

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("KLUIS_TEST_CHROMIUM", "/usr/bin/chromium")
NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
"""The app's clock, fixed so deadlines and ages on the pages are the same on every run."""
EMAIL = "privacy@example.com"
PASSWORD = "screenshots only, never a real password"  # noqa: S105 (a throwaway data directory)
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


def arrange(k: Kluis) -> dict[str, str]:
    """The demo population and a few things to show; returns the paths of the pages."""
    user, _password = auth.create_user(k.engine, SYSTEM, EMAIL, "privacy_officer", NOW, PASSWORD)
    officer = Actor(ref=f"user:{user.id}", role=Role.PRIVACY_OFFICER, user_id=user.id)
    demo.populate(k, officer, 60, NOW - timedelta(days=400))
    (notice,) = [n for n in catalogue.list_notices(k) if n.text == demo.NOTICE]
    phone_notice = catalogue.add_notice(
        k,
        officer,
        "nl",
        "Ja, u mag mij bellen over aanbiedingen. Ik kan altijd nee zeggen.",
        NOW,
        covers=[("phone", "offers")],
    )
    person = collect.create_person(
        k,
        officer,
        contacts.NewPerson(
            relationship="customer",
            purposes=["customer_service", "invoicing", "email_marketing"],
            fields={
                "given_name": "Anouk",
                "family_name": "de Vries",
                "email": "anouk.devries@example.com",
                "phone": "+31 6 12345678",
                "address": "Dorpsstraat 12\n1234 AB Ergens",
                "interests": ["fietsen", "koffie"],
            },
        ),
        NOW - timedelta(days=300),
    )
    history = (
        (300, "email", "newsletter", "granted", consent.Grant("web_form", notice.id)),
        (120, "phone", "offers", "granted", consent.Grant("phone_recording", phone_notice.id)),
        (30, "email", "newsletter", "withdrawn", consent.Grant("unsubscribe_link", None)),
    )
    for days, channel, topic, action, grant in history:
        consent.record(
            k, officer, person, channel, topic, action, NOW - timedelta(days=days), grant
        )
    campaign = campaigns.create_campaign(
        k,
        officer,
        {
            "name": "Voorjaarsnieuwsbrief",
            "topic": "newsletter",
            "subject_nl": "Nieuws uit de winkel",
            "body_nl": "Hallo {{ given_name }},\n\nDe nieuwe fietsen zijn binnen.",
            "subject_en": "News from the shop",
            "body_en": "Hello {{ given_name }},\n\nThe new bicycles are in.",
        },
        NOW,
    )
    found = contacts.search_people(k, officer, "privacy_requests", NOW, limit=4).items
    others = [p.id for p in found if p.id != person]
    access = requests.create(
        k, officer, "access", NOW - timedelta(days=12), person_id=person, channel="email"
    )
    requests.verify(k, officer, access.id, "known_address", NOW - timedelta(days=11))
    for days, kind, who in ((3, "erasure", others[0]), (34, "objection", others[1])):
        requests.create(k, officer, kind, NOW - timedelta(days=days), person_id=who)
    breaches.add_breach(
        k,
        officer,
        breaches.NewBreach(
            detected_at=NOW - timedelta(hours=30),
            nature="A laptop with an export of the newsletter list was stolen from a car.",
            categories=["user.contact.email", "user.name"],
            consequences="Unwanted e-mail; the export was not encrypted.",
            measures_taken="The laptop was wiped remotely; the police were told.",
            approx_people=40,
            approx_records=40,
        ),
        NOW,
    )
    return {
        "person": f"/app/contacts/{person}",
        "campaign": f"/app/campaigns/{campaign.id}",
        "request": f"/app/requests/{access.id}",
    }


@contextmanager
def serving(k: Kluis) -> Iterator[str]:
    """The app on a free loopback port, its clock at :data:`NOW`; yields its address."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    app = create_app(k)
    app.dependency_overrides[get_now] = lambda: NOW
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", ws="none", lifespan="on", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SystemExit("the app did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def work_for(page: Page, purpose: str) -> None:
    page.locator("#purpose-choice").select_option(value=purpose)
    page.get_by_role("button", name="Switch").click()


INDEX_COLOURS = """async (png) => {
    const image = new Image();
    image.src = "data:image/png;base64," + png;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const counts = new Map();
    for (let i = 0; i < rgba.length; i += 4) {
        const colour = (rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2];
        counts.set(colour, (counts.get(colour) || 0) + 1);
    }
    const palette = [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a)).slice(0, 256);
    const index = new Map(palette.map((colour, n) => [colour, n]));
    const channels = c => [c >> 16, (c >> 8) & 255, c & 255];
    for (const colour of counts.keys()) {
        if (index.has(colour)) continue;
        const [r, g, b] = channels(colour);
        let best = 0, distance = Infinity;
        palette.forEach((other, n) => {
            const [r2, g2, b2] = channels(other);
            const d = (r - r2) ** 2 + (g - g2) ** 2 + (b - b2) ** 2;
            if (d < distance) { best = n; distance = d; }
        });
        index.set(colour, best);
    }
    const pixels = new Uint8Array(canvas.width * canvas.height);
    for (let i = 0, p = 0; i < rgba.length; i += 4, p++) {
        pixels[p] = index.get((rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2]);
    }
    let text = "";
    for (let i = 0; i < pixels.length; i += 0x8000) {
        text += String.fromCharCode.apply(null, pixels.subarray(i, i + 0x8000));
    }
    return {width: canvas.width, height: canvas.height, palette, pixels: btoa(text)};
}"""
"""A screenshot as at most 256 colours and an index per pixel, computed through a canvas in a
blank page (no Pillow needed). A page of text has a few hundred colours, nearly all of them
the grey edges of letters: the rarest are mapped to the nearest kept one, which no eye sees."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def smaller(blank: Page, png: bytes) -> bytes:
    """The picture as an indexed PNG, a third of the size or less, so the screenshots stay small
    in the repository; the original when that is smaller after all."""
    found = blank.evaluate(INDEX_COLOURS, base64.b64encode(png).decode())
    width, height = found["width"], found["height"]
    pixels = base64.b64decode(found["pixels"])
    rows = b"".join(b"\0" + pixels[y * width : (y + 1) * width] for y in range(height))
    palette = b"".join(c.to_bytes(3, "big") for c in found["palette"])
    indexed = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
        + _chunk(b"PLTE", palette)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )
    return indexed if len(indexed) < len(png) else png


def shoot(page: Page, blank: Page, path: str, out: Path, *, anchor: str | None = None) -> None:
    page.goto(path)
    if anchor is not None:
        page.locator(anchor).evaluate("element => element.scrollIntoView()")
    out.write_bytes(smaller(blank, page.screenshot(animations="disabled")))
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(f"{shown} ({out.stat().st_size // 1024} KB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out: Path = parser.parse_args().out.resolve()
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"Chromium is needed at {CHROMIUM}: `apt-get install -y chromium`")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kluis-screenshots-") as data_dir:
        # every store in the temporary directory, whatever KLUIS_* the environment sets
        settings = Settings(
            data_dir=Path(data_dir),
            database_url=None,
            keyring_url=None,
            master_key=None,
            smtp_url=None,
            backup_dir=None,
            organisation_name="Fietsen De Spaak B.V.",
        )
        k = open_kluis(settings, create=True)
        try:
            paths = arrange(k)
            with serving(k) as url, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
                context = browser.new_context(base_url=url, locale="en-GB", viewport=LAPTOP)
                page = context.new_page()
                blank = context.new_page()
                page.goto("/app/sign-in")
                page.get_by_label("E-mail address").fill(EMAIL)
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.get_by_role("button", name="English").click()
                work_for(page, "customer_service")
                shoot(page, blank, "/app/contacts", out / "contacts.png")
                work_for(page, "email_marketing")
                shoot(page, blank, paths["person"], out / "person.png", anchor="#timeline-h")
                shoot(page, blank, paths["campaign"], out / "campaign.png")
                work_for(page, "privacy_requests")
                shoot(page, blank, "/app/requests", out / "requests.png")
                shoot(page, blank, paths["request"], out / "request.png")
                shoot(page, blank, "/app/compliance", out / "findings.png")
                shoot(page, blank, "/app/compliance/breaches", out / "breaches.png")
                shoot(page, blank, "/app/compliance/record", out / "record.png")
                page.set_viewport_size(PHONE)
                work_for(page, "customer_service")
                shoot(page, blank, "/app/contacts", out / "contacts-phone.png")
                browser.close()
        finally:
            k.close()


if __name__ == "__main__":
    main()
