"""Loading a domain's gettext catalogue: as Babel translations for ``gettext`` and Jinja2's
i18n extension, and as a read-only mapping of message id to text for code that looks messages
up by key (``t["signup_title"]``, ``{{ t.signup_title }}`` in a template)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from kluis.locale import DEFAULT, LANGUAGES


def _catalog(domain: str, language: str) -> Catalog:
    source = resources.files("kluis.locale") / domain / language / "LC_MESSAGES" / f"{domain}.po"
    with source.open("rb") as handle:
        return read_po(handle, locale=language, domain=domain)


def compiled(catalog: Catalog) -> Translations:
    """A catalogue read from its .po file, compiled in memory (no .mo files to build or ship)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=catalog.domain)


@lru_cache(maxsize=16)
def translations(domain: str, language: str) -> Translations:
    """The compiled catalogue of ``domain`` in ``language``."""
    return compiled(_catalog(domain, language))


@lru_cache(maxsize=16)
def messages(domain: str, language: str) -> Mapping[str, str]:
    """Every message of ``domain`` in ``language`` (unknown languages read as Dutch), by id."""
    found = _catalog(domain, language if language in LANGUAGES else DEFAULT)
    return {str(m.id): str(m.string) for m in found if m.id and m.string}


class ByLanguage(Mapping[str, Mapping[str, str]]):
    """``X[language][key]``: the messages of a domain whose id starts with ``prefix``, the
    prefix taken off; read when first asked for."""

    def __init__(self, domain: str, prefix: str = "") -> None:
        self.domain = domain
        self.prefix = prefix

    def __getitem__(self, language: str) -> Mapping[str, str]:
        if language not in LANGUAGES:
            raise KeyError(language)
        return _prefixed(self.domain, language, self.prefix)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


@lru_cache(maxsize=32)
def _prefixed(domain: str, language: str, prefix: str) -> Mapping[str, str]:
    every = messages(domain, language)
    if not prefix:
        return every
    return {key.removeprefix(prefix): text for key, text in every.items() if key.startswith(prefix)}


def nested(domain: str, language: str) -> dict[str, Any]:
    """The messages of ``domain`` for a template: an id ``group.name`` becomes
    ``T["group"]["name"]``, and a group whose names are 0, 1, 2… a list in that order."""
    found: dict[str, Any] = {}
    groups: dict[str, dict[str, str]] = {}
    for key, text in messages(domain, language).items():
        group, dot, name = key.partition(".")
        if dot:
            groups.setdefault(group, {})[name] = text
        else:
            found[key] = text
    for group, items in groups.items():
        if all(name.isdigit() for name in items):
            found[group] = [items[name] for name in sorted(items, key=int)]
        else:
            found[group] = items
    return found
