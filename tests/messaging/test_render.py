"""Rendering staff-written text is bounded: a subject or body that would render past its limit
is refused with an error naming the part, before the rest is produced, and no single expression
can build a huge value."""

from __future__ import annotations

import pytest

from kluis.errors import InvalidField
from kluis.messaging import render

CONTEXT = {"given_name": "Fenna", "family_name": "Brouwersma", "organisation": "Kluis"}


def _refused(subject: str, body: str) -> InvalidField:
    with pytest.raises(InvalidField) as caught:
        render.from_strings(subject, body, CONTEXT, None, "en")
    return caught.value


def test_a_body_of_exactly_the_limit_renders() -> None:
    rendered = render.from_strings("Hi", "x" * render.MAX_BODY, CONTEXT, None, "en")
    assert len(rendered.text) == render.MAX_BODY


def test_a_body_past_the_limit_is_refused_naming_the_body() -> None:
    refused = _refused("Hi", "x" * (render.MAX_BODY + 1))
    assert refused.field == "body"
    assert f"{render.MAX_BODY:,}" in refused.detail


def test_a_subject_past_its_limit_is_refused_naming_the_subject() -> None:
    refused = _refused("{% for i in range(2000) %}ab{% endfor %}", "Hello")
    assert refused.field == "subject"
    assert "Fenna" not in refused.detail


@pytest.mark.parametrize(
    "body",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ given_name }}"
        "{% endfor %}{% endfor %}",
        "{{ 'x' * 1000000000 }}",
        "{{ 1000000000 * 'x' }}",
        "{{ [given_name] * 1000000000 }}",
        "{% set a = 'x' * 150000 %}{{ a + a }}",
        "{{ 2 ** 1000000000 }}",
        "{{ (2 ** 5000) * (2 ** 5001) }}",
    ],
)
def test_loops_and_expressions_that_would_grow_huge_are_refused(body: str) -> None:
    assert _refused("Hi", body).field == "body"


@pytest.mark.parametrize(
    "body",
    [
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s }}",
        "{% set items = [] %}{{ items.append(given_name) }}",
    ],
)
def test_nothing_can_grow_across_loop_turns(body: str) -> None:
    refused = _refused("Hi", body)
    assert refused.field == "body"
    assert "does not render" in refused.detail


def test_ordinary_arithmetic_and_repetition_still_work() -> None:
    rendered = render.from_strings(
        "{{ given_name }}",
        "{{ '-' * 3 }} {{ 6 * 7 }} {{ 2 ** 10 }} {{ 'a' + 'b' }}",
        CONTEXT,
        None,
        "en",
    )
    assert (rendered.subject, rendered.text) == ("Fenna", "--- 42 1024 ab")


def test_a_built_in_template_is_bounded_too() -> None:
    with pytest.raises(InvalidField) as caught:
        render.from_template(
            "notice",
            "en",
            {**CONTEXT, "subject": "Hi", "body": "x" * (render.MAX_SUBJECT + render.MAX_BODY)},
            None,
        )
    assert caught.value.field == "params"
