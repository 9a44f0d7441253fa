"""The ``kluis notices`` and ``kluis topics`` commands: the versioned wording shown when consent
is asked, and the kinds of content people choose. Listed in ``kluis.slices``; they call the
catalogue, never SQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from kluis import console
from kluis.consent import catalogue, grant_rules, rules
from kluis.db import utcnow
from kluis.errors import InvalidField

notices_app = console.Commands()
topics_app = console.Commands()


# Notices ----------------------------------------------------------------------------------------


@notices_app.command("add")
def notices_add(
    language: Annotated[str, typer.Option("--lang", help="nl or en: the wording's language.")],
    text: Annotated[str | None, typer.Option(help="The exact wording the person sees.")] = None,
    file: Annotated[
        Path | None,
        typer.Option(help="Read the wording from this UTF-8 text file instead of --text."),
    ] = None,
    channel: Annotated[
        list[str] | None,
        typer.Option(
            "--channel",
            help="A channel the wording asks consent for (repeat for more): "
            f"{', '.join(c.value for c in rules.Channel)}.",
        ),
    ] = None,
    topic: Annotated[
        list[str] | None,
        typer.Option(
            "--topic",
            help="A topic the wording asks consent for (repeat for more; `kluis topics list`).",
        ),
    ] = None,
    as_json: console.JsonOption = False,
) -> None:
    """Add a version of the wording shown when asking consent, naming the channels and topics
    it asks for (at least one of each; it covers every channel named with every topic named);
    prints its id. The same wording for the same channels and topics prints the id it already
    has. A grant citing the notice for another channel or topic is refused."""
    wording = _wording(text, file)
    if channel and not topic:
        raise InvalidField(
            "name the topics the wording asks consent for with --topic", field="topics"
        )
    with console.opened() as kluis:
        notice = catalogue.add_notice(
            kluis,
            console.actor(),
            language,
            wording,
            utcnow(),
            covers=grant_rules.every(channel or [], topic or []),
        )
    if as_json:
        console.print_json(notice)
    else:
        console.out.print(notice.id)


def _wording(text: str | None, file: Path | None) -> str:
    if (text is None) == (file is None):
        raise InvalidField("give the wording with either --text or --file", field="text")
    if file is None:
        assert text is not None
        return text
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidField(f"cannot read {file} as UTF-8 text: {exc}", field="file") from None


def _covers(pairs: tuple[tuple[str, str], ...]) -> str:
    return grant_rules.describe_covers(frozenset(pairs)) if pairs else "nothing (cannot be cited)"


@notices_app.command("list")
def notices_list(as_json: console.JsonOption = False) -> None:
    """List every notice version (old versions are kept forever); `kluis notices show` and
    `--json` name the channels and topics each covers."""
    with console.opened() as kluis:
        notices = catalogue.list_notices(kluis)
    if as_json:
        console.print_json(notices)
        return
    table = Table(
        Column("id", no_wrap=True),
        Column("lang", no_wrap=True),
        Column("added (UTC)", no_wrap=True),
        Column("sha-256", no_wrap=True),
        Column("wording", overflow="fold"),
    )
    for n in notices:
        first_line = n.text.splitlines()[0]
        short = first_line if len(first_line) <= 60 else first_line[:59] + "…"
        table.add_row(
            str(n.id),
            n.language,
            console.when(n.created_at),
            n.content_hash[:12],
            short,
        )
    console.out.print(table)


@notices_app.command("show")
def notices_show(notice_id: int, as_json: console.JsonOption = False) -> None:
    """Show one notice version with its full wording."""
    with console.opened() as kluis:
        notice = catalogue.get_notice(kluis, notice_id)
    if as_json:
        console.print_json(notice)
        return
    console.out.print(
        f"notice {notice.id} ({notice.language}), added {console.when(notice.created_at)} UTC, "
        f"sha-256 {notice.content_hash}",
        markup=False,
    )
    console.out.print(f"covers: {_covers(notice.covers)}", markup=False)
    console.out.print()
    console.out.print(notice.text, markup=False)


# Topics -----------------------------------------------------------------------------------------


@topics_app.command("list")
def topics_list(as_json: console.JsonOption = False) -> None:
    """List the topics people can consent to, with their re-confirmation period."""
    with console.opened() as kluis:
        topics = catalogue.list_topics(kluis)
    if as_json:
        console.print_json(topics)
        return
    table = Table(
        Column("key", no_wrap=True),
        Column("name (en)", overflow="fold"),
        Column("naam (nl)", overflow="fold"),
        Column("re-confirm", no_wrap=True),
    )
    for t in topics:
        table.add_row(t.key, t.name_en, t.name_nl, f"{t.reconfirm_months} months")
    console.out.print(table)


@topics_app.command("add")
def topics_add(
    key: str,
    name_en: Annotated[str, typer.Option(help="The name in English.")],
    name_nl: Annotated[str, typer.Option(help="The name in Dutch.")],
    reconfirm_months: Annotated[
        int, typer.Option(help="Months after which a consent must be re-confirmed (1-120).")
    ] = catalogue.DEFAULT_RECONFIRM_MONTHS,
) -> None:
    """Add a topic (audited)."""
    with console.opened() as kluis:
        topic = catalogue.create_topic(
            kluis, console.actor(), key, name_en, name_nl, utcnow(), reconfirm_months
        )
    console.out.print(f"Added topic {topic.key}.", markup=False)


@topics_app.command("change")
def topics_change(
    key: str,
    name_en: Annotated[str | None, typer.Option(help="A new English name.")] = None,
    name_nl: Annotated[str | None, typer.Option(help="A new Dutch name.")] = None,
    reconfirm_months: Annotated[
        int | None, typer.Option(help="A new re-confirmation period in months (1-120).")
    ] = None,
) -> None:
    """Change a topic's names or re-confirmation period (new grants use the new period)."""
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("name_en", name_en),
            ("name_nl", name_nl),
            ("reconfirm_months", reconfirm_months),
        )
        if value is not None
    }
    if not changes:
        raise InvalidField(
            "say what to change: --name-en, --name-nl or --reconfirm-months", field="key"
        )
    with console.opened() as kluis:
        before = next((t for t in catalogue.list_topics(kluis) if t.key == key), None)
        after = catalogue.change_topic(kluis, console.actor(), key, changes, utcnow())
    changed = [n for n in changes if getattr(after, n) != getattr(before, n)]
    console.out.print(
        f"Changed {', '.join(changed)} of {key}." if changed else f"{key} unchanged.",
        markup=False,
    )
