"""Measure Kluis's house from its imports, and fail when it is not in order.

The floors are the layout of docs/design.md ("Floors"): each part of ``src/kluis`` (a top-level
module or a folder) stands on one floor and imports only from floors below it or from itself.
Read from the source text (nothing is imported or run), this prints one line of figures and, with
``--detail``, every import that breaks a rule, and exits 1 if any does:

- an import of a part on a higher floor (or on the same floor, from another part);
- folders that import each other, or any cycle among the parts;
- an import inside a function, unless its line or the line above says ``# optional:`` or
  ``# lazy:`` with the reason;
- a module over ``MAX_LINES`` lines.

Run it as ``python scripts/floors.py [src/kluis] [--detail]``; ``tests/test_floors.py`` runs it.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_LINES = 450

#: The floors from the ground up; each part imports only from floors below its own. Parts on one
#: floor do not import each other.
LAYOUT: list[tuple[str, ...]] = [
    (
        "ids",
        "errors",
        "setting_sources",
        "db",
        "csvout",
        "jsonout",
        "accesslog",
        "actors",
        "locale",
        "slice_types",
        "cli_cards",
        "forked",
        "wal",
        "collector",
    ),
    ("settings", "vault"),
    ("register",),
    ("runtime",),
    ("api", "console", "ui", "proxy", "jobs"),
    ("audit",),
    ("auth",),
    ("purposes",),
    ("contacts",),
    ("consent",),
    ("messaging", "transfer", "activities"),
    ("retention", "backup", "tasks", "deals", "connected", "discover"),
    ("requests",),
    ("public",),
    ("compliance", "ops"),
    ("slices", "models"),
    ("opening",),
    ("app", "migrations", "cli_init", "cli_config", "cli_demo"),
    ("cli_serve", "cli_worker"),
    ("cli",),
    ("__main__",),
]
FLOORS: dict[str, int] = {part: floor for floor, parts in enumerate(LAYOUT) for part in parts}

EXCUSES = ("# optional:", "# lazy:")


@dataclass(frozen=True)
class Import:
    source: str  # the part that imports
    target: str | None  # the part imported, None for a module outside Kluis
    module: str  # the module imported
    where: str  # path:line
    inside_function: bool
    excused: bool


def part_of(module: str) -> str | None:
    bits = module.split(".")
    return bits[1] if len(bits) > 1 and bits[0] == "kluis" else None


def _is_module(root: Path, module: str) -> bool:
    """Whether ``module`` (``kluis.x.y``) is a module or package of the tree, not a name in one."""
    path = root.parent.joinpath(*module.split("."))
    return path.is_dir() or path.with_suffix(".py").exists()


def _module_name(path: Path, root: Path) -> str:
    relative = path.relative_to(root.parent).with_suffix("")
    name = ".".join(relative.parts)
    return name.removesuffix(".__init__")


def imports(root: Path) -> Iterator[Import]:
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        me = part_of(module)
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text)
        in_function: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                in_function |= {
                    id(x) for x in ast.walk(node) if isinstance(x, ast.Import | ast.ImportFrom)
                }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    package = module.split(".")
                    keep = len(package) - node.level + (1 if path.name == "__init__.py" else 0)
                    base = ".".join(package[:keep] + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                # `from kluis import db` imports the part `db`: name each module imported
                targets = [
                    f"{base}.{alias.name}" if _is_module(root, f"{base}.{alias.name}") else base
                    for alias in node.names
                ]
            else:
                continue
            nearby = " ".join(lines[max(node.lineno - 2, 0) : node.lineno])
            for target in targets:
                other = part_of(target)
                if me is None:
                    continue
                yield Import(
                    source=me,
                    target=other,
                    module=target,
                    where=f"{path}:{node.lineno}",
                    inside_function=id(node) in in_function,
                    excused=any(excuse in nearby for excuse in EXCUSES),
                )


def _cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components of more than one part (Tarjan)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    root = Path(args[0] if args else "src/kluis")
    found = list(imports(root))
    hidden = [i for i in found if i.inside_function and not i.excused]
    found = [i for i in found if i.target is not None]
    edges = {(i.source, i.target) for i in found if i.target and i.source != i.target}
    pairs = sorted({tuple(sorted(e)) for e in edges if (e[1], e[0]) in edges})
    cycles = _cycles(edges)
    unknown = sorted({p for e in edges for p in e if p not in FLOORS})
    upward = [
        i
        for i in found
        if i.source != i.target
        and i.source in FLOORS
        and i.target in FLOORS
        and FLOORS[i.target] >= FLOORS[i.source]
    ]
    sizes = sorted(
        ((p.read_text(encoding="utf-8").count("\n"), str(p)) for p in root.rglob("*.py")),
        reverse=True,
    )
    too_big = [(n, p) for n, p in sizes if n > MAX_LINES]
    print(
        f"upward imports {len(upward)}, folder pairs importing each other {len(pairs)}, "
        f"parts in cycles {sum(map(len, cycles))}, imports inside functions {len(hidden)}, "
        f"largest module {sizes[0][0]} lines ({sizes[0][1]}), parts without a floor {len(unknown)}"
    )
    if "--detail" in argv:
        for i in upward:
            print(
                f"  up: {i.where}: {i.source} (floor {FLOORS[i.source]}) imports {i.target} "
                f"(floor {FLOORS[i.target]})"
            )
        for a, b in pairs:
            print(f"  pair: {a} <-> {b}")
        for c in cycles:
            print(f"  cycle: {' -> '.join(c)}")
        for i in hidden:
            print(f"  inside a function: {i.where}: imports {i.module}")
        for n, p in too_big:
            print(f"  too big: {p}: {n} lines")
        for p in unknown:
            print(f"  no floor: {p} (add it to FLOORS in scripts/floors.py and to docs/design.md)")
    broken = upward or pairs or cycles or hidden or too_big or unknown
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
