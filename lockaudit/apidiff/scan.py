"""What griffe does not record, read from a module's source with ``ast``:

- deprecations: a function that calls ``warnings.warn(..., DeprecationWarning)``
  (or PendingDeprecationWarning, FutureWarning, a ``*Deprecation*`` warning
  class, a ``Removed*`` one) in its own body, or a deprecation helper
  (``warn_deprecated(...)``), or is decorated with ``@deprecated`` in any
  spelling (``warnings.deprecated``, ``typing_extensions.deprecated``, the
  Deprecated package's);
- a module-level ``__getattr__``: which names it serves (the string constants
  it compares with or looks up, directly or through module-level dicts and
  lists it reads), and whether it warns while doing so.

Static only: the source is parsed, never executed. Runs in the analysis
subprocess.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

__all__ = ["ModuleScan", "scan_source"]

#: Warning categories that announce a removal.
_CATEGORY = re.compile(r"deprecat|^futurewarning$|^removed", re.IGNORECASE)
#: Helpers and decorators that deprecate (``deprecated``, ``warn_deprecated``, ``_deprecate_positional``).
_HELPER = re.compile(r"deprecat", re.IGNORECASE)
#: Functions that are themselves deprecation helpers: their warnings are not theirs.
_HELPER_NAME = re.compile(r"deprecat|warn", re.IGNORECASE)
_MAX_MESSAGE = 200


@dataclass(slots=True)
class ModuleScan:
    #: Qualified name in the module (``f``, ``Class.method``) -> the deprecation's message ("" if none).
    deprecations: dict[str, str] = field(default_factory=dict)
    #: Names a module ``__getattr__`` serves; ``("*",)`` when that cannot be told; None without one.
    forwards: tuple[str, ...] | None = None
    forward_warns: bool = False
    #: Names bound only under ``if TYPE_CHECKING:`` (any spelling: ``t.TYPE_CHECKING`` too).
    type_checking: frozenset[str] = frozenset()


def _last_name(node: ast.expr) -> str:
    """``warnings.warn`` -> ``warn``; ``deprecated("x")`` -> ``deprecated``; else ""."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _text(node: ast.expr | None) -> str:
    """A message argument as text: a constant, an f-string with ``{...}`` holes, or ""."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{...}" for v in node.values
        )
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        text = _text(node.left)
    else:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _deprecation_call(call: ast.Call) -> str | None:
    """The message when ``call`` raises a deprecation warning, else None."""
    name = _last_name(call.func)
    if name == "warn":
        category: ast.expr | None = call.args[1] if len(call.args) > 1 else None
        for kw in call.keywords:
            if kw.arg == "category":
                category = kw.value
        if category is not None and _CATEGORY.search(_last_name(category)):
            return _text(call.args[0] if call.args else None)
        return None
    if _HELPER.search(name):
        first = next((a for a in call.args if _text(a)), None)
        return _text(first)
    return None


def _own_calls(body: list[ast.stmt]) -> list[ast.Call]:
    """Calls in a function's own body, not in functions or classes nested in it."""
    out: list[ast.Call] = []
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _decorator_deprecation(decorators: list[ast.expr]) -> str | None:
    for dec in decorators:
        if _HELPER.search(_last_name(dec)):
            if isinstance(dec, ast.Call):
                first = next((a for a in dec.args if _text(a)), None)
                if first is None:
                    first = next((k.value for k in dec.keywords if k.arg in ("reason", "message", "msg")), None)
                return _text(first)
            return ""
    return None


def _function_deprecation(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    found = _decorator_deprecation(node.decorator_list)
    if found is not None:
        return found
    if _HELPER_NAME.search(node.name) and node.name != "__init__":
        return None
    for call in _own_calls(node.body):
        message = _deprecation_call(call)
        if message is not None:
            return message
    return None


def _blocks(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements of a body, with those inside if/try/with blocks at the same level."""
    out: list[ast.stmt] = []
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If):
            stack.extend(reversed(node.body + node.orelse))
        elif isinstance(node, ast.Try | ast.TryStar):
            stack.extend(
                reversed(node.body + [s for h in node.handlers for s in h.body] + node.orelse + node.finalbody)
            )
        elif isinstance(node, ast.With):
            stack.extend(reversed(node.body))
        else:
            out.append(node)
    return out


def _scan_body(body: list[ast.stmt], prefix: str, out: dict[str, str]) -> None:
    for node in _blocks(body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            message = _function_deprecation(node)
            if message is not None:
                out.setdefault(prefix + node.name, message)
        elif isinstance(node, ast.ClassDef):
            message = _decorator_deprecation(node.decorator_list)
            if message is not None:
                out.setdefault(prefix + node.name, message)
            _scan_body(node.body, f"{prefix}{node.name}.", out)


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _forwards(module: ast.Module) -> tuple[tuple[str, ...] | None, bool]:
    statements = _blocks(module.body)
    getattr_def = next(
        (n for n in statements if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "__getattr__"),
        None,
    )
    if getattr_def is None:
        return None, False
    # Module-level containers the function reads (``_deprecated = {"old": ...}``).
    tables: dict[str, ast.expr] = {}
    for node in statements:
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.Call)):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    tables[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            tables[node.target.id] = node.value
    names = _strings(ast.Module(body=getattr_def.body, type_ignores=[]))
    for used in ast.walk(getattr_def):
        if isinstance(used, ast.Name) and used.id in tables:
            value = tables[used.id]
            names |= (
                _strings(ast.Module(body=[ast.Expr(value)], type_ignores=[]))
                if not isinstance(value, ast.Dict)
                else {k.value for k in value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            )
    names = {n for n in names if n.isidentifier()}
    warns = any(_deprecation_call(c) is not None for c in _own_calls(getattr_def.body))
    return (tuple(sorted(names)) if names else ("*",)), warns


def _bound(statements: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for node in _blocks(statements):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".", 1)[0] for a in node.names if a.name != "*"}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _type_checking_only(module: ast.Module) -> frozenset[str]:
    guarded: set[str] = set()
    elsewhere: list[ast.stmt] = []
    for node in module.body:
        if isinstance(node, ast.If) and _last_name(node.test) == "TYPE_CHECKING":
            guarded |= _bound(node.body)
            elsewhere.extend(node.orelse)
        else:
            elsewhere.append(node)
    return frozenset(guarded - _bound(elsewhere))


def scan_source(text: str | bytes) -> ModuleScan:
    """Deprecations and ``__getattr__`` forwards of one module; an unparsable one has none."""
    try:
        module = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return ModuleScan()
    scan = ModuleScan()
    _scan_body(module.body, "", scan.deprecations)
    scan.forwards, scan.forward_warns = _forwards(module)
    scan.type_checking = _type_checking_only(module)
    return scan
