"""Logging a call with its recording on a person's page in a real browser, and seeing it on the
person's timeline with a player for the recording."""

from __future__ import annotations

import io
import re
import wave

from playwright.sync_api import Page, expect

from browser_helpers import Site, sign_in, work_for
from conftest import ADMIN, NOW
from factories import add_person


def recording(seconds: float = 0.5) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * int(8000 * seconds))
    return buffer.getvalue()


def test_log_a_call_with_a_recording_and_see_it_on_the_timeline(page: Page, site: Site) -> None:
    person = add_person(site.kluis, ADMIN, NOW)
    sign_in(page)
    work_for(page, "Klantenservice")
    page.goto(f"/app/contacts/{person}")
    expect(page.get_by_text("Nog niets op de tijdlijn onder dit doel.")).to_be_visible()
    form = page.locator("#activity-form")
    expect(form).to_be_visible()
    form.get_by_label("Soort").select_option(label="telefoongesprek")
    form.get_by_label("Onderwerp").fill("Belde over de levering")
    form.get_by_label("Wat er gezegd of afgesproken is").fill("Levering verzet naar donderdag.")
    form.get_by_label("Duur in minuten").fill("6")
    form.get_by_label(re.compile("^Opname van het gesprek")).set_input_files(
        files=[{"name": "gesprek.wav", "mimeType": "audio/wav", "buffer": recording()}]
    )
    form.get_by_role("button", name="Activiteit vastleggen").click()

    expect(page).to_have_url(re.compile(f"/app/contacts/{person}#activities-h$"))
    entry = page.locator("#person-timeline li").first
    expect(entry).to_have_attribute("data-kind", "call")
    expect(entry).to_contain_text("Telefoongesprek: Belde over de levering")
    expect(entry).to_contain_text("Levering verzet naar donderdag.")
    player = entry.locator("audio[controls]")
    expect(player).to_be_visible()
    duration = player.evaluate(
        """audio => new Promise((resolve, reject) => {
            audio.addEventListener("loadedmetadata", () => resolve(audio.duration));
            audio.addEventListener("error", () => reject(new Error("the recording did not load")));
            audio.load();
        })"""
    )
    assert abs(duration - 0.5) < 0.05
    entry.get_by_role("link", name="Telefoongesprek").click()
    expect(page.get_by_role("heading", name="Belde over de levering")).to_be_visible()
