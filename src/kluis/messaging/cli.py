"""The messaging commands of the ``kluis`` command line: campaigns (create, preview, send with a
progress bar, show) and one message to one person. Listed in ``kluis.slices``; like every
command they call services, never SQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from kluis import console
from kluis.consent.rules import Decision
from kluis.db import utcnow
from kluis.errors import InvalidField
from kluis.messaging import campaigns, drafts, service

campaigns_app = console.Commands()
messages_app = console.Commands()

TopicOption = Annotated[str, typer.Option(help="A topic key (`kluis topics list`).")]


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _text(file: Path, field: str) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidField(f"cannot read {file} as UTF-8 text: {exc}", field=field) from None


def _decision_json(decision: Decision) -> dict[str, Any]:
    return {
        "allowed": decision.allowed,
        "basis": decision.basis.value,
        "reason": decision.reason.value,
        "reason_en": decision.reason_en,
        "reason_nl": decision.reason_nl,
        "evidence_event_id": decision.evidence_event_id,
    }


# Campaigns --------------------------------------------------------------------------------------


@campaigns_app.command("create")
def campaigns_create(
    topic: TopicOption,
    name: Annotated[str, typer.Option(help="What the campaign is called (for staff).")],
    subject_en: Annotated[str | None, typer.Option(help="The subject in English.")] = None,
    body_en: Annotated[
        Path | None,
        typer.Option(help="A UTF-8 file with the body in English (Jinja2: {{ given_name }})."),
    ] = None,
    subject_nl: Annotated[str | None, typer.Option(help="The subject in Dutch.")] = None,
    body_nl: Annotated[
        Path | None,
        typer.Option(help="A UTF-8 file with the body in Dutch (Jinja2: {{ given_name }})."),
    ] = None,
    rate: Annotated[
        int | None, typer.Option(help="At most this many messages a minute (default 600).")
    ] = None,
    channel: Annotated[
        str, typer.Option(help="email, sms, whatsapp, phone (a call list) or post (letters).")
    ] = "email",
    whatsapp_template: Annotated[
        Path | None,
        typer.Option(
            help="A JSON file with the approved WhatsApp template: "
            '{"name": ..., "content": {"nl": "HX..."}, "params": ["{{ given_name }}"]}.'
        ),
    ] = None,
    as_json: console.JsonOption = False,
) -> None:
    """Create a draft campaign: e-mail (subject and body), SMS (body) or WhatsApp (an approved
    template, and its wording as the body), in English and/or Dutch; prints its id."""
    values: dict[str, Any] = {"name": name, "topic": topic, "channel": channel}
    if whatsapp_template is not None:
        try:
            values["whatsapp_template"] = json.loads(_text(whatsapp_template, "whatsapp_template"))
        except ValueError:
            raise InvalidField(
                "the WhatsApp template file is not JSON", field="whatsapp_template"
            ) from None
    for lang, subject, body in (("en", subject_en, body_en), ("nl", subject_nl, body_nl)):
        if subject is not None:
            values[f"subject_{lang}"] = subject
        if body is not None:
            values[f"body_{lang}"] = _text(body, f"body_{lang}")
    if rate is not None:
        values["rate_per_minute"] = rate
    with console.opened() as kluis:
        view = campaigns.create_campaign(kluis, console.actor(), values, utcnow())
    if as_json:
        console.print_json(view)
    else:
        console.out.print(view.id)


@campaigns_app.command("delete")
def campaigns_delete(
    campaign_id: Annotated[int, typer.Argument(help="The draft campaign's id.")],
) -> None:
    """Delete a draft campaign (one that began sending is kept: its messages are the record of
    what was sent and why)."""
    with console.opened() as kluis:
        drafts.delete_campaign(kluis, console.actor(), campaign_id, utcnow())
    console.out.print(f"campaign {campaign_id} deleted")


@campaigns_app.command("preview")
def campaigns_preview(campaign_id: int, as_json: console.JsonOption = False) -> None:
    """How many people the campaign may reach now, and how many not, by reason. Sends nothing."""
    with console.opened() as kluis:
        counts = campaigns.preview(kluis, campaign_id, utcnow())
    if as_json:
        console.print_json(
            {
                "campaign_id": campaign_id,
                "channel": counts.channel,
                "topic": counts.topic,
                "audience": counts.allowed,
                "refused": counts.refused,
            }
        )
        return
    console.out.print(
        f"Campaign {campaign_id} may reach {counts.allowed} people now "
        f"({counts.channel}, {counts.topic}).",
        markup=False,
    )
    _print_refused(counts.refused, "May not reach")


def _print_refused(refused: dict[str, int], title: str) -> None:
    if not refused:
        return
    table = Table("reason", "people", title=title, title_justify="left")
    for reason, n in sorted(refused.items(), key=lambda item: (-item[1], item[0])):
        table.add_row(reason, str(n))
    console.out.print(table)


class _Rate(ProgressColumn):
    """Messages a second, as the bar has measured them."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(
            "-- msg/s" if speed is None else f"{speed:.1f} msg/s", style="progress.data.speed"
        )


def _campaign_json(view: campaigns.CampaignView) -> dict[str, Any]:
    counts = dict.fromkeys(("queued", "sending", "sent", "refused", "failed", "interrupted"), 0)
    return {
        "id": view.id,
        "name": view.name,
        "channel": view.channel,
        "topic": view.topic,
        "status": view.status,
        "subject": view.subject,
        "body": view.body,
        "rate_per_minute": view.rate_per_minute,
        "counts": counts | view.counts,
        "refused": view.refused,
        "created_at": view.created_at,
        "started_at": view.started_at,
        "finished_at": view.finished_at,
    }


