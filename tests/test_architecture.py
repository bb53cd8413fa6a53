"""The architecture stays as the folders show it: `app`'s import graph (every import, at
the top of a module or inside a function) has no circle and no arrow up.

Layers, bottom up: app.analysis (pure: imports nothing else of app), the foundation
(the modules directly in app/), accounts, notify, engine, then recruiting and admin side by side,
then benchmarks, and on top the composition root (app.cli, app.serve, app.__main__), the
only modules that may import the faces (ui, actors, scheduler), and only inside the
command that needs them.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.conftest import REPO

FACES = ("ui", "actors", "scheduler")
ROOT = {"app", "app.__main__", "app.cli", "app.serve"}
# What each layer may import, besides itself and the layers listed.
MAY_IMPORT = {
    "analysis": set(),
    "foundation": {"analysis"},
    "accounts": {"analysis", "foundation"},
    "notify": {"analysis", "foundation", "accounts"},
    "engine": {"analysis", "foundation", "accounts", "notify"},
    "recruiting": {"analysis", "foundation", "accounts", "engine", "notify"},
    "admin": {"analysis", "foundation", "accounts", "engine", "notify"},
    "benchmarks": {"analysis", "foundation", "accounts", "engine", "recruiting", "admin",
                   "notify"},
}


def modules() -> dict[str, Path]:
    found = {}
    for path in (REPO / "app").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def layer(module: str) -> str:
    if module in ROOT:
        return "root"
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and parts[1] in MAY_IMPORT):
        return parts[1]
    return "foundation"


def imports(found: dict[str, Path]) -> dict[str, set[tuple[str, bool]]]:
    """Module -> {(imported module or face, at the top of the module)}."""
    graph: dict[str, set[tuple[str, bool]]] = defaultdict(set)
    for name, path in found.items():
        tree = ast.parse(path.read_text())
        top_level = {id(node) for node in tree.body}
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                if target.split(".")[0] in FACES:
                    graph[name].add((target.split(".")[0], id(node) in top_level))
                    continue
                parts = target.split(".")
                while parts and ".".join(parts) not in found:
                    parts.pop()
                module = ".".join(parts)
                # A module importing its own package's __init__ is not an arrow.
                if module and module != name and not name.startswith(module + "."):
                    graph[name].add((module, id(node) in top_level))
    return graph


def circles(graph: dict[str, set[tuple[str, bool]]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w, _ in graph.get(v, ()):
            if w in FACES:
                continue
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

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_in_app():
    assert circles(imports(modules())) == []


def test_imports_point_down_only():
    found = modules()
    up = []
    for name, targets in imports(found).items():
        mine = layer(name)
        for target, at_top in targets:
            if target in FACES:
                if mine != "root" or at_top:
                    up.append(f"{name} -> {target}" + (" (at the top)" if at_top else ""))
                continue
            theirs = layer(target)
            if mine == "root" or theirs == mine or theirs in MAY_IMPORT.get(mine, set()):
                continue
            up.append(f"{name} ({mine}) -> {target} ({theirs})")
    assert up == []


def test_analysis_imports_nothing_else_of_app():
    graph = imports(modules())
    outside = sorted(f"{name} -> {target}" for name, targets in graph.items()
                     if name.startswith("app.analysis") for target, _ in targets
                     if not target.startswith("app.analysis"))
    assert outside == []


def test_the_checks_see_circles_and_arrows_up():
    # The helpers find what they are for (a test that cannot fail is worse than none).
    graph = {"a": {("b", True)}, "b": {("c", False)}, "c": {("a", True)}, "d": {("a", True)}}
    assert circles(graph) == [["a", "b", "c"]]
    assert layer("app.engine.batches") == "engine" and layer("app.db") == "foundation"
    assert layer("app.cli") == "root" and layer("app.analysis") == "analysis"
    assert "engine" not in MAY_IMPORT["accounts"] and "admin" not in MAY_IMPORT["recruiting"]


def test_at_most_twelve_modules_directly_in_app():
    direct = sorted(p.name for p in (REPO / "app").glob("*.py") if p.name != "__init__.py")
    assert len(direct) <= 12, direct
