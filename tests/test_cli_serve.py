"""``kluis serve --port P`` with no base URL configured mails links to port P (before, every
link said :8000 whatever the port), and a proxy header from the loopback address is not
believed unless ``KLUIS_TRUSTED_PROXIES`` says so. The server runs as ``python -m kluis serve``
in a subprocess on a free loopback port, mailing to a real SMTP server in this process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import ports
from conftest import ADMIN, NOW
from factories import EVERY_PAIR
from kluis.consent import catalogue
from kluis.runtime import Kluis
from mailserver import MailServer

NOTICE_EN = "Yes, send me e-mail about the topics I tick. I can unsubscribe at any time."


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("kluis_env")
def test_links_follow_the_port_served(
    kluis: Kluis, smtp: MailServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLUIS_BASE_URL", raising=False)
    monkeypatch.delenv("KLUIS_CONFIG", raising=False)
    notice = catalogue.add_notice(kluis, ADMIN, "en", NOTICE_EN, NOW, covers=EVERY_PAIR).id
    reservation = ports.Reserved()  # held until the server listens
    port = reservation.port
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = {**os.environ, "KLUIS_SMTP_URL": smtp.url, "KLUIS_SCHEDULE_HOURS": "0"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kluis", "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                httpx.get(f"{url}/signup", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        reservation.release()
        spoofed = httpx.get(f"{url}/signup", headers={"X-Forwarded-Proto": "https"}, timeout=120)
        assert "strict-transport-security" not in spoofed.headers
        signup = httpx.post(
            f"{url}/signup?lang=en",
            data={
                "email": "marrigje.oosterwold@example.com",
                "given_name": "Marrigje",
                "family_name": "Oosterwold",
                "language": "en",
                "topic": ["offers"],
                "notice-offers": str(notice),
            },
            timeout=120,
        )
        assert signup.status_code == 200, signup.text
        deadline = time.monotonic() + 120
        while not smtp.received:
            assert time.monotonic() < deadline, "the confirmation did not arrive"
            time.sleep(0.05)
        body = smtp.received[0].get_body(preferencelist=("plain",))
        assert body is not None
        text = body.get_content()  # type: ignore[attr-defined]
        assert f"{url}/confirm/" in text
        assert ":8000" not in text
    finally:
        reservation.release()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert f"Links in mail point at {url}" in log.read_text()
