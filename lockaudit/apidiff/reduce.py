"""A loaded griffe tree reduced to an :class:`~lockaudit.apidiff.model.ApiSummary`.

Runs in the analysis subprocess only (the one place griffe is imported).
"Public" follows the package as users import it: from every public top-level
package down through its modules, a name is public when the module's
``__all__`` lists it, or, without an ``__all__``, when it has no leading
underscore and is defined in the package or re-exported from inside the wheel
(``from .sessions import Session`` in ``requests/__init__.py``); imports of
other distributions are not its API. Modules named ``_x``, ``tests``,
``vendor``... and everything below them are not public. Aliases are followed
to the object they name, through any chain of re-exports (intermediate
packages included); a chain that cycles or ends outside what was loaded is
kept as "unresolved", never guessed.
"""

from __future__ import annotations

import builtins
import re
import time
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .model import (
    KIND_ATTRIBUTE,
    KIND_CLASS,
    KIND_EXTERNAL,
    KIND_FUNCTION,
    KIND_MODULE,
    KIND_UNRESOLVED,
    ApiObject,
    ApiSummary,
    Param,
)
from .scan import ModuleScan, scan_source
from .wheel import private_part, public_root

__all__ = ["UnreadablePackage", "summarize_tree"]


class UnreadablePackage(Exception):
    """A public top-level package the static loader could not read at all."""


#: Special methods whose removal changes what users can do with instances.
PROTOCOL_METHODS = frozenset(
    {
        "__call__", "__iter__", "__aiter__", "__next__", "__anext__", "__len__", "__getitem__",
        "__setitem__", "__delitem__", "__contains__", "__enter__", "__exit__", "__aenter__",
        "__aexit__", "__await__",
    }
)  # fmt: skip
#: Bases every class may have without inheriting API from outside the wheel.
_NEUTRAL_BASES = frozenset({"object", "Generic", "Protocol", "ABC", "typing.Generic", "typing.Protocol", "abc.ABC"})
_BUILTINS = frozenset(dir(builtins))
_TYPE_HELPERS = frozenset({"TypeVar", "ParamSpec", "TypeVarTuple", "NewType"})
#: Subscripted typing names (``Union[...]``, ``t.Callable[...]``): a type alias, not a value.
_TYPING_NAMES = frozenset(n for n in dir(typing) if n[:1].isupper()) | {
    "type",
    "tuple",
    "list",
    "dict",
    "set",
    "frozenset",
}
#: Names that are builtins but values, not rebindings of a builtin.
_CONSTANTS = frozenset({"True", "False", "None", "Ellipsis", "NotImplemented", "__debug__"})
_KIND = {
    "positional-only": "po",
    "positional or keyword": "pk",
    "variadic positional": "vp",
    "keyword-only": "ko",
    "variadic keyword": "vk",
}


