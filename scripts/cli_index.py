"""Write ``src/kluis/cli_index.json``: every command group's sub-commands with their help texts,
the module that holds each and its help card, and the help cards of the root's own commands,
read from the commands themselves (``kluis.cli.index_of``, ``kluis.cli.root_index``).

    python scripts/cli_index.py

Run it after adding, renaming or re-wording a sub-command (``tests/test_cli_registry.py``
fails until the index matches): ``kluis <group> --help`` lists the index, so the help of a
group imports none of its modules, and a sub-command imports only the module it is in.
"""

from __future__ import annotations

import json

from kluis.cli import INDEX, ROOT, entries, index_of, root_index
from kluis.slice_types import Group


def main() -> None:
    index = {ROOT: root_index(), **{e.name: index_of(e) for e in entries() if isinstance(e, Group)}}
    INDEX.write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{INDEX}: {len(index) - 1} groups, {sum(map(len, index.values()))} commands")


if __name__ == "__main__":
    main()
