"""The wording of the record of processing and the privacy notice: the catalogue of the
``documents`` gettext domain (kluis/locale/documents), by key, self-contained so the documents
do not change when the web app's wording does. Placeholders are ``str.format`` fields; HTML
output is autoescaped, so a value put into a sentence can never become markup.
"""

from __future__ import annotations

from collections.abc import Mapping

from kluis.errors import InvalidField
from kluis.locale import LANGUAGES
from kluis.locale.catalogues import ByLanguage, messages
from kluis.locale.formats import say_duration

STRINGS = ByLanguage("documents")
"""``STRINGS[language][key]``: every message of the documents."""

SUBJECTS = ByLanguage("common", prefix="subject_")
"""Dutch names of the fideslang data subjects Kluis uses; English uses fideslang's own."""


def strings(language: str) -> Mapping[str, str]:
    return messages("documents", language)


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidField(f"lang must be one of {', '.join(LANGUAGES)}", field="lang")
    return language


def keep_for(iso: str, anchor: str, language: str) -> str:
    """A retention rule in the third person: "2 years after the last interaction"."""
    return strings(language)[f"keep_{anchor}"].format(period=say_duration(iso, language))
