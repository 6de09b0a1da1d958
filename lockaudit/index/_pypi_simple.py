"""pypi-simple's constants, read without importing the package.

The default index address must come from a well-kept client library's own
constant (lockaudit never spells a public registry's host out), and pypi-simple
defines it, with the Accept header and the API version it supports. But
``import pypi_simple`` pulls in pydantic and BeautifulSoup: 0.16-0.25 s on a
warm run that needs none of them (benchmarks/README.md). So the three string
constants are read from the installed package's source as literals.

That is a reading of another project's source, not its API: pyproject.toml pins
the pypi-simple version it was checked against (:data:`CHECKED_VERSION`). With
any other version, or a source that does not hold the three literals, the
package is imported after all (same values, slower). Which way they were read
is logged at debug level.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import logging
from pathlib import Path
from types import ModuleType

__all__ = ["CHECKED_VERSION", "constants", "module"]

logger = logging.getLogger(__name__)

_NAMES = ("PYPI_SIMPLE_ENDPOINT", "ACCEPT_JSON_PREFERRED", "SUPPORTED_REPOSITORY_VERSION")
#: The pypi-simple whose source holds the constants as literals (pinned in pyproject.toml).
CHECKED_VERSION = "1.8.0"


@functools.cache
def constants() -> dict[str, str]:
    """``PYPI_SIMPLE_ENDPOINT``, ``ACCEPT_JSON_PREFERRED`` and ``SUPPORTED_REPOSITORY_VERSION``."""
    found, why = _from_source()
    if found is not None:
        logger.debug("pypi-simple %s: its constants read from its source", CHECKED_VERSION)
        return found
    import pypi_simple

    logger.debug("pypi-simple imported for its constants: %s", why)
    return {name: getattr(pypi_simple, name) for name in _NAMES}


def _from_source() -> tuple[dict[str, str] | None, str]:
    """The constants as the checked version's source writes them, or None and why not."""
    try:
        spec = importlib.util.find_spec("pypi_simple")
        if spec is None or not spec.origin:
            return None, "its source was not found"
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    except (ImportError, OSError, SyntaxError, ValueError) as exc:
        return None, f"its source could not be read ({type(exc).__name__})"
    found: dict[str, str] = {}
    version: str | None = None
    for node in tree.body:
        if isinstance(node, ast.AnnAssign):
            target: ast.expr | None = node.target
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "__version__":
            version = _literal(node.value)
        elif isinstance(target, ast.Name) and target.id in _NAMES:
            text = _literal(node.value)
            if text is None:
                return None, f"{target.id} is not a literal in its source"
            found[target.id] = text
    if version != CHECKED_VERSION:
        return None, f"version {version}, not the {CHECKED_VERSION} its source was checked against"
    missing = sorted(set(_NAMES) - set(found))
    if missing:
        return None, f"{', '.join(missing)} not found in its source"
    return found, ""


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
            return sep.join(p for p in parts if p is not None)
    return None


def module() -> ModuleType:
    """The package itself, for parsing HTML pages and file names (imported on first use)."""
    import pypi_simple

    return pypi_simple
