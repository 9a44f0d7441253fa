"""a privacy request's outcome as a code and its values (issue 15)

Revision ID: d0023_words
Revises: d0023_crm

``privacy_requests.outcome`` held an English sentence, which Dutch staff pages showed as it
was. It becomes ``outcome_code`` and ``outcome_values`` (``requests.outcomes``), said in each
reader's language. Each sentence Kluis wrote is read back into its code and values (the
patterns below, frozen at this revision); a refused request's outcome is its reason; any other
text (none Kluis wrote) is kept as code ``text`` and shown as it was. The downgrade writes the
English sentences back.
"""

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "d0023_words"
down_revision: str | None = "d0023_crm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "; waiting for connected systems, a final certificate follows"
LIFTED = re.compile(r"; lifted (\d{4}-\d{2}-\d{2})$")
HOW = {"sent by e-mail": "email", "handed over": "handed_over"}
FIXED = {
    "processing restricted to storage (Art. 18)": "restricted",
    "direct marketing stopped on every channel (Art. 21(3))": "objection",
    "erased: rows deleted, key destroyed, id in the erasure register (Art. 17)": "erased",
}
COPY = re.compile(r"copy of the personal data (sent by e-mail|handed over) \(Art\. (15|20)\)")
RECTIFIED = re.compile(r"rectified: (.*) \(Art\. 16\)")
KEPT = re.compile(
    r"erased except what (.*) must keep by law \(Art\. 17\(3\)\(b\)\); the rest is restricted "
    r"to that purpose"
)


def parse(status: str, text: str) -> tuple[str, dict[str, Any]]:
    """The code and values of an outcome Kluis wrote as English (``text`` when none fits)."""
    if status == "refused":
        return "refused", {"reason": text}
    values: dict[str, Any] = {}
    sentence = text
    lifted = LIFTED.search(sentence)
    if lifted:
        values["lifted_on"] = lifted.group(1)
        sentence = sentence[: lifted.start()]
    if sentence.endswith(WAITING):
        values["waiting"] = True
        sentence = sentence[: -len(WAITING)]
    if sentence in FIXED:
        return FIXED[sentence], values
    if found := COPY.fullmatch(sentence):
        return "copy", {**values, "how": HOW[found.group(1)], "article": found.group(2)}
    if found := RECTIFIED.fullmatch(sentence):
        return "rectified", {**values, "fields": found.group(1).split(", ")}
    if found := KEPT.fullmatch(sentence):
        return "erased_except", {**values, "kept": found.group(1).split(", ")}
    return "text", {"text": text}


def english(code: str, values: dict[str, Any]) -> str:
    """The sentence ``parse`` read (for the downgrade)."""
    if code in ("refused", "text"):
        return str(values.get("reason" if code == "refused" else "text", ""))
    if code == "copy":
        how = {v: k for k, v in HOW.items()}[values["how"]]
        text = f"copy of the personal data {how} (Art. {values['article']})"
    elif code == "rectified":
        text = f"rectified: {', '.join(values['fields'])} (Art. 16)"
    elif code == "erased_except":
        text = (
            f"erased except what {', '.join(values['kept'])} must keep by law (Art. 17(3)(b)); "
            "the rest is restricted to that purpose"
        )
    else:
        text = {v: k for k, v in FIXED.items()}[code]
    if values.get("waiting"):
        text += WAITING
    if values.get("lifted_on"):
        text += f"; lifted {values['lifted_on']}"
    return text


def _table(*columns: sa.ColumnClause[Any]) -> sa.TableClause:
    return sa.table(
        "privacy_requests", sa.column("id", sa.Integer()), sa.column("status"), *columns
    )


def upgrade() -> None:
    # plain ALTER TABLE on both backends, as d0021_house: no batch copy of a table others refer to
    op.add_column("privacy_requests", sa.Column("outcome_code", sa.String(20), nullable=True))
    op.add_column("privacy_requests", sa.Column("outcome_values", sa.JSON(), nullable=True))
    old = _table(sa.column("outcome", sa.Text()))
    new = _table(sa.column("outcome_code", sa.String()), sa.column("outcome_values", sa.JSON()))
    conn = op.get_bind()
    rows = conn.execute(sa.select(old.c.id, old.c.status, old.c.outcome)).all()
    for row in rows:
        if row.outcome is None:
            continue
        code, values = parse(row.status, row.outcome)
        conn.execute(
            new.update().where(new.c.id == row.id).values(outcome_code=code, outcome_values=values)
        )
    op.execute("ALTER TABLE privacy_requests DROP COLUMN outcome")


def downgrade() -> None:
    op.add_column("privacy_requests", sa.Column("outcome", sa.Text(), nullable=True))
    table = _table(
        sa.column("outcome", sa.Text()),
        sa.column("outcome_code", sa.String()),
        sa.column("outcome_values", sa.JSON()),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(table.c.id, table.c.outcome_code, table.c.outcome_values)).all()
    for row in rows:
        if row.outcome_code is None:
            continue
        text = english(row.outcome_code, dict(row.outcome_values or {}))
        conn.execute(table.update().where(table.c.id == row.id).values(outcome=text))
    op.execute("ALTER TABLE privacy_requests DROP COLUMN outcome_values")
    op.execute("ALTER TABLE privacy_requests DROP COLUMN outcome_code")
