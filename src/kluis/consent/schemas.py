"""API shapes of the consent ledger, notices, topics, decisions, audiences and receipts.

Channels, actions, message kinds, methods, statuses, bases and reasons are enums, so the OpenAPI
schema lists every value a client may send or meet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, IPvAnyAddress

from kluis.api import MAX_ID
from kluis.consent.ledger import WITHDRAWAL_METHODS
from kluis.consent.rules import Action, Basis, Channel, Method, Reason, Status
from kluis.contacts.flags import FLAG_METHODS

Language = Literal["nl", "en"]
NO_NUL = r"^[^\x00]*$"
"""Stored text holds no NUL character (PostgreSQL refuses one), so both backends refuse it."""

ConsentMethod = Literal[
    "web_form",
    "double_opt_in",
    "phone_recording",
    "paper_form",
    "email_reply",
    "in_person",
    "unsubscribe_link",
    "preference_centre",
    "phone",
    "email",
    "letter",
    "sms_reply",
    "whatsapp_reply",
]
"""How an event came about: a way of granting (Art. 7(1)) or of withdrawing (Art. 7(3))."""

FlagMethod = Literal["phone", "email", "letter", "in_person", "web_form", "privacy_request"]
"""How an objection or restriction reached the business."""

assert set(get_args(ConsentMethod)) == {m.value for m in Method} | set(WITHDRAWAL_METHODS)
assert get_args(FlagMethod) == FLAG_METHODS


# Consent events ---------------------------------------------------------------------------------


class ConsentCreate(BaseModel):
    """One event for the ledger: a grant, a withdrawal, a re-confirmation or an expiry."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    topic: str = Field(description="A topic key (`GET /api/v1/topics`).", examples=["offers"])
    action: Action
    method: ConsentMethod | None = Field(
        default=None,
        description="How it was given: required for a grant (`web_form`, `double_opt_in`, "
        "`phone_recording`, `paper_form`, `email_reply`, `in_person`); a withdrawal may also "
        "arrive by `unsubscribe_link`, `preference_centre`, `phone`, `email` or `letter`.",
    )
    notice_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="The notice version (exact wording) the person agreed to; required for a "
        "grant.",
    )
    evidence_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Evidence of this person uploaded with `POST .../evidence`.",
    )
    source_ip: IPvAnyAddress | None = Field(
        default=None, description="The web form's source IP address; personal data, sealed."
    )
    user_agent: str | None = Field(
        default=None,
        max_length=1000,
        pattern=NO_NUL,
        description="The web form's browser user agent; personal data, sealed.",
    )
    captured_by_person: bool = Field(
        default=False,
        description="True when the person acted themselves (a web form, an unsubscribe link); "
        "otherwise the staff user sending this request is recorded.",
    )
    pre_ticked: bool = Field(
        default=False, description="The box was ticked in advance: refused (Recital 32)."
    )
    implied: bool = Field(
        default=False, description="Inferred from silence or inactivity: refused (Recital 32)."
    )
    imported_without_proof: bool = Field(
        default=False, description="Imported with no record of how it was given: refused."
    )


class DecisionPublic(BaseModel):
    """What ``may_contact`` answers, and why, in English and Dutch."""

    allowed: bool
    basis: Basis
    reason: Reason = Field(description="A stable code for the outcome.")
    reason_en: str
    reason_nl: str
    evidence_event_id: int | None = Field(
        description="The consent event the decision rests on (a grant) or refuses on (a "
        "withdrawal), when there is one."
    )
    purpose: str | None = Field(
        default=None,
        description="The purpose that grounds the decision, which the person must have been "
        "collected for and the address is read under (the service purpose, the marketing "
        "purpose of a consent or the soft opt-in purpose); for `not_collected`, the purpose "
        "the person lacks. Not kept with stored messages.",
    )


class ConsentRecorded(BaseModel):
    id: int = Field(description="The new event's id (cite it to get its receipt).")
    decision: DecisionPublic = Field(
        description="What a commercial message on this channel and topic gets now."
    )


class LedgerEvent(BaseModel):
    id: int
    channel: Channel
    topic: str
    action: Action
    method: str | None
    notice_id: int | None
    evidence_id: int | None
    captured_by: str = Field(description="`person`, `system` or a staff user (`user:12`).")
    captured_at: datetime
    reconfirm_by: datetime | None
    source_ip: str | None = Field(description="Shown to admins and privacy officers only.")
    user_agent: str | None = Field(description="Shown to admins and privacy officers only.")


class FlagEntryPublic(BaseModel):
    """An objection (Art. 21(3)) or restriction (Art. 18) recorded or lifted."""

    flag: Literal["objection", "restriction"]
    active: bool
    method: str
    captured_by: str
    captured_at: datetime


class EvidenceInfo(BaseModel):
    id: int
    content_type: str
    size: int
    captured_by: str
    created_at: datetime
    cited_by: list[int] = Field(description="The events that cite this evidence.")


class LedgerPublic(BaseModel):
    person_id: str
    events: list[LedgerEvent]
    flags: list[FlagEntryPublic]
    evidence: list[EvidenceInfo]


class PermissionPublic(BaseModel):
    channel: Channel
    topic: str
    status: Status | None = Field(description="The kept state; null when nothing was recorded.")
    since: datetime | None
    reconfirm_by: datetime | None
    decision: DecisionPublic = Field(description="What a commercial message gets now.")


