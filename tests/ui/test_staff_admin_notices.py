"""The pages of consent notices and topics (``/app/admin/notices``) through a TestClient."""

from __future__ import annotations

import pytest

from conftest import ADMIN, MARKETING, NOW, PRIVACY, SALES, SERVICE
from factories import add_marketed_person, grant_consent
from kluis.audit import service as audit
from kluis.consent import catalogue
from kluis.errors import PermissionDenied
from kluis.runtime import Kluis
from staff_helpers import signed_in

WORDING = "Ja, u mag mij e-mailen over aanbiedingen. Ik kan altijd nee zeggen."


def test_a_new_version_is_added_and_the_list_counts_its_citations(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "privacy_officer")
    form = {
        "csrf": csrf,
        "language": "nl",
        "text": WORDING,
        "channels": ["email"],
        "topics": ["offers", "newsletter"],
    }
    added = client.post("/app/admin/notices", data=form)
    assert added.status_code == 200, added.text
    (notice,) = catalogue.list_notices(kluis)
    assert notice.covers == (("email", "newsletter"), ("email", "offers"))
    (entry,) = audit.list_entries(kluis.engine, action="notice.added")
    assert entry.details["notice_id"] == notice.id
    person = add_marketed_person(kluis, ADMIN, NOW, 1)
    grant_consent(kluis, person, "email", "offers", notice.id)
    assert catalogue.notice_citations(kluis) == {notice.id: 1}
    page = client.get("/app/admin/notices").text
    assert WORDING in page
    assert "<td>1</td>" in page


def test_a_notice_without_topics_is_refused_with_the_form_kept(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin")
    form = {"csrf": csrf, "language": "nl", "text": WORDING, "channels": ["email"]}
    refused = client.post("/app/admin/notices", data=form)
    assert refused.status_code == 422
    assert WORDING in refused.text
    assert catalogue.list_notices(kluis) == []


def test_topics_are_added_by_admins_and_privacy_officers_only(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin")
    form = {"csrf": csrf, "key": "events", "name_nl": "Evenementen", "name_en": "Events"}
    assert client.post("/app/admin/notices/topics", data=form).status_code == 200
    assert "events" in {t.key for t in catalogue.list_topics(kluis)}
    again = client.post("/app/admin/notices/topics", data=form)
    assert again.status_code == 409
    sales, sales_csrf = signed_in(kluis, "sales")
    assert "/app/admin/notices" not in sales.get("/app/contacts").text
    refused = sales.post(
        "/app/admin/notices/topics", data=form | {"csrf": sales_csrf, "key": "webinars"}
    )
    assert refused.status_code == 403


def test_the_notices_pages_answer_403_to_roles_that_may_not_add_notices(kluis: Kluis) -> None:
    officer, _ = signed_in(kluis, "privacy_officer")
    assert officer.get("/app/admin/notices").status_code == 200
    for role in ("sales", "marketing", "service"):
        client, csrf = signed_in(kluis, role)
        page = client.get("/app/admin/notices")
        assert page.status_code == 403
        assert "mag een toestemmingstekst toevoegen" in page.text
        form = {"csrf": csrf, "language": "nl", "text": WORDING, "channels": ["email"]}
        assert (
            client.post("/app/admin/notices", data=form | {"topics": ["offers"]}).status_code == 403
        )
    assert catalogue.list_notices(kluis) == []


def test_the_service_refuses_a_notice_from_other_roles(kluis: Kluis) -> None:
    for actor in (SALES, MARKETING, SERVICE):
        with pytest.raises(PermissionDenied):
            catalogue.add_notice(kluis, actor, "nl", WORDING, NOW, covers=[("email", "offers")])
    assert catalogue.add_notice(kluis, PRIVACY, "nl", WORDING, NOW, covers=[("email", "offers")]).id
    assert [e.actor for e in audit.list_entries(kluis.engine, action="notice.added")] == [
        PRIVACY.ref
    ]
