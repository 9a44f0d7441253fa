"""The staff pages' words without the web stack: the Babel catalogue of a language and a message
translated in it. Command-line code that words a place or a refusal the way a page does (e.g.
``requests.old_files``) imports this module, not ``kluis.ui.staff``, so a command does not load
FastAPI and Starlette (issue 15: a command starts in under 0.3 s of CPU).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.support import NullTranslations

from kluis.errors import KluisError
from kluis.locale.catalogues import compiled
from kluis.ui.vocabulary import VOCABULARY, english

LANGUAGES = ("nl", "en")


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    """The Babel catalogue of ``language``, read from its .po file (English is the source)."""
    if language == "en":
        words = Catalog(locale="en")
        for key in VOCABULARY:
            if english(key) != key:
                words.add(key, english(key))
        return compiled(words)
    source = resources.files("kluis.ui") / "translations" / language / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as handle:
        return compiled(read_po(handle, locale=language))


def gettext(language: str, message: str, **values: Any) -> str:
    text = translations(language).gettext(message)
    return text % values if values else text


def error_text(language: str, exc: KluisError) -> str:
    """A service's refusal in the reader's language, its values filled in after translating."""
    return exc.translated(translations(language).gettext)
