"""The admin's import pages (``/app/admin/imports``) through a TestClient: upload, the columns
and the dry run, a changed mapping, the real run as a job (run inline by the test app), the
status page, the rejects list; the upload's mode and its removal; the size limit."""

from __future__ import annotations

import re
import stat

from conftest import NOW
from factories import add_notice
from kluis.audit import service as audit
from kluis.consent import catalogue
from kluis.runtime import Kluis
from kluis.transfer.uploads import UPLOADS
from staff_helpers import make_user, sign_in, signed_in, staff_client

CSV = (
    "Voornaam,Achternaam,E-mail,Lievelingskleur\n"
    "Femke,Bos,femke.bos@example.com,blauw\n"
    "Joris,Vink,joris.vink@example.com,groen\n"
    "Lotte,Smit,geen-adres,rood\n"
)


def _upload(client, csrf: str, text: str = CSV, purposes=("customer_service",)):  # type: ignore[no-untyped-def]
    return client.post(
        "/app/admin/imports",
        data={"csrf": csrf, "purposes": list(purposes), "relationship": "customer"},
        files={"file": ("klanten.csv", text.encode(), "text/csv")},
    )


def _uploads(kluis: Kluis) -> list[str]:
    root = kluis.settings.data_dir / UPLOADS
    return sorted(p.name for p in root.glob("import-*")) if root.exists() else []


def test_upload_review_map_dry_run_then_run_as_a_job(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin")
    answer = _upload(client, csrf)
    assert answer.status_code == 303, answer.text
    review_url = answer.headers["location"]
    (token,) = _uploads(kluis)
    assert review_url.endswith(token)
    folder = kluis.settings.data_dir / UPLOADS / token
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    page = client.get(review_url).text
    assert "Lievelingskleur" in page
    assert 'id="refusal"' in page  # an unknown column is refused until it is mapped
    mapped = client.post(
        f"{review_url}/mapping", data={"csrf": csrf, "map:Lievelingskleur": "ignore"}
    )
    assert mapped.status_code == 303
    page = client.get(review_url).text
    assert 'id="refusal"' not in page, page
    assert 'id="would-add">2<' in page
    assert "geen-adres" not in page
    assert audit.list_entries(kluis.engine, action="import.started") == []
    started = client.post(f"{review_url}/run", data={"csrf": csrf})
    assert started.status_code == 303
    job_url = started.headers["location"]
    status = client.get(job_url).text
    assert 'id="job-created">2<' in status
    assert _uploads(kluis) == []
    (finished,) = audit.list_entries(kluis.engine, action="import.finished")
    assert finished.details["created"] == 2
    rejects = client.get(f"{job_url}/rejects.csv")
    assert rejects.headers["content-type"].startswith("text/csv")
    lines = rejects.text.strip().splitlines()
    assert lines[0] == "line,outcome,code,column,reason"
    assert lines[1].startswith("4,rejected,")
    assert "geen-adres" not in rejects.text
    assert re.search(r"/app/admin/imports/\d+", client.get("/app/admin/imports").text)


def test_cancelling_removes_the_upload_and_others_cannot_reach_it(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin")
    review_url = _upload(client, csrf).headers["location"]
    other = staff_client(kluis)
    sign_in(other, make_user(kluis, "admin", "tweede.beheerder@example.com"))
    assert other.get(review_url).status_code == 404
    assert client.post(f"{review_url}/cancel", data={"csrf": csrf}).status_code == 303
    assert _uploads(kluis) == []
    assert client.get(review_url).status_code == 404


def test_a_file_over_the_limit_is_refused_and_not_kept(kluis: Kluis) -> None:
    kluis.settings.import_max_bytes = 1024
    client, csrf = signed_in(kluis, "admin")
    answer = _upload(client, csrf, CSV * 20)
    assert answer.status_code == 413
    assert "1 MB" in answer.text
    assert _uploads(kluis) == []


def test_the_import_pages_answer_403_to_every_role_but_admin(kluis: Kluis) -> None:
    admin, admin_csrf = signed_in(kluis, "admin")
    review_url = _upload(admin, admin_csrf).headers["location"]
    job_page = re.search(r"/app/admin/imports/\d+", admin.get("/app/admin/imports").text)
    for role in ("privacy_officer", "sales", "marketing", "service"):
        client, csrf = signed_in(kluis, role)
        assert client.get("/app/admin/imports").status_code == 403
        assert "alleen een beheerder mag de importpagina" in client.get("/app/admin/imports").text
        assert _upload(client, csrf).status_code == 403
        assert client.get(review_url).status_code == 403
        assert client.post(f"{review_url}/run", data={"csrf": csrf}).status_code == 403
        if job_page is not None:
            assert client.get(job_page.group(0)).status_code == 403
    assert len(_uploads(kluis)) == 1


def test_a_consent_column_is_imported_with_its_declaration(kluis: Kluis) -> None:
    catalogue.load_default_topics(kluis, NOW)
    notice = add_notice(kluis, "nl", "Ja, stuur mij aanbiedingen per e-mail.")
    client, csrf = signed_in(kluis, "admin")
    text = "Voornaam,E-mail,Toestemming\nFemke,femke.bos@example.com,ja\n"
    answer = client.post(
        "/app/admin/imports",
        data={
            "csrf": csrf,
            "purposes": ["customer_service", "email_marketing"],
            "consent_topic": "offers",
            "consent_channel": "email",
            "consent_method": "paper_form",
            "consent_notice": str(notice),
        },
        files={"file": ("a.csv", text.encode(), "text/csv")},
    )
    review_url = answer.headers["location"]
    page = client.get(review_url).text
    assert 'id="refusal"' not in page, page
    job_url = client.post(f"{review_url}/run", data={"csrf": csrf}).headers["location"]
    assert 'id="job-created">1<' in client.get(job_url).text
    (finished,) = audit.list_entries(kluis.engine, action="import.finished")
    assert finished.details["consents"] == 1
