"""API shapes of messages and campaigns.

A message is never more than a decision and what became of it: the rows hold no personal data
(the address is read when sending and not kept), so these shapes carry none either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from kluis.consent.rules import MessageKind
from kluis.consent.schemas import DecisionPublic

TopicKey = Annotated[
    str,
    Field(max_length=40, description="A topic key (`GET /api/v1/topics`).", examples=["offers"]),
]


class PerLanguage(BaseModel):
    """One text in Dutch and/or English; the person's language is used when it is given."""

    model_config = ConfigDict(extra="forbid")

    nl: str | None = Field(default=None, max_length=100_000)
    en: str | None = Field(default=None, max_length=100_000)

    def texts(self) -> dict[str, str]:
        return {lang: text for lang, text in (("nl", self.nl), ("en", self.en)) if text}


# Messages ---------------------------------------------------------------------------------------


class MessageCreate(BaseModel):
    """One e-mail to one person: a built-in template with parameters, or a subject and body per
    language (Jinja2: `{{ given_name }}`, `{{ family_name }}`, `{{ organisation }}`)."""

    model_config = ConfigDict(extra="forbid")

    person_id: str = Field(description="The person's id.")
    kind: MessageKind = Field(
        description="`transactional` (service mail: needs no consent, but is refused while the "
        "person's data is restricted) or `commercial` (needs consent or the customer exception)."
    )
    topic: TopicKey
    template: str | None = Field(
        default=None,
        max_length=80,
        description="A built-in template (`notice`); give `params`, not `subject` and `body`.",
        examples=["notice"],
    )
    params: dict[str, str | int | float | bool] | None = Field(
        default=None,
        description="Values the template uses; `notice` needs `subject` and `body`.",
        examples=[{"subject": "Opening hours", "body": "We are closed on Monday."}],
    )
    subject: PerLanguage | None = None
    body: PerLanguage | None = None


class MessagePublic(BaseModel):
    """A message sent, refused or failed, with the decision behind it."""

    id: int
    person_id: str
    kind: MessageKind
    channel: str
    topic: str
    status: Literal["sent", "refused", "failed"] = Field(
        description="`refused`: the decision did not allow it; `failed`: the mail server did "
        "not take it (`error` says why)."
    )
    decision: DecisionPublic
    error: str | None = None


class MessageRecord(BaseModel):
    """A message in a person's history: what was sent (or not) and why."""

    id: int
    campaign_id: int | None
    kind: MessageKind
    channel: str
    topic: str
    template: str = Field(description="The template, `custom`, or `campaign:ID`.")
    language: str = Field(description="`nl` or `en`; `-` when nothing was composed.")
    status: str = Field(
        description="`sent`, `refused`, `failed`; for a campaign also `queued`, `sending` or "
        "`interrupted` (the sender stopped mid-send; it is never sent again)."
    )
    decision: DecisionPublic
    error: str | None
    created_by: str
    created_at: datetime
    sent_at: datetime | None


# Campaigns --------------------------------------------------------------------------------------


class WhatsAppTemplate(BaseModel):
    """A pre-approved WhatsApp template (docs/channels.md)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["spring_offer"])
    content: dict[Literal["nl", "en"], str] = Field(
        description="The provider's id of each language's approved version (Twilio: `HX...`).",
        examples=[{"nl": "HX0123", "en": "HX4567"}],
    )
    params: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="The values of the template's placeholders `{{1}}`, `{{2}}`, ... in order "
        "(Jinja2: `{{ given_name }}`).",
    )


class CampaignCreate(BaseModel):
    """A draft commercial message to everyone who may receive it on the channel and topic."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Spring offers"])
    channel: Literal["email", "sms", "whatsapp", "phone", "post"] = Field(
        default="email",
        description="`email`, `sms`, `whatsapp`, `phone` (a call list) or `post` (letters).",
    )
    topic: TopicKey
    subject: PerLanguage = Field(
        default_factory=PerLanguage, description="The subject in nl and/or en (e-mail only)."
    )
    body: PerLanguage = Field(
        description="The body in the same languages (Jinja2: `{{ given_name }}`); paragraphs "
        "are separated by an empty line. The unsubscribe footer (e-mail) or opt-out line (SMS) "
        "is added. For WhatsApp: the template's approved wording, for the preview."
    )
    whatsapp_template: WhatsAppTemplate | None = Field(
        default=None, description="The approved template a WhatsApp campaign is sent as."
    )
    rate_per_minute: int = Field(
        default=600, ge=1, le=100_000, description="At most this many messages a minute."
    )
    tag: str | None = Field(
        default=None,
        max_length=40,
        description="Only people carrying this tag (its key); a tag only narrows the audience.",
    )


