"""JSON API of draft editing and campaign results (``drafts``, ``results``): beside
``routes.campaigns_router``, under the same ``/campaigns`` prefix."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from kluis.api import PROBLEMS, KluisDep, NowDep, PurposeQuery, problem_response
from kluis.auth.deps import ActorDep
from kluis.messaging import drafts, results, trial, trial_send
from kluis.messaging.routes import CampaignId, _campaign, _fields
from kluis.messaging.schemas import (
    CampaignPersonPreview,
    CampaignPublic,
    CampaignResults,
    CampaignTestSent,
    CampaignUpdate,
)

router = APIRouter(prefix="/campaigns", tags=["campaigns"], responses=PROBLEMS)


@router.patch("/{campaign_id}", response_model=CampaignPublic)
def update_campaign(
    kluis: KluisDep, actor: ActorDep, now: NowDep, campaign_id: CampaignId, body: CampaignUpdate
) -> CampaignPublic:
    """Change a draft campaign (what is not given stays; the channel cannot change). A
    campaign that began sending gives 409. Marketing, an admin or the privacy officer only."""
    values: dict[str, Any] = {}
    given = body.model_fields_set
    for name in ("name", "topic", "rate_per_minute"):
        if name in given and getattr(body, name) is not None:
            values[name] = getattr(body, name)
    for part in ("subject", "body"):
        texts = getattr(body, part)
        if part in given and texts is not None:
            for lang in ("nl", "en"):
                values[f"{part}_{lang}"] = getattr(texts, lang)
    if "tag" in given:
        values["tag"] = body.tag or None
    if "whatsapp_template" in given and body.whatsapp_template is not None:
        values["whatsapp_template"] = body.whatsapp_template.model_dump()
    with _fields(subject_nl="subject", subject_en="subject", body_nl="body", body_en="body"):
        view = drafts.update_campaign(kluis, actor, campaign_id, values, now)
    return _campaign(view)


@router.delete("/{campaign_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_campaign(
    kluis: KluisDep, actor: ActorDep, now: NowDep, campaign_id: CampaignId
) -> Response:
    """Delete a draft campaign; one that began sending gives 409 (its messages are the record
    of what was sent and why)."""
    drafts.delete_campaign(kluis, actor, campaign_id, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{campaign_id}/results", response_model=CampaignResults)
def campaign_results(kluis: KluisDep, actor: ActorDep, campaign_id: CampaignId) -> CampaignResults:
    """The campaign's results on its channel: sent, delivered (texts), failed, refused by
    reason, and people who opted out of the channel and topic afterwards. Counts only; nothing
    in the messages is tracked."""
    found = results.results(kluis, actor, campaign_id)
    return CampaignResults(**dataclasses.asdict(found))


@router.get("/{campaign_id}/preview/{person_id}", response_model=CampaignPersonPreview)
def preview_for_person(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    campaign_id: CampaignId,
    person_id: str,
    purpose: PurposeQuery,
) -> CampaignPersonPreview:
    """The campaign as one person would get it (their language, their names, the opt-out line
    and SMS length), the person read under `purpose` (audited). Sends and decides nothing."""
    found = trial.preview_for(kluis, actor, campaign_id, person_id, purpose, now)
    return CampaignPersonPreview(**dataclasses.asdict(found))


TEST_PROBLEMS: dict[int | str, dict[str, Any]] = {
    502: problem_response("The mail server or the provider refused it or could not be reached."),
    503: problem_response("No mail server or no provider is configured for the channel."),
}


@router.post("/{campaign_id}/test", response_model=CampaignTestSent, responses=TEST_PROBLEMS)
def send_test(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    campaign_id: CampaignId,
    person_id: Annotated[str | None, Query(max_length=64)] = None,
    purpose: Annotated[str | None, Query(max_length=60)] = None,
    language: Annotated[Literal["nl", "en"], Query()] = "nl",
) -> CampaignTestSent:
    """Send the campaign to yourself as a test: to your staff e-mail address, or (SMS,
    WhatsApp) to your number for tests (set on the staff page `/app/profile/phone`). Rendered
    for `person_id` read under `purpose` (audited), or with sample values in `language`. The
    subject or first line says `[TEST]`; nothing is stored as a message or counted in the
    results; audited as `campaign.test_sent`. 503 without a provider or mail server, 422
    without your number, 409 for a phone or post campaign."""
    sent = trial_send.send_test(
        kluis, actor, campaign_id, person_id, purpose, now, language=language
    )
    return CampaignTestSent(**dataclasses.asdict(sent))
