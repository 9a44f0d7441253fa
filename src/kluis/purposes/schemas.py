"""API shapes of purposes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kluis.api import kept
from kluis.purposes.rules import LawfulBasis, RetentionAnchor


class TransferModel(BaseModel):
    country: str = Field(description="Country outside the EEA the data goes to.")
    safeguard: str = Field(description="Adequacy decision, standard contractual clauses, ...")


class PurposeFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_en: str
    name_nl: str
    description_en: str = ""
    description_nl: str = ""
    lawful_basis: LawfulBasis = Field(description="Art. 6(1) basis.")
    legitimate_interest: str | None = Field(
        default=None, description="The interest pursued, required for legitimate_interest."
    )
    legitimate_interest_nl: str | None = Field(
        default=None,
        description="The same interest in Dutch, which the Dutch privacy notice and record of "
        "processing state.",
    )
    data_categories: list[str] = Field(description="fideslang data category keys it may use.")
    data_use: str = Field(description="fideslang data use key.")
    data_subjects: list[str] = Field(default_factory=lambda: ["customer", "prospect"])
    retention: str = Field(description="ISO-8601 duration, e.g. P2Y.", examples=["P2Y"])
    retention_anchor: RetentionAnchor
    recipients: list[str] = Field(default_factory=list)
    transfers: list[TransferModel] = Field(default_factory=list)
    roles: list[str] = Field(
        default_factory=list, description="Staff roles that may work under this purpose."
    )
    covers_everyone: bool = False


class PurposeCreate(PurposeFields):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$", examples=["event_invitations"])


class PurposeUpdate(BaseModel):
    """Fields left out stay as they are; ``null`` clears the legitimate interest and the lists,
    and nothing else (the service refuses it, naming the field), so only they offer it."""

    model_config = ConfigDict(extra="forbid")

    name_en: str | None = kept()
    name_nl: str | None = kept()
    description_en: str | None = kept()
    description_nl: str | None = kept()
    lawful_basis: LawfulBasis | None = kept()
    legitimate_interest: str | None = None
    legitimate_interest_nl: str | None = None
    data_categories: list[str] | None = None
    data_use: str | None = kept()
    data_subjects: list[str] | None = None
    retention: str | None = kept()
    retention_anchor: RetentionAnchor | None = kept()
    recipients: list[str] | None = None
    transfers: list[TransferModel] | None = None
    roles: list[str] | None = None
    covers_everyone: bool | None = kept()


class PurposePublic(PurposeFields):
    model_config = ConfigDict(extra="ignore")

    key: str
