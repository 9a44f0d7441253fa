"""The person's side of re-confirmation (Art. 7(1)): the link in a re-confirmation mail says
what it is about, and pressing its button records ``reconfirmed`` as done by the person
themselves. The mailing that sends the links is ``service.send_reconfirmations``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kluis.actors import PERSON
from kluis.consent import ledger as consent
from kluis.consent import repository as consent_repo
from kluis.consent import rules as consent_rules
from kluis.contacts import repository as contacts_repo
from kluis.errors import NotFound, PersonErased
from kluis.messaging import tokens
from kluis.runtime import Kluis


@dataclass(frozen=True)
class ReconfirmState:
    """What a re-confirmation link is about, at ``now``: the consent and whether it can still
    be re-confirmed (``live``) or was already (``renewed``: it is no longer due)."""

    token: tokens.LinkToken
    channel: str
    topic: str
    reconfirm_by: datetime | None
    live: bool
    renewed: bool


def reconfirm_state(k: Kluis, token_text: str, now: datetime) -> ReconfirmState:
    """Check a re-confirmation link and say what it is about; changes nothing. TokenInvalid
    when it is altered, expired, or its person is no longer on file."""
    # The link must work until the re-confirm-by date it names, whatever the general link age.
    max_days = max(k.settings.link_max_age_days, k.settings.reconfirm_days_before + 1)
    token = tokens.verify(k.vault.signing_key, "reconfirm", token_text, max_days * 86400, now)
    if token.channel is None or token.topic is None:
        raise tokens.TokenInvalid("this link is not a re-confirmation link", reason="tampered")
    with k.engine.connect() as conn:
        if not contacts_repo.fetch(conn, [token.person_id]):
            raise tokens.TokenInvalid(
                "there is nothing to re-confirm: this address is no longer on file", reason="gone"
            )
        current = consent_repo.permission(conn, token.person_id, token.channel, token.topic)
    live = consent_rules.live(current, now)
    reconfirm_by = None if current is None else current.reconfirm_by
    renewed = (
        live
        and reconfirm_by is not None
        and now < reconfirm_by - timedelta(days=k.settings.reconfirm_days_before)
    )
    return ReconfirmState(token, token.channel, token.topic, reconfirm_by, live, renewed)


def reconfirm(k: Kluis, token_text: str, now: datetime) -> ReconfirmState:
    """The person pressed the button behind a re-confirmation link: record ``reconfirmed``,
    done by the person themselves (Art. 7(1)). Pressing it again once the consent is renewed
    records nothing more. A consent that lapsed or was withdrawn meanwhile is not brought back
    (that takes a new grant): TokenInvalid with reason ``lapsed``."""
    state = reconfirm_state(k, token_text, now)
    if state.renewed:
        return state
    if not state.live:
        raise tokens.TokenInvalid(
            "this consent has lapsed or was withdrawn; sign up again to receive these messages",
            reason="lapsed",
        )
    try:
        consent.record(
            k,
            PERSON,
            state.token.person_id,
            state.channel,
            state.topic,
            "reconfirmed",
            now,
            consent.Grant(method="email_link", notice_id=None),
            captured_by="person",
        )
    except (NotFound, PersonErased):
        raise tokens.TokenInvalid(
            "there is nothing to re-confirm: this address is no longer on file", reason="gone"
        ) from None
    return reconfirm_state(k, token_text, now)
