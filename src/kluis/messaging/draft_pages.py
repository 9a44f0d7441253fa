"""Staff pages that edit and delete a draft campaign (``drafts``): the compose form of its
channel, filled in, and a delete button; a campaign that began sending is neither edited nor
deleted (409)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import KluisDep, NowDep
from kluis.auth.shell import SessionDep, checked_form
from kluis.errors import InvalidField
from kluis.messaging import campaigns, drafts, pages
from kluis.ui import staff
from kluis.ui.staff import PREFIX

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)


def _values(view: campaigns.CampaignView) -> dict[str, str]:
    values: dict[str, str] = {
        "name": view.name,
        "channel": view.channel,
        "topic": view.topic,
        "tag": view.tag or "",
        "rate_per_minute": str(view.rate_per_minute),
    }
    for lang in ("nl", "en"):
        values[f"subject_{lang}"] = view.subject.get(lang, "")
        values[f"body_{lang}"] = view.body.get(lang, "")
    template: dict[str, Any] = view.template or {}
    values["template_name"] = str(template.get("name", ""))
    for lang in ("nl", "en"):
        values[f"template_{lang}"] = str(template.get("content", {}).get(lang, ""))
    values["template_params"] = "\n".join(template.get("params", []))
    return values


@router.get("/campaigns/{campaign_id}/edit")
def edit_form(campaign_id: int, request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    campaigns.may_send(session.actor)
    view = campaigns.get_campaign(k, campaign_id)
    action = f"/app/campaigns/{campaign_id}/edit"
    return pages._compose(k, request, session, _values(view), action=action)


@router.post("/campaigns/{campaign_id}/edit")
async def edit(
    campaign_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    view = campaigns.get_campaign(k, campaign_id)
    shown = {name: staff.text(form, name) for name in pages.LABELS} | {"channel": view.channel}
    action = f"/app/campaigns/{campaign_id}/edit"
    try:
        values = pages._campaign_values(form)
        values.pop("channel", None)
        if view.channel == "whatsapp" and "whatsapp_template" not in values:
            values["whatsapp_template"] = None
        for name in ("subject_nl", "subject_en", "body_nl", "body_en", "tag"):
            values.setdefault(name, None)
        drafts.update_campaign(k, session.actor, campaign_id, values, now)
    except InvalidField as exc:
        return pages._compose(k, request, session, shown, exc, action=action)
    return staff.redirect(f"{PREFIX}/campaigns/{campaign_id}")


@router.post("/campaigns/{campaign_id}/delete")
async def delete(
    campaign_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    await checked_form(request, session)
    drafts.delete_campaign(k, session.actor, campaign_id, now)
    return staff.redirect(f"{PREFIX}/campaigns")