def _summary(view: campaigns.CampaignView) -> str:
    counts = _campaign_json(view)["counts"]
    parts = [f"{counts[s]} {s}" for s in ("sent", "refused", "failed")]
    parts += [f"{counts[s]} {s}" for s in ("queued", "sending", "interrupted") if counts[s]]
    left_out = sum(view.refused.values())
    return f"{', '.join(parts)}; {left_out} left out"


@campaigns_app.command("send")
def campaigns_send(campaign_id: int, as_json: console.JsonOption = False) -> None:
    """Send the campaign, showing progress on standard error; run it again after an interruption
    to carry on: nobody gets it twice."""
    with console.opened() as kluis:
        actor = console.actor()
        campaigns.get_campaign(kluis, campaign_id)
        service.smtp_transport(kluis)  # no mail server: say so before anything changes
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _Rate(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console.err,
        )
        task: TaskID | None = None

        def progress(done: int, total: int) -> None:
            nonlocal task
            if task is None:  # shown once there is something to send
                bar.start()
                task = bar.add_task(f"campaign {campaign_id}", total=total)
            bar.update(task, completed=done, total=total)

        try:
            view = campaigns.send_campaign(kluis, actor, campaign_id, utcnow, progress=progress)
        except KeyboardInterrupt:
            bar.stop()
            console.err.print(
                f"interrupted; run `kluis campaigns send {campaign_id}` again to carry on: "
                "nobody gets it twice",
                markup=False,
            )
            raise typer.Exit(130) from None
        finally:
            bar.stop()
    if as_json:
        console.print_json(_campaign_json(view))
    else:
        console.out.print(f"Campaign {campaign_id} sent: {_summary(view)}.", markup=False)


@campaigns_app.command("show")
def campaigns_show(campaign_id: int, as_json: console.JsonOption = False) -> None:
    """Show a campaign: its status, its messages counted by status, who was left out and why."""
    with console.opened() as kluis:
        view = campaigns.get_campaign(kluis, campaign_id)
    if as_json:
        console.print_json(_campaign_json(view))
        return
    table = Table(show_header=False, box=None)
    table.add_row("id", str(view.id))
    table.add_row("name", view.name)
    table.add_row("topic", f"{view.topic} ({view.channel})")
    table.add_row("status", view.status)
    table.add_row("languages", ", ".join(sorted(view.subject)))
    for lang, subject in sorted(view.subject.items()):
        table.add_row(f"subject ({lang})", subject)
    table.add_row("rate", f"{view.rate_per_minute} a minute")
    table.add_row("messages", _summary(view))
    table.add_row("created (UTC)", _when(view.created_at))
    table.add_row("started (UTC)", _when(view.started_at))
    table.add_row("finished (UTC)", _when(view.finished_at))
    console.out.print(table)
    _print_refused(view.refused, "Left out")


# One message ------------------------------------------------------------------------------------


def _params(values: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            # Not echoed: a parameter's value may be personal data.
            raise InvalidField("--param takes KEY=VALUE, e.g. --param order=1234", field="param")
        params[key.strip()] = text
    return params


def _content(
    template: str | None, params: list[str], subject: str | None, body: Path | None
) -> service.Content:
    if template is not None:
        if subject is not None or body is not None:
            raise InvalidField(
                "give --template (with --param), or --subject and --body, not both",
                field="template",
            )
        return service.Content(template=template, params=_params(params))
    if params:
        raise InvalidField("--param is for a template; name it with --template", field="param")
    if subject is None or body is None:
        raise InvalidField(
            "give --template NAME, or --subject and --body FILE",
            field="subject" if subject is None else "body",
        )
    text = _text(body, "body")
    return service.Content(subject={"nl": subject, "en": subject}, body={"nl": text, "en": text})


@messages_app.command("send")
def messages_send(
    person_id: str,
    kind: Annotated[str, typer.Option(help="transactional or commercial.")],
    topic: TopicOption,
    template: Annotated[
        str | None, typer.Option(help="A built-in template (notice); give its --param values.")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(help="KEY=VALUE for the template; repeat for several."),
    ] = None,
    subject: Annotated[str | None, typer.Option(help="The subject, instead of a template.")] = None,
    body: Annotated[
        Path | None,
        typer.Option(help="A UTF-8 file with the body (Jinja2: {{ given_name }})."),
    ] = None,
    as_json: console.JsonOption = False,
) -> None:
    """Send one e-mail to a person after asking may_contact; prints what happened and why.
    A refused message is recorded too; a failed one exits 1."""
    content = _content(template, param or [], subject, body)
    with console.opened() as kluis:
        view = service.send_message(
            kluis, console.actor(), person_id, kind, topic, content, utcnow()
        )
    if as_json:
        console.print_json(
            {
                "id": view.id,
                "person_id": view.person_id,
                "kind": view.kind,
                "channel": view.channel,
                "topic": view.topic,
                "status": view.status,
                "decision": _decision_json(view.decision),
                "error": view.error,
            }
        )
    elif view.status == "sent":
        console.out.print(f"Sent message {view.id}: {view.decision.reason_en}", markup=False)
    elif view.status == "refused":
        console.out.print(
            f"Refused (message {view.id} recorded): {view.decision.reason_en}", markup=False
        )
    if view.status == "failed":
        console.err.print(
            f"error [email]: message {view.id} was not sent: {view.error}", markup=False
        )
        raise typer.Exit(1)
