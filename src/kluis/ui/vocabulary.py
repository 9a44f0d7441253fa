"""Words the staff pages show from data (relationships, actions, channels, bases, statuses),
listed so the translation extractor finds them; the pages translate them with ``_(value)``."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


VOCABULARY = (
    # relationships
    N_("customer"),
    N_("prospect"),
    N_("other"),
    # consent actions, flags and methods
    N_("granted"),
    N_("withdrawn"),
    N_("reconfirmed"),
    N_("expired"),
    N_("objection"),
    N_("restriction"),
    N_("web_form"),
    N_("double_opt_in"),
    N_("phone_recording"),
    N_("paper_form"),
    N_("email_reply"),
    N_("in_person"),
    N_("unsubscribe_link"),
    N_("preference_centre"),
    N_("email_link"),
    N_("sms_reply"),
    N_("whatsapp_reply"),
    # channels
    N_("email"),
    N_("phone"),
    N_("sms"),
    N_("whatsapp"),
    N_("post"),
    # lawful bases and retention anchors
    N_("consent"),
    N_("contract"),
    N_("legal_obligation"),
    N_("vital_interest"),
    N_("public_task"),
    N_("legitimate_interest"),
    N_("collection"),
    N_("last_interaction"),
    N_("end_of_contract"),
    N_("withdrawal"),
    # messages
    N_("commercial"),
    N_("transactional"),
    N_("sent"),
    N_("refused"),
    N_("failed"),
    N_("sending"),
    N_("queued"),
    N_("soft_opt_in"),
    N_("none"),
    N_("no_consent"),
    N_("not_collected"),
    N_("no_address"),
    N_("objected"),
    N_("restricted"),
    N_("erased"),
    N_("privacy_request"),
    # privacy requests
    # the mails a privacy request sends (``requests.mails``), by template name
    N_("request_access"),
    N_("request_portability"),
    N_("request_done"),
    N_("request_extended"),
    N_("request_refused"),
    N_("restriction_lifted"),
    N_("erasure_certificate"),
    N_("access"),
    N_("portability"),
    N_("rectification"),
    N_("erasure"),
    N_("received"),
    N_("verified"),
    N_("in_progress"),
    N_("completed"),
    N_("staff"),
    N_("portal"),
    N_("known_address"),
    N_("id_document"),
    N_("account"),
    # campaigns (statuses not above)
    N_("draft"),
    N_("interrupted"),
    # compliance findings
    N_("high"),
    N_("medium"),
    N_("low"),
    # staff roles
    N_("admin"),
    N_("privacy_officer"),
    N_("sales"),
    N_("marketing"),
    N_("service"),
)

ENGLISH_EXCEPTIONS = {
    "email": "e-mail",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "soft_opt_in": "soft opt-in",
    "double_opt_in": "double opt-in",
    "email_link": "link in an e-mail",
    "email_reply": "reply by e-mail",
    "sms_reply": "reply by SMS",
    "whatsapp_reply": "reply by WhatsApp",
    "id_document": "identity document",
    "privacy_officer": "privacy officer",
    "no_consent": "no consent",
    "not_collected": "not collected for the purpose",
    "preference_centre": "preference centre",
    "request_access": "copy of their data",
    "request_portability": "their data as a file",
    "request_done": "request carried out",
    "request_extended": "deadline extended",
    "request_refused": "request refused",
    "erasure_certificate": "erasure certificate",
}


def english(key: str) -> str:
    """The English words for a value from data (``web_form`` -> ``web form``): English is the
    source language, so the keys themselves would otherwise show."""
    return ENGLISH_EXCEPTIONS.get(key, key.replace("_", " "))