class EvidenceCreated(BaseModel):
    id: int = Field(description="Cite it as `evidence_id` when recording the consent.")


# Objection and restriction ----------------------------------------------------------------------


class FlagChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool = Field(
        default=True, description="False lifts it (admin or privacy officer only)."
    )
    method: FlagMethod = Field(description="How the request reached you.")


# Notices and topics -----------------------------------------------------------------------------


class NoticeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Language
    text: str = Field(
        min_length=10,
        max_length=20_000,
        pattern=NO_NUL,
        description="The exact wording the person sees when consent is asked.",
    )
    channels: list[Channel] = Field(
        min_length=1,
        max_length=len(Channel),
        description="The channels the wording asks consent for.",
        examples=[["email"]],
    )
    topics: list[str] = Field(
        min_length=1,
        max_length=100,
        description="The topic keys the wording asks consent for (`GET /api/v1/topics`). The "
        "notice covers every channel named with every topic named; a grant citing it for "
        "another channel or topic is refused (GDPR Art. 4(11), 7(1)).",
        examples=[["newsletter"]],
    )


class NoticeCover(BaseModel):
    channel: Channel
    topic: str


class NoticePublic(BaseModel):
    id: int = Field(description="The version; grants cite it as `notice_id`.")
    language: Language
    text: str
    content_hash: str = Field(description="SHA-256 of the language and the wording.")
    created_at: datetime
    covers: list[NoticeCover] = Field(
        description="The channel and topic pairs the wording asks consent for: the only ones a "
        "grant may cite it for."
    )


TOPIC_KEY = r"^[a-z][a-z0-9_]{1,39}$"


class TopicCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=TOPIC_KEY, examples=["events"])
    name_en: str = Field(min_length=1, max_length=120, pattern=NO_NUL)
    name_nl: str = Field(min_length=1, max_length=120, pattern=NO_NUL)
    reconfirm_months: int = Field(
        default=24, ge=1, le=120, description="Months a consent lasts before re-confirmation."
    )


class TopicUpdate(BaseModel):
    """Only the fields sent are changed; none may be null."""

    model_config = ConfigDict(extra="forbid")

    # An omitted field is left as it is; ``None`` is only the "not sent" default, never a value
    # a client may send (the schema says so), hence the ignores.
    name_en: str = Field(  # type: ignore[assignment]
        default=None, min_length=1, max_length=120, pattern=NO_NUL
    )
    name_nl: str = Field(  # type: ignore[assignment]
        default=None, min_length=1, max_length=120, pattern=NO_NUL
    )
    reconfirm_months: int = Field(default=None, ge=1, le=120)  # type: ignore[assignment]


# Audiences --------------------------------------------------------------------------------------


class AudiencePublic(BaseModel):
    channel: Channel
    topic: str
    allowed: int = Field(description="People a commercial message may go to now.")
    refused: dict[str, int] = Field(
        description="People it may not go to, by reason code (`objected`, `withdrawn`, ...)."
    )


# Kantara Consent Receipt v1.1 -------------------------------------------------------------------


class _Receipt(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class ReceiptController(_Receipt):
    pii_controller: str = Field(alias="piiController")
    contact: str
    address: str
    email: str
    phone: str
    pii_controller_url: str = Field(alias="piiControllerUrl")


class ReceiptPurpose(_Receipt):
    purpose: str
    purpose_category: list[str] = Field(alias="purposeCategory")
    consent_type: str = Field(alias="consentType")
    pii_category: list[str] = Field(alias="piiCategory")
    primary_purpose: bool = Field(alias="primaryPurpose")
    termination: str
    third_party_disclosure: bool = Field(alias="thirdPartyDisclosure")
    third_party_name: str = Field(alias="thirdPartyName")


class ReceiptService(_Receipt):
    service: str
    purposes: list[ReceiptPurpose]


class ReceiptKluis(_Receipt):
    """Kluis' own extension: the ledger event the receipt proves."""

    event_id: int = Field(alias="eventId")
    action: Action
    channel: Channel
    topic: str
    topic_name: list[str] | None = Field(alias="topicName", description="English and Dutch.")
    notice_id: int | None = Field(alias="noticeId")
    notice_text: str | None = Field(alias="noticeText")
    notice_hash: str | None = Field(alias="noticeHash")
    evidence_id: int | None = Field(alias="evidenceId")
    captured_by: str = Field(alias="capturedBy")
    reconfirm_by: str | None = Field(alias="reconfirmBy")


class ConsentReceipt(_Receipt):
    """A consent receipt following the Kantara Initiative Consent Receipt Specification v1.1;
    it names the person by opaque id only."""

    version: str = Field(examples=["KI-CR-v1.1.0"])
    jurisdiction: str
    consent_timestamp: int = Field(alias="consentTimestamp", description="Unix seconds.")
    collection_method: str = Field(alias="collectionMethod")
    consent_receipt_id: str = Field(alias="consentReceiptID")
    language: str
    pii_principal_id: str = Field(alias="piiPrincipalId")
    pii_controllers: list[ReceiptController] = Field(alias="piiControllers")
    policy_url: str = Field(alias="policyUrl")
    services: list[ReceiptService]
    sensitive: bool
    spi_cat: list[str] = Field(alias="spiCat")
    kluis: ReceiptKluis
