"""Messages built from a skeleton read back, through the mail library's parser, as the same
message the library builds itself: headers, both bodies, the unsubscribe links."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from kluis.messaging import outgoing
from kluis.messaging.render import Rendered

UNSUBSCRIBE = "https://crm.example.com/unsubscribe/" + "x" * 120
MAILTO = "mailto:unsubscribe@example.com?subject=unsubscribe"
SKELETON = outgoing.skeleton(
    "Kluis <news@example.com>", "news@example.com", "<offers.crm.example.com>", "nl"
)


def parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    page = message.get_body(("html",))
    assert isinstance(text, EmailMessage)
    assert isinstance(page, EmailMessage)
    return (
        str(text.get_content()).replace("\r\n", "\n"),
        str(page.get_content()).replace("\r\n", "\n"),
    )


def check(rendered: Rendered) -> EmailMessage:
    built = outgoing.build(
        SKELETON,
        "fenna@example.com",
        rendered,
        "Mon, 05 Jan 2026 12:00:00 +0000",
        "<1@crm.example.com>",
        [UNSUBSCRIBE, MAILTO],
    )
    assert built is not None
    assert built.sender == "news@example.com"
    assert built.recipients == ("fenna@example.com",)
    assert all(len(line) <= 998 for line in built.data.split(b"\r\n"))
    assert b"\n" not in built.data.replace(b"\r\n", b"")
    ours = parse(built.data)
    library = parse(
        outgoing.email_message(
            "Kluis <news@example.com>",
            "fenna@example.com",
            rendered,
            "Mon, 05 Jan 2026 12:00:00 +0000",
            "<1@crm.example.com>",
            {
                "List-Unsubscribe": f"<{UNSUBSCRIBE}>, <{MAILTO}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": "<offers.crm.example.com>",
            },
            "nl",
        ).as_bytes()
    )
    for name in (
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "List-Unsubscribe-Post",
        "List-Id",
        "MIME-Version",
        "Content-Language",
    ):
        assert str(ours[name]) == str(library[name]), name
    links = [part.strip().strip("<>") for part in str(ours["List-Unsubscribe"]).split(",")]
    assert links == [UNSUBSCRIBE, MAILTO]
    assert ours.get_content_type() == library.get_content_type() == "multipart/alternative"
    assert bodies(ours) == bodies(library)
    return ours


def test_an_ascii_message_reads_back_as_the_library_builds_it() -> None:
    ours = check(Rendered("Spring offer", "Hello Fenna,\n\nAll cheese half price.", "<p>Hi</p>"))
    text = ours.get_body(("plain",))
    assert text is not None
    assert text["Content-Transfer-Encoding"] == "7bit"


def test_dutch_text_long_lines_and_a_long_subject_are_encoded() -> None:
    subject = "Één keer per jaar: de kaasmarkt in Gouda, met crème brûlée " * 3
    body = "Beste Fenna,\n\n" + "Wij zijn blij dat je één van onze klanten bent. " * 8 + "\n. \n"
    ours = check(Rendered(subject.strip(), body, "<p>" + "é" * 300 + "</p>"))
    text = ours.get_body(("plain",))
    assert text is not None
    assert text["Content-Transfer-Encoding"] == "quoted-printable"
    assert str(ours["Subject"]) == subject.strip()


def test_a_short_dutch_subject_is_an_encoded_word() -> None:
    ours = check(Rendered("Één aanbieding", "Hallo", "<p>Hallo</p>"))
    assert str(ours["Subject"]) == "Één aanbieding"


def test_an_address_that_is_not_ascii_is_left_to_the_mail_library() -> None:
    rendered = Rendered("Hi", "Hello", "<p>Hello</p>")
    date, message_id = "Mon, 05 Jan 2026 12:00:00 +0000", "<2@crm.example.com>"
    assert outgoing.build(SKELETON, "fenna@exämple.com", rendered, date, message_id, []) is None
    assert outgoing.build(SKELETON, "a@b\r\nBcc: c@d", rendered, date, message_id, []) is None
