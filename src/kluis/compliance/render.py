"""The Jinja2 environment of the compliance documents: autoescaped, strict, and able to extend the
public pages' ``base.html`` for the privacy-notice page."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("kluis.compliance", "templates"),
                PackageLoader("kluis.public", "templates"),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