class CampaignUpdate(BaseModel):
    """Changes to a draft campaign; what is not given stays."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    topic: TopicKey | None = None
    subject: PerLanguage | None = None
    body: PerLanguage | None = None
    whatsapp_template: WhatsAppTemplate | None = None
    rate_per_minute: int | None = Field(default=None, ge=1, le=100_000)
    tag: str | None = Field(
        default=None, max_length=40, description='A tag\'s key; `null` or `""` for none.'
    )


class CampaignResults(BaseModel):
    """A campaign's results on its channel; counts only, nothing tracked (docs/channels.md)."""

    campaign_id: int
    channel: str
    topic: str
    status: str
    sent: int
    delivered: int = Field(description="Texts the provider reported delivered.")
    failed: int
    refused: dict[str, int] = Field(description="People refused, by reason code.")
    opted_out_after: int = Field(
        description="People sent to who withdrew this channel and topic afterwards."
    )


class CampaignCounts(BaseModel):
    """The campaign's messages by status."""

    queued: int = 0
    sending: int = 0
    sent: int = 0
    refused: int = Field(
        default=0,
        description="Queued, then refused when their turn came (they unsubscribed or objected "
        "in between). Those left out when the audience was drawn are in `refused`.",
    )
    failed: int = 0
    interrupted: int = Field(
        default=0, description="Being sent when the sender stopped; never sent again."
    )


class CampaignPublic(BaseModel):
    id: int
    name: str
    channel: str
    topic: str
    status: Literal["draft", "sending", "sent"]
    subject: PerLanguage
    body: PerLanguage
    rate_per_minute: int
    whatsapp_template: WhatsAppTemplate | None = None
    counts: CampaignCounts
    refused: dict[str, int] = Field(
        description="People left out when the audience was drawn, by reason code (`objected`, "
        "`withdrawn`, `no_consent`, ...); they get no message."
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    tag: str | None = Field(default=None, description="The tag narrowing the audience, if any.")


class CampaignPreview(BaseModel):
    campaign_id: int
    channel: str
    topic: str
    audience: int = Field(description="People the campaign may reach now.")
    refused: dict[str, int] = Field(
        description="People it may not reach now, by reason code (`objected`, `withdrawn`, ...)."
    )


class CampaignPersonPreview(BaseModel):
    """A campaign rendered for one person; nothing is sent."""

    campaign_id: int
    person_id: str
    channel: str
    language: str
    subject: str | None = Field(description="E-mail only.")
    text: str = Field(description="The text as they would get it (SMS: opt-out line included).")
    encoding: str | None = Field(description="SMS: `gsm7` or `ucs2`.")
    segments: int | None = Field(description="SMS: how many messages it is sent as.")
    html: str | None = Field(
        default=None, description="E-mail: the HTML part (the footer's links lead nowhere)."
    )
    params: list[str] = Field(
        default=[], description="WhatsApp: the template's values, `{{1}}` first."
    )
    template_text: str | None = Field(
        default=None, description="WhatsApp: the approved wording with the values filled in."
    )


class CampaignTestSent(BaseModel):
    """A test send to oneself; nothing was stored as a message."""

    campaign_id: int
    channel: str
    person_id: str | None = Field(description="The person it was rendered for; null: samples.")
    language: str
    to: str = Field(description="Your own address or number it went to.")
