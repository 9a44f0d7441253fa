"""The coverage rules of notices (kluis.consent.rules): a notice covers exactly the channel and
topic pairs its wording asks for, in its one language (Art. 4(11), 7(1)-(2)). Every channel,
topic and language is tried against every scope shape."""

from __future__ import annotations

import itertools

import pytest

from kluis.consent.grant_rules import (
    ConsentRefused,
    NoticeScope,
    check_covers,
    check_notice,
    covers,
    every,
    notice_for,
)
from kluis.consent.rules import Channel

TOPICS = ("product_info", "offers", "promotions", "newsletter")
LANGUAGES = ("nl", "en")
PAIRS = [(c.value, t) for c in Channel for t in TOPICS]
NEWSLETTER_BY_EMAIL = NoticeScope(3, "en", frozenset({("email", "newsletter")}))


@pytest.mark.parametrize("size", [0, 1, 2, 5])
def test_covers_exactly_its_pairs_in_its_language(size: int) -> None:
    for start in range(0, len(PAIRS), 3):
        chosen = frozenset(PAIRS[start : start + size])
        scope = NoticeScope(7, "nl", chosen)
        for (channel, topic), language in itertools.product(PAIRS, (*LANGUAGES, None)):
            expected = (channel, topic) in chosen and language in ("nl", None)
            assert covers(scope, channel, topic, language) is expected
            if expected:
                check_notice(scope, channel, topic, language)
            else:
                with pytest.raises(ConsentRefused) as refused:
                    check_notice(scope, channel, topic, language)
                assert refused.value.field == "notice"
                assert "notice 7" in str(refused.value)


def test_the_refusal_names_the_pair_the_version_and_what_it_does_cover() -> None:
    """The issue's case: WhatsApp promotions citing a wording about an e-mail newsletter."""
    with pytest.raises(ConsentRefused) as refused:
        check_notice(NEWSLETTER_BY_EMAIL, "whatsapp", "promotions")
    message = str(refused.value)
    assert "notice 3 does not cover whatsapp/promotions" in message
    assert "email/newsletter" in message
    assert "kluis notices add --channel whatsapp --topic promotions" in message


def test_a_notice_in_another_language_is_refused_with_both_languages() -> None:
    with pytest.raises(ConsentRefused, match="notice 3 is in 'en', not 'nl'"):
        check_notice(NEWSLETTER_BY_EMAIL, "email", "newsletter", "nl")


def test_a_notice_covering_nothing_says_so() -> None:
    with pytest.raises(ConsentRefused, match="asks for nothing"):
        check_notice(NoticeScope(4, "nl", frozenset()), "email", "offers")


def test_the_box_shows_the_newest_covering_notice_in_the_page_language() -> None:
    scopes = [
        NoticeScope(1, "nl", every(["email"], ["offers", "newsletter"])),
        NoticeScope(2, "en", every(["email"], ["offers"])),
        NoticeScope(3, "nl", every(["email"], ["offers"])),
        NoticeScope(4, "nl", every(["sms"], ["promotions"])),
    ]
    for (channel, topic), language in itertools.product(PAIRS, LANGUAGES):
        found = notice_for(scopes, channel, topic, language)
        expected = {
            ("email", "offers", "nl"): 3,
            ("email", "newsletter", "nl"): 1,
            ("email", "offers", "en"): 2,
            ("sms", "promotions", "nl"): 4,
        }.get((channel, topic, language))
        assert (None if found is None else found.id) == expected
    assert notice_for([], "email", "offers", "nl") is None


def test_every_is_the_product_of_channels_and_topics() -> None:
    assert every(["email", "sms"], ["offers", "newsletter"]) == {
        ("email", "offers"),
        ("email", "newsletter"),
        ("sms", "offers"),
        ("sms", "newsletter"),
    }
    assert every([], ["offers"]) == frozenset()
    assert every(["email"], []) == frozenset()


def test_check_covers_accepts_known_channels_and_topics() -> None:
    pairs = every([c.value for c in Channel], TOPICS)
    assert check_covers(pairs, TOPICS) == pairs
    assert check_covers([("email", "offers")], TOPICS) == {("email", "offers")}


@pytest.mark.parametrize(
    ("pairs", "field", "says"),
    [
        ([], "channels", "name the channels and topics"),
        ([("fax", "offers")], "channels", "'fax' is not one of"),
        ([("email", "events")], "topics", "there is no topic 'events'"),
        ([("email", "offers"), ("pigeon", "offers")], "channels", "'pigeon'"),
    ],
)
def test_check_covers_refuses_what_is_not_a_channel_or_topic(
    pairs: list[tuple[str, str]], field: str, says: str
) -> None:
    with pytest.raises(ValueError, match=f"^{field}: ") as refused:
        check_covers(pairs, TOPICS)
    assert str(refused.value).startswith(f"{field}: ")
    assert says in str(refused.value)