class _Reducer:
    def __init__(self, loader: Any, tops: Iterable[str], root: Path) -> None:
        import griffe

        self.griffe = griffe
        self.errors = (griffe.AliasResolutionError, griffe.CyclicAliasError)
        self.loader = loader
        self.tops = frozenset(tops)
        self.root = root
        self.objects: dict[str, ApiObject] = {}
        self.exposed: dict[str, str] = {}
        self.exported: set[str] = set()
        self.failed: dict[str, str] = {}
        self._scans: dict[str, ModuleScan] = {}

    # -- helpers

    def internal(self, path: str) -> bool:
        return path.split(".", 1)[0] in self.tops

    def scan(self, module: Any) -> ModuleScan:
        """The source scan of a module (its .py and .pyi together)."""
        found = self._scans.get(module.path)
        if found is not None:
            return found
        merged = ModuleScan()
        paths = module.filepath if isinstance(module.filepath, list) else [module.filepath]
        seen: set[Path] = set()
        for path in paths:
            if path is None:
                continue
            base = Path(path)
            for candidate in (base.with_suffix(".py"), base.with_suffix(".pyi")):
                if candidate in seen or not candidate.is_file():
                    continue
                seen.add(candidate)
                one = scan_source(candidate.read_bytes())
                for k, v in one.deprecations.items():
                    merged.deprecations.setdefault(k, v)
                if one.forwards is not None and merged.forwards is None:
                    merged.forwards, merged.forward_warns = one.forwards, one.forward_warns
                if candidate.suffix == ".py":
                    merged.type_checking = one.type_checking
        self._scans[module.path] = merged
        return merged

    def deprecation(self, obj: Any) -> str | None:
        module = obj.module
        qualname = obj.path[len(module.path) + 1 :]
        return self.scan(module).deprecations.get(qualname)

    def resolve(self, alias: Any) -> tuple[str, Any | None]:
        """``(canonical path, target object or None)`` for an alias."""
        try:
            target = alias.final_target
        except self.errors:
            return alias.target_path, None
        except RecursionError:
            return alias.target_path, None
        return target.path, target

    def params(self, function: Any, drop_first: bool) -> tuple[Param, ...]:
        out = [
            Param(p.name, _KIND.get(str(p.kind.value), "pk"), None if p.default is None else str(p.default))
            for p in function.parameters
        ]
        if drop_first and out and out[0].kind in ("po", "pk"):
            out = out[1:]
        return tuple(out)

    # -- objects

    def add(self, obj: Any) -> str:
        """Record a (non-alias) object and what it leads to; returns its canonical path."""
        path = obj.path
        if path in self.objects:
            return path
        self.objects[path] = ApiObject(KIND_UNRESOLVED, target=path)  # a placeholder against cycles
        try:
            self.objects[path] = self._describe(obj)
        except MemoryError:
            raise  # the limit: the whole analysis fails, never a partial summary
        except Exception as exc:
            self.failed[path] = f"{type(exc).__name__}: {exc}"
        return path

    def _describe(self, obj: Any) -> ApiObject:
        if obj.is_module:
            scan = self.scan(obj)
            names = frozenset(n for n, m in obj.members.items() if m.runtime and n not in scan.type_checking)
            return ApiObject(KIND_MODULE, forwards=scan.forwards, forward_warns=scan.forward_warns, names=names)
        if obj.is_function:
            if "property" in obj.labels:
                return ApiObject(KIND_ATTRIBUTE, deprecated=self.deprecation(obj))
            method = obj.parent is not None and obj.parent.is_class and "staticmethod" not in obj.labels
            return ApiObject(KIND_FUNCTION, self.params(obj, method), self.deprecation(obj))
        if obj.is_class:
            return self._class(obj)
        if obj.is_attribute:
            value = obj.value
            text = str(value) if value is not None else ""
            return ApiObject(KIND_ATTRIBUTE, builtin=text in _BUILTINS and text not in _CONSTANTS)
        return ApiObject(KIND_ATTRIBUTE)  # type aliases and the like

    def _class(self, cls: Any) -> ApiObject:
        try:
            mro = cls.mro()
        except (ValueError, RecursionError, *self.errors):
            mro = []  # an inheritance cycle, or bases griffe cannot order: own members only
        # Only the wheel's own modules are loaded: a base that does not resolve
        # is outside it (or not static), and members may come from there.
        external = self._external_bases(cls)
        deprecated = self.deprecation(cls)
        init = next((c.members["__init__"] for c in (cls, *mro) if "__init__" in c.members), None)
        params: tuple[Param, ...] | None
        if init is not None:
            init_obj = init
            if init.is_alias:
                _, init_obj = self.resolve(init)
            if init_obj is not None and init_obj.is_function:
                params = self.params(init_obj, True)
                if deprecated is None and init_obj.parent is cls:
                    deprecated = self.deprecation(init_obj)
            else:
                params = None
        else:
            params = None if external or any(self._external_bases(c) for c in mro) else ()
        # Own members only; inherited ones are the bases' (``mro``), joined by the diff.
        public: dict[str, str] = {}
        for name, member in cls.members.items():
            if name in ("__init__", "__new__") or (name.startswith("_") and name not in PROTOCOL_METHODS):
                continue
            if member.is_alias:
                canonical, target = self.resolve(member)
                if target is not None:
                    self.add(target)
                elif canonical not in self.objects:
                    kind = KIND_UNRESOLVED if self.internal(canonical) else KIND_EXTERNAL
                    self.objects[canonical] = ApiObject(kind, target=canonical)
            else:
                canonical = self.add(member)
            public[name] = canonical
        bases = tuple(self.add(base) for base in mro)
        return ApiObject(KIND_CLASS, params, deprecated, members=public, external_bases=external, mro=bases or None)

    @staticmethod
    def _external_bases(cls: Any) -> bool:
        own_bases = [b for b in cls.bases if str(b).split("[", 1)[0] not in _NEUTRAL_BASES]
        return len(cls.resolved_bases) < len(own_bases)

    # -- modules

    def expose(self, path: str, canonical: str, exported: bool) -> None:
        self.exposed.setdefault(path, canonical)
        if exported:
            self.exported.add(path)

    def walk(self, module: Any, top_level: bool) -> None:
        self.expose(module.path, self.add(module), top_level)
        try:
            exports = module.exports
        except Exception:
            exports = None
        names = None if exports is None else {str(e).rsplit(".", 1)[-1] for e in exports}
        type_only = self.scan(module).type_checking
        for name, member in list(module.members.items()):
            if not member.runtime or (member.is_alias and name in type_only):
                continue  # only under ``if TYPE_CHECKING:``: not there at run time
            path = f"{module.path}.{name}"
            listed = names is not None and name in names
            if not member.is_alias and member.is_module:
                if not private_part(name):
                    self.walk(member, False)
                continue
            if name.startswith("__") and name.endswith("__") and name != "__version__" and not listed:
                continue
            if names is not None and not listed:
                continue
            if names is None and name.startswith("_") and name != "__version__":
                continue
            exported = listed or top_level
            if member.is_alias:
                canonical, target = self.resolve(member)
                if not listed and (not module.is_init_module or (target is not None and target.is_module)):
                    # Without __all__, only a package's __init__ re-exports (``from .sessions
                    # import Session``); a plain module's imports are its implementation.
                    continue
                if target is not None and self.internal(canonical):
                    self.expose(path, self.add(target), exported)
                elif listed or self.internal(member.target_path):
                    # Listed in __all__ (whatever it names), or a chain inside the wheel that could not be followed.
                    if canonical not in self.objects:
                        kind = KIND_UNRESOLVED if self.internal(canonical) else KIND_EXTERNAL
                        builtin = canonical.startswith("builtins.")
                        self.objects[canonical] = ApiObject(kind, builtin=builtin, target=canonical)
                    self.expose(path, canonical, exported)
                continue
            if not listed and _typing_helper(member):
                continue
            self.expose(path, self.add(member), exported)


