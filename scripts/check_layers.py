#!/usr/bin/env python
"""Check that cardkit's imports follow its pipeline, from the source alone (nothing is imported).

Why: the package is laid out as the pipeline it runs (``io/`` -> readers -> the model-index
format -> writers -> scores -> reports -> render -> build, publish, run -> ``cli/``). That
layout only helps while it holds; this check fails as soon as a change bends it:

- no import circle between modules (counting imports inside functions too: a lazy import
  that closes a circle still ties the two modules together; not those only for type
  checkers, under ``if TYPE_CHECKING:``, which never run);
- no module imports from a stage to its right (``cli/``, ``cardkit/__init__.py`` and
  ``cardkit/api.py``, the public face over every stage, are exempt);
- at most ``MAX_TOP_ENTRIES`` packages and modules at the top of ``cardkit/``;
- no private name (``_x``) imported from another module, nor read as ``module._x``.

Usage::

    python scripts/check_layers.py            # exit 1 with one line per violation
    python scripts/check_layers.py --mermaid  # the stage graph, for the docs
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cardkit"

# The stages, left to right: a module may import from its own stage and from any stage on its
# left. Stages on one rank (build, publish, run) are siblings and may not import each other.
STAGES: list[tuple[str, ...]] = [
    ("io",),
    ("catalog", "model"),
    ("modelindex",),
    ("cardtext",),
    ("validate",),
    ("readers",),
    ("writers",),
    ("scores",),
    ("reports",),
    ("render",),
    ("audit",),
    ("build", "publish", "run"),
]
# The public API and the command line stand over every stage.
EXEMPT = {"cli", "__init__", "api", "__main__"}
# Not counted among the top entries: the package's own files and its data.
NOT_ENTRIES = {"__init__.py", "__main__.py", "py.typed", "data", "__pycache__"}
MAX_TOP_ENTRIES = 17


@dataclass
class Module:
    """One module of the package: its dotted name, file, and what it imports."""

    name: str
    path: Path
    imports: dict[str, int] = field(default_factory=dict)  # module imported -> first line
    # The imports that run (not under ``if TYPE_CHECKING:``): only these can close a circle.
    runtime: set[str] = field(default_factory=set)
    private: list[tuple[int, str]] = field(default_factory=list)  # (line, "module._name")

    @property
    def stage(self) -> str:
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(base: str, names: set[str]) -> str | None:
    """The package module an import refers to: the longest prefix of ``base`` that exists."""
    parts = base.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in names:
            return candidate
        parts.pop()
    return None


def read_modules(root: Path = PACKAGE) -> dict[str, Module]:
    """Every module of the package with its imports of other package modules."""
    files = sorted(root.rglob("*.py"))
    modules = {module_name(f, root): Module(module_name(f, root), f) for f in files}
    names = set(modules)
    for module in modules.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
        is_package = module.path.name == "__init__.py"
        aliases: dict[str, str] = {}  # local name -> package module, for `import a.b as m`

        typing_only = _typing_only(tree)

        def add(
            target: str | None,
            node: ast.stmt,
            module: Module = module,
            typing_only: set[int] = typing_only,
        ) -> None:
            if target is not None and target != module.name:
                module.imports.setdefault(target, node.lineno)
                if id(node) not in typing_only:
                    module.runtime.add(target)

        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = resolve(alias.name, names)
                    add(target, node)
                    if target is not None and alias.asname:
                        aliases[alias.asname] = target
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.name.split(".")
                    anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    if full in names:  # `from cardkit.io import atomic`: the module itself
                        add(full, node)
                        aliases[alias.asname or alias.name] = full
                        continue
                    target = resolve(base, names)
                    add(target, node)
                    if target not in (None, module.name) and _is_private(alias.name):
                        module.private.append((node.lineno, f"{target}.{alias.name}"))
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and _is_private(node.attr)
            ):
                module.private.append((node.lineno, f"{aliases[node.value.id]}.{node.attr}"))
    return modules


def _typing_only(tree: ast.Module) -> set[int]:
    """The ids of the import statements under ``if TYPE_CHECKING:`` (they never run)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        test = node.test if isinstance(node, ast.If) else None
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            for statement in node.body:
                found.update(id(n) for n in ast.walk(statement))
    return found


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def circles(modules: dict[str, Module]) -> list[list[str]]:
    """The import circles: each set of modules that reach one another by imports that run
    (Tarjan's strongly connected components, iterative so a deep package cannot hit the
    recursion limit). An import only for type checkers never runs, so it closes no circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(modules[root].runtime)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(modules[target].runtime))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def rank(stage: str) -> int | None:
    for i, group in enumerate(STAGES):
        if stage in group:
            return i
    return None


def violations(modules: dict[str, Module], root: Path = PACKAGE) -> list[str]:
    """One line per broken rule, empty when the layout holds."""
    found: list[str] = []
    here = root.parent

    def where(module: Module, line: int) -> str:
        return f"{module.path.relative_to(here)}:{line}"

    for module in modules.values():
        if module.stage not in EXEMPT and rank(module.stage) is None:
            found.append(f"{module.path.relative_to(here)}: stage {module.stage!r} has no place")
    for module in modules.values():
        if module.stage in EXEMPT:
            continue
        mine = rank(module.stage)
        for target, line in sorted(module.imports.items()):
            theirs = rank(modules[target].stage)
            if mine is None or theirs is None:
                continue
            if theirs > mine or (theirs == mine and modules[target].stage != module.stage):
                found.append(
                    f"{where(module, line)}: {module.name} imports {target}, "
                    f"a stage to its right ({modules[target].stage!r})"
                )
        for line, name in module.private:
            found.append(f"{where(module, line)}: {module.name} imports the private name {name}")
    for circle in circles(modules):
        found.append("import circle between " + ", ".join(circle))
    entries = sorted(p.name for p in root.iterdir() if p.name not in NOT_ENTRIES)
    if len(entries) > MAX_TOP_ENTRIES:
        found.append(
            f"cardkit/ holds {len(entries)} packages and modules, more than {MAX_TOP_ENTRIES}: "
            + ", ".join(entries)
        )
    return found


def mermaid(modules: dict[str, Module]) -> str:
    """The import graph between stages as a Mermaid flowchart, one node per top entry."""
    edges = sorted(
        {
            (module.stage, modules[target].stage)
            for module in modules.values()
            for target in module.imports
            if modules[target].stage != module.stage and module.stage not in {"__init__"}
        }
    )
    lines = ["flowchart BT"]
    stages = sorted({m.stage for m in modules.values()} - {"__init__", "__main__"})
    for stage in stages:
        is_package = (PACKAGE / stage).is_dir()
        lines.append(f'    {stage}["{stage}{"/" if is_package else ".py"}"]')
    lines += [f"    {a} --> {b}" for a, b in edges if "__init__" not in (a, b) and a != "__main__"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mermaid", action="store_true", help="print the stage graph as Mermaid")
    args = parser.parse_args(argv)
    modules = read_modules()
    if args.mermaid:
        print(mermaid(modules))
        return 0
    found = violations(modules)
    for line in found:
        print(line)
    if not found:
        edges = sum(len(m.imports) for m in modules.values())
        print(f"ok: {len(modules)} modules, {edges} imports, the layout holds")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
