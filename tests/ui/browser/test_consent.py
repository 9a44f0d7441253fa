"""Recording a consent given on the phone, with the call recording uploaded, in a real browser:
the event, the wording the person heard and a player for the recording are on the timeline."""

from __future__ import annotations

import io
import re
import wave

from playwright.sync_api import Page, expect

from browser_helpers import NOTICE_NL, Site, sign_in, work_for
from conftest import ADMIN, NOW
from factories import add_person
from kluis.consent import catalogue


def recording(seconds: float = 0.5) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * int(8000 * seconds))
    return buffer.getvalue()


def test_record_a_phone_consent_with_its_recording(page: Page, site: Site) -> None:
    person = add_person(site.kluis, ADMIN, NOW, purposes=("email_marketing",), phone=None)
    catalogue.add_notice(
        site.kluis,
        ADMIN,
        "nl",
        "Ja, stuur mij de nieuwsbrief per e-mail.",
        NOW,
        covers=[("email", "newsletter")],
    )
    sign_in(page)
    work_for(page, "E-mailmarketing")
    page.goto(f"/app/contacts/{person}")
    expect(page.get_by_text("Geen toestemming vastgelegd.")).to_be_visible()
    page.get_by_role("link", name="Toestemming, bezwaar of beperking vastleggen").click()

    grant = page.locator("section", has=page.get_by_role("heading", name="Toestemming vastleggen"))
    grant.get_by_label("Kanaal").select_option(label="telefoon")
    grant.get_by_label("Onderwerp").select_option(label="Aanbiedingen")
    grant.get_by_label("Hoe").select_option(label="opname van telefoongesprek")
    # only the wordings asking for phone and offers are offered, swapped in as the choice changed
    wording = grant.get_by_label("Getoonde tekst")
    # each choice swaps the list in; wait for the last one (the lists before it look alike)
    expect(grant.locator("#grant-notice-field")).to_have_attribute("data-for", "phone offers")
    expect(wording.locator("option")).to_have_count(2)
    expect(wording).not_to_contain_text("nieuwsbrief per e-mail")
    wording.select_option(index=1)
    grant.get_by_label(re.compile("^Bewijs")).set_input_files(
        files=[{"name": "gesprek.wav", "mimeType": "audio/wav", "buffer": recording()}]
    )
    grant.get_by_role("button", name="Toestemming vastleggen").click()

    expect(page).to_have_url(re.compile(f"/app/contacts/{person}#timeline-h$"))
    event = page.locator("ol.timeline li").first
    expect(event).to_contain_text("gegeven, telefoon, Aanbiedingen (opname van telefoongesprek)")
    expect(event.locator("blockquote")).to_have_text(NOTICE_NL)
    player = event.locator("audio[controls]")
    expect(player).to_be_visible()
    duration = player.evaluate(
        """audio => new Promise((resolve, reject) => {
            audio.addEventListener("loadedmetadata", () => resolve(audio.duration));
            audio.addEventListener("error", () => reject(new Error("the recording did not load")));
            audio.load();
        })"""
    )
    assert abs(duration - 0.5) < 0.05
    expect(event.get_by_role("link", name="Bewijs downloaden")).to_have_attribute(
        "href", re.compile(r"^/app/evidence/\d+$")
    )
