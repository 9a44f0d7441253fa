"""``kluis campaigns post``: a post campaign's files for the mailing house and the printer,
written where the command is told (``post``); listed in ``kluis.slices`` beside the other
campaign commands. The files hold names and addresses: they are written readable by their
owner only (mode 0600), and Kluis keeps no copy."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from kluis import console
from kluis.db import utcnow
from kluis.errors import InvalidField
from kluis.messaging import post

post_app = console.Commands()

FileOption = Annotated[Path | None, typer.Option(dir_okay=False, writable=True)]


def _write(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path``, readable by its owner only."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(content)


@post_app.command("post")
def campaigns_post(
    campaign_id: int,
    csv: FileOption = None,
    labels: FileOption = None,
    letters: FileOption = None,
    as_json: console.JsonOption = False,
) -> None:
    """Make a post campaign's files: --csv (for a mailing house), --labels (PDF, A4, 3 x 8
    labels of 70 x 37 mm), --letters (PDF, one letter per person). The first run makes the
    mailing; each run decides every person again and is audited."""
    wanted = (("csv", csv), ("labels", labels), ("letters", letters))
    chosen = {kind: path for kind, path in wanted if path is not None}
    if not chosen:
        raise InvalidField("name at least one file: --csv, --labels or --letters", field="file")
    with console.opened() as kluis:
        mailing, made = post.files(kluis, console.actor(), campaign_id, list(chosen), utcnow())
    for item in made:
        _write(chosen[item.kind], item.content)
    refused = dict(mailing.campaign.refused)
    for reason, n in mailing.refused.items():
        refused[reason] = refused.get(reason, 0) + n
    if as_json:
        console.print_json(
            {
                "campaign_id": campaign_id,
                "letters": len(mailing.letters),
                "refused": refused,
                "files": {item.kind: str(chosen[item.kind]) for item in made},
            }
        )
        return
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(refused.items())) or "none"
    console.out.print(
        f"Campaign {campaign_id}: {len(mailing.letters)} letters; refused: {reasons}.",
        markup=False,
    )
    for item in made:
        console.out.print(f"{item.kind}: {chosen[item.kind]}", markup=False)
