"""``KluisError.within``: a refusal about one person of many says which before it, in ``detail``
(the API and the CLI) in English and on a page in the reader's language, the refusal's own
sentence translated apart from the prefix."""

from __future__ import annotations

import json

from kluis import errors
from kluis.errors import Conflict, InvalidField, Word

DUTCH = {
    "person %(n)s: ": "persoon %(n)s: ",
    "Request %(id)s is %(status)s.": "Verzoek %(id)s is %(status)s.",
    "completed": "afgerond",
    "the name is too long": "de naam is te lang",
}


def _dutch(text: str) -> str:
    return DUTCH.get(text, text)


def test_a_refusal_with_a_message_id_keeps_it_under_the_prefix() -> None:
    refused = Conflict(
        "request 4 is completed",
        msgid="Request %(id)s is %(status)s.",
        values={"id": 4, "status": Word("completed")},
    )
    refused.within("person %(n)s: ", n=3)
    assert refused.detail == "person 3: request 4 is completed"
    assert str(refused) == refused.detail
    assert refused.translated(_dutch) == "persoon 3: Verzoek 4 is afgerond."
    assert refused.translated(lambda t: t) == "person 3: Request 4 is completed."


def test_a_refusal_without_one_translates_its_old_detail() -> None:
    refused = InvalidField("the name is too long", field="given_name")
    refused.within("person %(n)s: ", n=12)
    assert refused.detail == "person 12: the name is too long"
    assert refused.translated(_dutch) == "persoon 12: de naam is te lang"
    assert refused.field == "given_name"


def test_without_a_prefix_nothing_changes() -> None:
    refused = InvalidField("the name is too long")
    assert refused.translated(_dutch) == "de naam is te lang"
    assert refused.context is None


def test_a_refusal_of_several_problems_says_each_in_turn() -> None:
    both = Conflict("2 problems: (1) the name is too long. (2) request 4 is completed.")
    both.parts = [
        InvalidField("the name is too long"),
        Conflict(
            "request 4 is completed",
            msgid="Request %(id)s is %(status)s.",
            values={"id": 4, "status": Word("completed")},
        ),
    ]
    assert both.translated(_dutch) == "de naam is te lang Verzoek 4 is afgerond."
    assert both.detail.startswith("2 problems")


def test_a_stored_refusal_is_said_again_as_it_was() -> None:
    """``errors.stored`` keeps a refusal as JSON (an import job's ``error_said``); read back, it
    says the same in every language, prefix, values, words and parts included."""
    refused = Conflict(
        "request 4 is completed",
        msgid="Request %(id)s is %(status)s.",
        values={"id": 4, "status": Word("completed")},
    )
    refused.within("person %(n)s: ", n=3)
    several = InvalidField("two problems", field="file")
    several.parts = [InvalidField("the name is too long"), refused]
    for original in (refused, several, InvalidField("the name is too long")):
        kept = json.loads(json.dumps(errors.stored(original)))
        again = errors.restored(kept)
        assert again.detail == original.detail
        assert again.translated(_dutch) == original.translated(_dutch)
        assert again.translated(lambda text: text) == original.translated(lambda text: text)