def _typing_helper(obj: Any) -> bool:
    """``T = TypeVar("T")``, ``HV = Union[str, int]``, ``type X = ...``: typing helpers, not API."""
    if getattr(obj, "is_type_alias", False):
        return True
    if not obj.is_attribute or obj.value is None:
        return False
    if "TypeAlias" in str(obj.annotation or ""):
        return True
    text = str(obj.value)
    head = re.split(r"[\[(]", text, maxsplit=1)[0].rsplit(".", 1)[-1]
    return head in _TYPE_HELPERS or (text.endswith("]") and head in _TYPING_NAMES)


def _requires_python(metadata: bytes | None) -> str | None:
    if not metadata:
        return None
    import email.parser
    import email.policy

    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(metadata, headersonly=True)
    value = msg.get("Requires-Python")
    return " ".join(str(value).split()) if value else None


def _entry_points(text: str | None) -> dict[str, dict[str, str]]:
    if not text:
        return {}
    import configparser

    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=False)
    # configparser's documented way to keep the keys' case; typeshed types it as a method.
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    return {section: {k: " ".join(v.split()) for k, v in parser.items(section)} for section in parser.sections()}


def summarize_tree(
    root: Path,
    top_levels: Iterable[str],
    *,
    name: str,
    version: str,
    filename: str,
    sha256: str,
    metadata: bytes | None,
    entry_points: str | None,
) -> ApiSummary:
    """Load the sources below ``root`` statically and reduce them to a summary."""
    import griffe

    start = time.perf_counter()
    tops = tuple(top_levels)
    loader = griffe.GriffeLoader(search_paths=[str(root)], allow_inspection=False, store_source=False)
    reducer = _Reducer(loader, tops, root)
    loaded = []
    for top in tops:
        try:
            loaded.append((top, loader.load(top)))
        except MemoryError:
            raise
        except Exception as exc:
            if public_root(top):
                # A public package that cannot be read: no summary rather than an empty API.
                raise UnreadablePackage(f"{top} could not be read: {type(exc).__name__}: {exc}") from exc
            reducer.failed[top] = f"{type(exc).__name__}: {exc}"
    for top, module in loaded:
        if public_root(top):
            reducer.walk(module, True)
    return ApiSummary(
        name=name,
        version=version,
        filename=filename,
        sha256=sha256,
        requires_python=_requires_python(metadata),
        objects=reducer.objects,
        exposed=reducer.exposed,
        exported=frozenset(reducer.exported),
        entry_points=_entry_points(entry_points),
        failed=reducer.failed,
        seconds=round(time.perf_counter() - start, 4),
    )
