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
    Template,
    TemplateError,
    TemplateNotFound,
    select_autoescape,
)
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import pass_context

from kluis.contacts.fields import BY_NAME
from kluis.errors import InvalidField
from kluis.locale import DEFAULT
from kluis.locale.catalogues import messages
from kluis.locale.formats import say_date, say_duration, say_moment

MAX_SUBJECT = 1_000
"""Characters a rendered subject may have: a subject is one header line (RFC 5322 caps a line at
998 characters before folding); a longer one is a mistake or an attack."""

MAX_BODY = 200_000
"""Characters a rendered body may have: twice the 100,000 a body may be typed with, so that
names filled in never push a real text over, while a loop cannot make a message of gigabytes
(mail clients clip at about 100 kB anyway)."""

MAX_INT_BITS = 10_000
"""How large a number an expression in staff-written text may compute (about 3,000 digits)."""


class TooLarge(Exception):
    """A template produced, or was about to produce, more than it may."""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("kluis.messaging", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(date=_date, moment=_moment, duration=_duration, field=_field)
    env.filters["category"] = _category
    return env


def _language(context: Context) -> str:
    return str(context.get("language") or DEFAULT)


@pass_context
def _date(context: Context, value: Any) -> str:
    """``{{ deadline | date }}``: "14 april 2026" in the mail's language."""
    return say_date(value, _language(context))


@pass_context
def _moment(context: Context, value: Any) -> str:
    """``{{ erased_at | moment }}``: "14 maart 2026, 10:30" in the organisation's time zone."""
    return say_moment(value, _language(context))


@pass_context
def _duration(context: Context, value: str) -> str:
    return say_duration(value, _language(context))


@pass_context
def _field(context: Context, name: str) -> str:
    """A personal field's name as the reader calls it: ``given_name`` is "Voornaam"; a custom
    field (``custom.KEY``) by the label the mail's ``field_labels`` gives it ({name: [nl, en]}),
    since its declaration is not the renderer's to read."""
    dutch = _language(context) == "nl"
    found = BY_NAME.get(name)
    if found is not None:
        return found.label_nl if dutch else found.label_en
    labels = context.get("field_labels") or {}
    if name in labels:
        return str(labels[name][0 if dutch else 1])
    return name


@pass_context
def _category(context: Context, code: str) -> str:
    """A fideslang data category in words: ``user.contact.email`` is "e-mailadres"."""
    return messages("common", _language(context)).get(f"category_{code}", code)


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox whose ``*``, ``**`` and ``+`` refuse results that are too
    large to build: a single expression such as ``"x" * 10**9`` would fill the memory before
    any output is counted. Immutable, and without ``namespace``, a template has nothing to grow
    across loop turns; what loops print is counted by `_bounded`."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and max(left.bit_length(), 1) * right > MAX_INT_BITS:
                raise TooLarge
        elif operator == "*":
            if isinstance(left, int) and isinstance(right, int):
                if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                    raise TooLarge
            elif _size(left) * _count(right) > MAX_BODY or _size(right) * _count(left) > MAX_BODY:
                raise TooLarge
        elif operator == "+" and _size(left) + _size(right) > MAX_BODY:
            raise TooLarge
        return super().call_binop(context, operator, left, right)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@lru_cache(maxsize=1)
def sandbox() -> ImmutableSandboxedEnvironment:
    """For text staff write (a campaign, a one-off message): it may use the person's names and
    the parameters given, never reach Python objects behind them (server-side template
    injection), and never render more than `MAX_SUBJECT` or `MAX_BODY` characters."""
    env = _BoundedSandbox(
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    del env.globals["namespace"]
    return env


def _bounded(template: Template, context: dict[str, Any], limit: int) -> str:
    """The template's output, streamed and refused (`TooLarge`) once it passes ``limit``
    characters, before the rest is produced."""
    parts: list[str] = []
    size = 0
    for chunk in template.generate(context):
        size += len(chunk)
        if size > limit:
            raise TooLarge
        parts.append(chunk)
    return "".join(parts)


def bounded(template: Template, context: dict[str, Any], limit: int) -> str:
    """``_bounded`` for other kinds of message (a text message, ``messaging.texts``)."""
    return _bounded(template, context, limit)


def _too_large(what: str, field: str, limit: int) -> InvalidField:
    return InvalidField(
        f"the {what} renders to more than {limit:,} characters; shorten the text or its loops",
        field=field,
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


@dataclass(frozen=True)
class Written:
    """A subject and body written by staff, compiled once (in the sandbox) and rendered for
    each recipient: compiling is most of the cost of rendering a short text, and a campaign
    renders the same text for every person in its audience."""

    subject: Template
    body: Template
    language: str


def compile_strings(subject: str, body: str, language: str) -> Written:
    """Compile staff-written text for ``render_written``; InvalidField for a syntax error."""
    env = sandbox()
    try:
        return Written(env.from_string(subject), env.from_string(body), language)
    except Exception as exc:
        raise InvalidField(f"the message does not render: {exc}", field="body") from None


def render_written(written: Written, context: dict[str, Any], footer: Footer | None) -> Rendered:
    """Render compiled staff-written text with the same limits as ``from_strings``."""
    outputs: list[str] = []
    for part, template, limit in (
        ("subject", written.subject, MAX_SUBJECT),
        ("body", written.body, MAX_BODY),
    ):
        try:
            outputs.append(html.unescape(_bounded(template, context, limit)).strip())
        except TooLarge:
            raise _too_large(part, part, limit) from None
        except Exception as exc:
            raise InvalidField(f"the message does not render: {exc}", field="body") from None
    subject_out, body_out = outputs
    return _assemble(subject_out, body_out, footer, written.language)


def from_strings(
    subject: str, body: str, context: dict[str, Any], footer: Footer | None, language: str
) -> Rendered:
    """Render a subject and body written by staff (Jinja2 syntax, autoescaped, sandboxed)."""
    return render_written(compile_strings(subject, body, language), context, footer)


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
        text = html.unescape(
            _bounded(template, {"language": language, **context}, MAX_SUBJECT + MAX_BODY)
        )
    except TooLarge:
        raise _too_large("message", "params", MAX_SUBJECT + MAX_BODY) from None
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
    page = _layout().render(
        subject=subject, paragraphs=paragraphs, footer=footer, language=language
    )
    return Rendered(subject=subject, text=text, html=page)


@lru_cache(maxsize=1)
def _layout() -> Template:
    return environment().get_template("email/layout.html")


def template_names() -> list[str]:
    names = {
        n.split("/", 1)[1].split(".", 1)[0]
        for n in environment().list_templates(filter_func=lambda n: n.endswith(".txt"))
    }
    return sorted(names)
