"""One way into the workspace: its repositories, as attributes of the Store; no circle inside store/."""

from __future__ import annotations

import ast
from pathlib import Path

import leadcheck

SRC = Path(leadcheck.__file__).parent
STORE = SRC / "store"
# Outside store/, only these may hold a sqlite3 connection: the import's own staging database, and
# purge, whose one job is erasing across every table (inside store.transaction()).
OWN_CONNECTIONS = {"importing/staging.py", "purge.py"}


def _modules(folder: Path) -> dict[str, ast.Module]:
    return {str(p.relative_to(SRC)): ast.parse(p.read_text("utf-8")) for p in folder.rglob("*.py")}


def test_nothing_outside_store_reaches_a_raw_connection() -> None:
    found = []
    for name, tree in _modules(SRC).items():
        if name.startswith("store/") or name in OWN_CONNECTIONS:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "conn"
                and ast.unparse(node.value).endswith("store")
            ):
                found.append(f"{name}:{node.lineno} {ast.unparse(node)}")
            if isinstance(node, ast.Import) and any(a.name == "sqlite3" for a in node.names):
                found.append(f"{name}:{node.lineno} import sqlite3")
            if (
                isinstance(node, ast.withitem)
                and ".transaction(" in ast.unparse(node.context_expr)
                and node.optional_vars is not None
            ):
                found.append(f"{name}: {ast.unparse(node.context_expr)} as {ast.unparse(node.optional_vars)}")
    assert found == []


def _store_imports(tree: ast.Module) -> set[str]:
    """The store modules a module imports, type-hint imports included."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("leadcheck.store"):
            if node.module == "leadcheck.store":
                out |= {f"leadcheck.store.{a.name}" for a in node.names if (STORE / f"{a.name}.py").exists()}
            else:
                out.add(node.module)
    return out


def test_no_circle_of_imports_inside_store() -> None:
    graph = {
        "leadcheck.store." + name.removeprefix("store/").removesuffix(".py"): _store_imports(tree)
        for name, tree in _modules(STORE).items()
        if name != "store/__init__.py"
    }
    for module in graph:
        graph[module] = {m for m in graph[module] if m in graph and m != module}
    seen: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> None:
        assert module not in path, " -> ".join([*path[path.index(module) :], module])
        if module in seen:
            return
        path.append(module)
        for imported in sorted(graph[module]):
            visit(imported)
        path.pop()
        seen.add(module)

    for module in sorted(graph):
        visit(module)


def test_the_store_has_no_one_line_forwards() -> None:
    """Store is the connection and its repositories: it defines no method of its own."""
    tree = ast.parse((STORE / "workspace.py").read_text("utf-8"))
    store = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Store")
    methods = [n.name for n in store.body if isinstance(n, ast.FunctionDef)]
    assert methods == ["__init__"]
