"""pypi-simple's constants, read without importing the package.

``import pypi_simple`` pulls in pydantic and BeautifulSoup (about 0.2 s), which
a warm CLI run never needs: it only needs three string constants the library
defines (the public index address, the Accept header, the supported API
version). They are read from the installed package's source as literals; if
that ever fails, the package is imported after all.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path

_NAMES = ("PYPI_SIMPLE_ENDPOINT", "ACCEPT_JSON_PREFERRED", "SUPPORTED_REPOSITORY_VERSION")


@functools.cache
def constants() -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        spec = importlib.util.find_spec("pypi_simple")
        if spec is not None and spec.origin:
            tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
            for node in tree.body:
                target = node.target if isinstance(node, ast.AnnAssign) else (
                    node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
                )
                text = _literal(getattr(node, "value", None))
                if isinstance(target, ast.Name) and target.id in _NAMES and text is not None:
                    found[target.id] = text
    except (OSError, SyntaxError, ValueError):
        found = {}
    if set(found) != set(_NAMES):
        import pypi_simple

        found = {name: getattr(pypi_simple, name) for name in _NAMES}
    return found


def _literal(node: ast.AST | None) -> str | None:
    """A string literal, or ``"sep".join([literals])`` as the library writes its Accept header."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], (ast.List, ast.Tuple))
    ):
        sep = _literal(node.func.value)
        parts = [_literal(e) for e in node.args[0].elts]
        if sep is not None and all(p is not None for p in parts):
            return sep.join(parts)  # type: ignore[arg-type]
    return None


def module():  # type: ignore[no-untyped-def]
    """The package itself, for parsing HTML pages and file names (imported on first use)."""
    import pypi_simple

    return pypi_simple
