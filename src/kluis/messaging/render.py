"""Rendering e-mail from Jinja2 templates, autoescaped like every template in Kluis.

A message is a subject and a body text per language (a built-in transactional template, or a
campaign a marketer wrote); the HTML part is the body's paragraphs in a small layout, so a
person's name in the body can never inject markup (STYLE.md habit 7). The plain-text part is
rendered with the same autoescaping environment and unescaped once, since no mail client reads
text/plain as HTML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import (
    Environment,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment

from kluis.errors import InvalidField


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("kluis.messaging", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def sandbox() -> SandboxedEnvironment:
    """For text staff write (a campaign, a one-off message): it may use the person's names and
    the parameters given, never reach Python objects behind them (server-side template
    injection)."""
    return SandboxedEnvironment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class Footer:
    text: str
    unsubscribe_label: str
    unsubscribe_url: str
    preferences_label: str
    preferences_url: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def from_strings(
    subject: str, body: str, context: dict[str, Any], footer: Footer | None, language: str
) -> Rendered:
    """Render a subject and body written by staff (Jinja2 syntax, autoescaped, sandboxed)."""
    env = sandbox()
    try:
        subject_out = html.unescape(env.from_string(subject).render(context)).strip()
        body_out = html.unescape(env.from_string(body).render(context)).strip()
    except Exception as exc:
        raise InvalidField(f"the message does not render: {exc}", field="body") from None
    return _assemble(subject_out, body_out, footer, language)


def from_template(
    name: str, language: str, context: dict[str, Any], footer: Footer | None
) -> Rendered:
    """Render the built-in template ``email/NAME.LANG.txt`` (first line ``Subject: …``)."""
    env = environment()
    if name not in template_names():
        raise InvalidField(
            f"there is no message template {name!r}; there are {', '.join(template_names())}",
            field="template",
        )
    try:
        template = env.get_template(f"email/{name}.{language}.txt")
    except TemplateNotFound:
        raise InvalidField(f"there is no message template {name!r}", field="template") from None
    try:
        text = html.unescape(template.render(context))
    except TemplateError as exc:
        raise InvalidField(
            f"template {name!r} does not render with these parameters: {exc}", field="params"
        ) from None
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise InvalidField(
            f"template {name!r} does not start with a Subject line", field="template"
        )
    return _assemble(first.removeprefix("Subject:").strip(), rest.strip(), footer, language)


def _assemble(subject: str, body: str, footer: Footer | None, language: str) -> Rendered:
    subject = " ".join(subject.split())  # one header line: the mail library refuses breaks
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    text = body
    if footer is not None:
        text += (
            f"\n\n-- \n{footer.text}\n{footer.unsubscribe_label}: {footer.unsubscribe_url}\n"
            f"{footer.preferences_label}: {footer.preferences_url}\n"
        )
    page = (
        environment()
        .get_template("email/layout.html")
        .render(subject=subject, paragraphs=paragraphs, footer=footer, language=language)
    )
    return Rendered(subject=subject, text=text, html=page)


def template_names() -> list[str]:
    names = {
        n.split("/", 1)[1].split(".", 1)[0]
        for n in environment().list_templates(filter_func=lambda n: n.endswith(".txt"))
    }
    return sorted(names)
