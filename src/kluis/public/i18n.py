"""The wording of the public pages: the catalogue of the ``public`` gettext domain
(kluis/locale/public), by key, read through `kluis.locale`, which also chooses the language.

Placeholders are ``str.format`` fields; the templates escape the result, so a value put into a
sentence can never become markup.
"""

from __future__ import annotations

from collections.abc import Mapping

from kluis.locale.catalogues import ByLanguage, messages
from kluis.requests.rules import ARTICLES, RequestType

STRINGS = ByLanguage("public")
"""``STRINGS[language][key]``: every message of the public pages."""

CHANNELS = ByLanguage("common", prefix="channel_")
"""``CHANNELS[language][channel]``: a channel's name inside a sentence."""


def strings(language: str) -> Mapping[str, str]:
    return messages("public", language)


def article(kind: str, language: str) -> str:
    """The GDPR article of a request type, said in ``language``: "artikel 15 AVG"."""
    number = ARTICLES[RequestType(kind)].removeprefix("Art. ")
    return strings(language)["article"].format(number=number)


def request_label(kind: str, language: str) -> str:
    """What a request type asks for, as a phrase inside a sentence, with its article:
    "a copy of your data (Article 15 GDPR)"."""
    label = strings(language)[f"request_{kind}"]
    return f"{label[:1].lower()}{label[1:]} ({article(kind, language)})"
