"""Whether a staff user may be an owner: the one check of every path that sets one."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from kluis.auth.tables import User
from kluis.contacts.list_rules import OWNER_REFUSED
from kluis.errors import InvalidField


def check_owners(conn: Connection, ids: Iterable[int]) -> None:
    """Refuse an owner who is not an active staff user."""
    wanted = {i for i in ids if 0 < i < 2**31}
    found = set(conn.scalars(select(User.id).where(User.id.in_(wanted), User.active.is_(True))))
    for user_id in sorted(set(ids)):
        if user_id not in found:
            raise InvalidField(
                f"there is no active staff user {user_id} to be the owner",
                field="owner",
                msgid=OWNER_REFUSED,
            )


def default_owner(conn: Connection, user_id: int | None) -> int | None:
    """The owner of what a user creates: that user, when they are a staff user (an operator at
    the command line, or a system actor, is not, and leaves it unowned)."""
    if user_id is None or not 0 < user_id < 2**31:
        return None
    found = conn.scalar(select(User.id).where(User.id == user_id))
    return None if found is None else int(found)
