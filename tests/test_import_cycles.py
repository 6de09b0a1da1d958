"""No import cycles among lockaudit's own modules.

The graph is read from the source: every import statement a module runs when
it is imported (top level, including under ``if``/``try``/``with``) and every
import under ``if TYPE_CHECKING:`` (a cycle for the type checker and for the
reader all the same). Imports inside functions are deferred on purpose (a
warm run does not pay for httpx, rich, the parsers of formats it does not
read) and are not edges. ``from package import name`` is an edge to the
submodule when ``name`` is one, else to the package.

Every module of the graph is also imported, in a process of its own, so that
the graph is one of modules that exist and load.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import lockaudit

PACKAGE = Path(lockaudit.__file__).resolve().parent


def _modules() -> dict[str, tuple[Path, bool]]:
    """Module name -> (source file, is a package); compiled modules (.pyx) are leaves."""
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted(PACKAGE.rglob("*.py")) + sorted(PACKAGE.rglob("*.pyx")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            yield from _module_level_imports(node.body)
            yield from _module_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                yield from _module_level_imports(block)
        elif isinstance(node, ast.With):
            yield from _module_level_imports(node.body)


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        edges: set[str] = set()
        if path.suffix == ".py":
            package = name if is_package else name.rpartition(".")[0]
            for node in _module_level_imports(ast.parse(path.read_text(encoding="utf-8")).body):
                if isinstance(node, ast.Import):
                    edges.update(alias.name for alias in node.names if alias.name in modules)
                    continue
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    if f"{target}.{alias.name}" in modules:
                        edges.add(f"{target}.{alias.name}")
                    elif target in modules:
                        edges.add(target)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
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


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_the_index_layer() -> None:
    graph = import_graph()
    # A few edges that are there, so that an empty graph cannot pass.
    assert "lockaudit.index.pages" in graph["lockaudit.index.client"]
    assert "lockaudit.index.pages" in graph["lockaudit.index.fetch_worker"]
    assert "lockaudit.index.http" in graph["lockaudit.index.pages"]
    assert sum(map(len, graph.values())) > 300


def test_no_import_cycles_among_lockaudit_modules() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles among lockaudit's modules (module-level imports): " + "; ".join(
        " <-> ".join(c) for c in found
    )


def test_the_client_and_its_fetch_worker_do_not_import_each_other() -> None:
    graph = import_graph()
    assert "lockaudit.index.client" not in graph["lockaudit.index.fetch_worker"]
    # ... nor through a function-level import (the worker used to import the client to fetch).
    source = (PACKAGE / "index" / "fetch_worker.py").read_text(encoding="utf-8")
    imported = {n.module for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom) and n.module is not None}
    assert "client" not in imported


def test_every_module_of_the_graph_imports() -> None:
    names = sorted(n for n, (path, _) in _modules().items() if path.suffix == ".py" and not n.endswith("__main__"))
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    proc = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


# The layers of docs/architecture.md, lowest first. A module imports from its own
# layer and the layers below; layers that share a rank are peers and never import
# each other (inputs and index; apidiff and resolve).
LAYERS: dict[str, tuple[int, tuple[str, ...]]] = {
    "errors": (0, ("lockaudit.errors", "lockaudit._version")),
    "core": (
        1,
        (
            "lockaudit._fastcmp",
            "lockaudit._purecmp",
            "lockaudit._keys",
            "lockaudit._core",
            "lockaudit.versions",
            "lockaudit.ranges",
        ),
    ),
    "model": (
        2,
        (
            "lockaudit.model",
            "lockaudit._target",
            "lockaudit.targets",
            "lockaudit.as_of",
            "lockaudit.semver",
            "lockaudit.urls",
            "lockaudit.findings",
        ),
    ),
    "inputs": (3, ("lockaudit.inputs",)),
    "index": (3, ("lockaudit.index",)),
    "apidiff": (4, ("lockaudit.apidiff",)),
    "resolve": (4, ("lockaudit.resolve",)),
    "audit": (5, ("lockaudit.audit",)),
    "presenters": (
        6,
        (
            "lockaudit.formats",
            "lockaudit.progress",
            "lockaudit.cli",
            "lockaudit.commands",
            "lockaudit.service",
            "lockaudit.__main__",
        ),
    ),
}

# lockaudit.resolve keeps check and its kin reachable under their old names, imported
# on first use; the type checker sees them under TYPE_CHECKING, never at run time.
LAYER_EXCEPTIONS = {
    ("lockaudit.resolve", "lockaudit.audit.lock_check"),
    ("lockaudit.resolve", "lockaudit.audit.rules.lock"),
}


def layer_of(module: str) -> str | None:
    for layer, (_, prefixes) in LAYERS.items():
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return layer
    return None


def test_every_module_has_a_layer() -> None:
    unplaced = [name for name in _modules() if name != "lockaudit" and layer_of(name) is None]
    assert not unplaced, f"modules docs/architecture.md places in no layer: {unplaced}"


def test_the_layer_checker_sees_a_violation() -> None:
    assert layer_of("lockaudit.index.client") == "index"
    assert layer_of("lockaudit.inputsx") is None
    assert _layer_violations({"lockaudit.model": {"lockaudit.audit.engine"}}) == [
        "lockaudit.model (model) imports lockaudit.audit.engine (audit)"
    ]
    assert _layer_violations({"lockaudit.inputs.load": {"lockaudit.index.client"}})  # peers
    assert not _layer_violations({"lockaudit.audit.engine": {"lockaudit.model"}})


def _layer_violations(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, edges in graph.items():
        own = layer_of(module)
        if own is None:
            continue
        for target in sorted(edges):
            theirs = layer_of(target)
            if theirs is None or theirs == own or (module, target) in LAYER_EXCEPTIONS:
                continue
            if LAYERS[theirs][0] >= LAYERS[own][0]:
                found.append(f"{module} ({own}) imports {target} ({theirs})")
    return found


def test_modules_import_only_from_their_layer_and_below() -> None:
    found = _layer_violations(import_graph())
    assert not found, "imports against the layers of docs/architecture.md: " + "; ".join(found)
