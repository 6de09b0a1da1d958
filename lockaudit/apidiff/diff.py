"""lockaudit's diff rules over two API summaries (pure: no I/O, no griffe).

What is compared, for every public path of the old version:

- gone from the new one: removed, or moved (still importable elsewhere), or
  renamed (the one new name in the same module with the same signature);
  removed modules are reported once, not once per name in them;
- a function's or a constructor's parameters, as griffe's
  ``find_breaking_changes`` compares them: removed, renamed (same place,
  kind and default, other name), moved, made keyword-only / positional-only,
  made required, added as required, and changed defaults;
- new deprecations (a warning or a ``@deprecated`` the old version did not have);
- a class's public members, recursively;
- and for the distribution: removed public modules and entry points, a
  changed Requires-Python.

Known noise is suppressed, with the reason kept: a stub's ``...`` default,
names rebound to builtins, members that may now be inherited from a base
outside the wheel, names a module ``__getattr__`` still serves, removals under
a module the new version's loader could not read, parameters that ``**kwargs``
/ ``*args`` still accept. Low-confidence kinds are labelled: a default changed
to ``None`` (often "inherit the setting"), one sentinel or named constant
replaced by another (its value is not compared), a removal that a module
``__getattr__`` of unknown reach may still serve.

Each object is compared once, under its best public path: exported names
(``__all__``, ``pkg.X``) first, then the shortest.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator

from .changes import ApiChange, ApiDiff
from .model import KIND_CLASS, KIND_EXTERNAL, KIND_FUNCTION, KIND_MODULE, KIND_UNRESOLVED, ApiObject, ApiSummary, Param

__all__ = ["diff_summaries"]

_POSITIONAL = frozenset({"po", "pk"})
_VARIADIC = frozenset({"vp", "vk"})
_OPAQUE = frozenset({KIND_EXTERNAL, KIND_UNRESOLVED})
_SENTINEL_WORDS = re.compile(
    r"missing|sentinel|unset|notset|nothing|default|not_?given|marker|undefined|empty|_?no_?value", re.I
)
_NAME = re.compile(r"^[A-Za-z_][\w.]*(\(\))?$")


# --------------------------------------------------------------------------- values


@functools.lru_cache(maxsize=8192)
def _literal(text: str) -> tuple[bool, object]:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None
    return True, (type(value).__name__, repr(value))


def _same_value(old: str, new: str) -> bool:
    """Whether two defaults are the same value written differently (``'a'`` / ``"a"``, ``1_000`` / ``1000``)."""
    if old == new:
        return True
    ok_old, a = _literal(old)
    ok_new, b = _literal(new)
    return ok_old and ok_new and a == b


def _sentinel(text: str) -> bool:
    """A named marker or constant (``_MISSING``, ``NOT_GIVEN``, ``DEFAULT_LIMITS``), not a literal."""
    if text in ("None", "True", "False", "...") or not _NAME.match(text):
        return False
    last = text.removesuffix("()").rsplit(".", 1)[-1]
    return last.startswith("_") or last.isupper() or bool(_SENTINEL_WORDS.search(last))


# --------------------------------------------------------------------------- the walk


class _Differ:
    def __init__(self, old: ApiSummary, new: ApiSummary) -> None:
        self.old = old
        self.new = new
        self.changes: list[ApiChange] = []
        self.suppressed: list[ApiChange] = []
        self._seen: set[tuple[str, str]] = set()
        self._old_members: dict[int, tuple[dict[str, str], bool]] = {}
        self._new_members: dict[int, tuple[dict[str, str], bool]] = {}
        self._new_paths: dict[str, list[str]] = {}
        for path, canonical in new.exposed.items():
            self._new_paths.setdefault(canonical, []).append(path)

    # -- output

    def report(self, change: ApiChange) -> None:
        self.changes.append(change)

    def suppress(self, change: ApiChange, reason: str) -> None:
        self.suppressed.append(
            ApiChange(
                change.kind, change.path, change.parameter, change.old, change.new, "high", reason, change.exported
            )
        )

    # -- ranking

    def ranked_paths(self) -> list[str]:
        exported = self.old.exported
        return sorted(self.old.exposed, key=lambda p: (p not in exported, p.count("."), p))

    def failed_below(self, path: str) -> str | None:
        """The unreadable module of the new version that ``path`` lies in, if any."""
        parts = path.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            if prefix in self.new.failed:
                return prefix
        return None

    # -- the distribution

    def distribution(self) -> set[str]:
        """Requires-Python, entry points and removed modules; returns the removed modules."""
        old_rp, new_rp = self.old.requires_python, self.new.requires_python
        if _normal_specifier(old_rp) != _normal_specifier(new_rp):
            self.report(ApiChange("requires-python-changed", self.new.name, old=old_rp, new=new_rp, exported=True))
        for group, entries in sorted(self.old.entry_points.items()):
            kept = self.new.entry_points.get(group, {})
            for name in sorted(entries):
                if name not in kept:
                    self.report(ApiChange("entry-point-removed", f"{group}:{name}", old=entries[name], exported=True))
        old_modules = {p for p, c in self.old.exposed.items() if p == c and self._kind(self.old, c) == KIND_MODULE}
        new_modules = {p for p, c in self.new.exposed.items() if p == c and self._kind(self.new, c) == KIND_MODULE}
        removed = old_modules - new_modules
        for module in sorted(removed):
            parent, _, name = module.rpartition(".")
            if parent in removed:
                continue  # reported with its parent
            change = ApiChange("module-removed", module, exported=module.count(".") <= 1)
            failed = self.failed_below(module)
            forwards = self._forwards(parent)
            if failed is not None:
                self.suppress(change, f"the new version's {failed} could not be read")
            elif forwards is not None and name in forwards[0]:
                self.suppress(change, f"{parent}.__getattr__ still serves it")
            else:
                self.report(change)
        return removed

    @staticmethod
    def _kind(summary: ApiSummary, canonical: str) -> str:
        obj = summary.objects.get(canonical)
        return obj.kind if obj is not None else KIND_UNRESOLVED

    def _module_names(self, module: str) -> frozenset[str]:
        obj = self.new.objects.get(self.new.exposed.get(module, module))
        if obj is None or obj.kind != KIND_MODULE:
            return frozenset()
        return obj.names or frozenset()

    def _forwards(self, module: str) -> tuple[tuple[str, ...], bool] | None:
        obj = self.new.objects.get(self.new.exposed.get(module, module))
        if obj is None or obj.kind != KIND_MODULE or obj.forwards is None:
            return None
        return obj.forwards, obj.forward_warns

    # -- names

    def names(self, removed_modules: set[str]) -> None:
        gone: list[tuple[str, str, ApiObject]] = []
        for path in self.ranked_paths():
            canonical = self.old.exposed[path]
            if path == canonical and self._kind(self.old, canonical) == KIND_MODULE:
                continue  # modules: see distribution()
            parent = path.rpartition(".")[0]
            if removed_modules and _under(parent, removed_modules):
                continue
            old_obj = self.old.objects.get(canonical)
            if old_obj is None:
                continue
            exported = path in self.old.exported
            new_canonical = self.new.exposed.get(path)
            if new_canonical is None:
                gone.append((path, canonical, old_obj))
                continue
            new_obj = self.new.objects.get(new_canonical)
            if new_obj is not None:
                self.compare(path, canonical, old_obj, new_canonical, new_obj, exported)
        self.removals(gone)

    def removals(self, gone: list[tuple[str, str, ApiObject]]) -> None:
        added: dict[str, list[tuple[str, str]]] = {}
        for p, c in self.new.exposed.items():
            if p not in self.old.exposed:
                added.setdefault(p.rpartition(".")[0], []).append((p, c))
        for path, canonical, old_obj in gone:
            exported = path in self.old.exported
            parent, _, name = path.rpartition(".")
            change = ApiChange("object-removed", path, old=old_obj.kind, exported=exported)
            failed = self.failed_below(path)
            forwards = self._forwards(parent)
            if old_obj.builtin:
                self.suppress(change, "a builtin rebound under this name")
                continue
            if name in self._module_names(parent):
                self.suppress(change, f"still in {parent}, no longer listed as public (__all__)")
                continue
            if failed is not None:
                self.suppress(change, f"the new version's {failed} could not be read")
                continue
            if forwards is not None and name in forwards[0]:
                if forwards[1]:
                    self.report(
                        ApiChange(
                            "deprecated", path, new=f"served by {parent}.__getattr__, which warns", exported=exported
                        )
                    )
                else:
                    self.suppress(change, f"{parent}.__getattr__ still serves it")
                continue
            still = [p for p in self._new_paths.get(canonical, ()) if p != path]
            if still:
                best = min(still, key=lambda p: (p not in self.new.exported, p.count("."), p))
                self.report(ApiChange("object-moved", path, old=old_obj.kind, new=best, exported=exported))
                continue
            renamed = self._renamed(parent, old_obj, added)
            if renamed is not None:
                self.report(ApiChange("object-renamed", path, old=name, new=renamed, exported=exported))
                continue
            if forwards is not None and forwards[0] == ("*",):
                self.report(
                    ApiChange(
                        "object-removed", path, old=old_obj.kind, confidence="low",
                        note=f"{parent}.__getattr__ may still serve it", exported=exported,
                    )
                )  # fmt: skip
                continue
            self.report(change)

    def _renamed(self, parent: str, old_obj: ApiObject, added: dict[str, list[tuple[str, str]]]) -> str | None:
        """The one new name in the same module with the same kind and (non-empty) signature."""
        if old_obj.kind not in (KIND_FUNCTION, KIND_CLASS) or not old_obj.params:
            return None
        found = [
            p
            for p, c in added.get(parent, ())
            if (o := self.new.objects.get(c)) is not None and o.kind == old_obj.kind and o.params == old_obj.params
        ]
        return found[0] if len(found) == 1 else None

    # -- objects

    def compare(self, path: str, old_c: str, old: ApiObject, new_c: str, new: ApiObject, exported: bool) -> None:
        key = (old_c, new_c)
        if key in self._seen:
            return
        self._seen.add(key)
        if old.kind in _OPAQUE or new.kind in _OPAQUE:
            return  # what it is cannot be known: nothing to compare
        if old.kind != new.kind:
            if old.builtin or new.builtin:
                return
            self.report(ApiChange("kind-changed", path, old=old.kind, new=new.kind, exported=exported))
            return
        if new.deprecated is not None and old.deprecated is None:
            self.report(ApiChange("deprecated", path, new=new.deprecated, exported=exported))
        if old.params is not None and new.params is not None:
            for change in _parameters(path, old.params, new.params, exported):
                if change.note and change.confidence == "high":
                    self.suppress(change, change.note)
                else:
                    self.report(change)
        if old.kind == KIND_CLASS:
            self.members(path, old, new, exported)

    @staticmethod
    def _all_members(
        summary: ApiSummary, obj: ApiObject, cache: dict[int, tuple[dict[str, str], bool]]
    ) -> tuple[dict[str, str], bool]:
        """A class's public members, inherited ones included (the first in its MRO wins, as
        Python looks them up), and whether any class in its MRO has bases outside the wheel."""
        found = cache.get(id(obj))
        if found is not None:
            return found
        members = dict(obj.members or {})
        external = obj.external_bases
        for base_path in obj.mro or ():
            base = summary.objects.get(base_path)
            if base is None:
                continue
            external = external or base.external_bases
            for name, canonical in (base.members or {}).items():
                members.setdefault(name, canonical)
        cache[id(obj)] = (members, external)
        return members, external

    def members(self, path: str, old: ApiObject, new: ApiObject, exported: bool) -> None:
        old_members, _ = self._all_members(self.old, old, self._old_members)
        new_members, new_external = self._all_members(self.new, new, self._new_members)
        for name, old_mc in sorted(old_members.items()):
            member_path = f"{path}.{name}"
            old_obj = self.old.objects.get(old_mc)
            if old_obj is None:
                continue
            new_mc = new_members.get(name)
            if new_mc is None:
                change = ApiChange("object-removed", member_path, old=old_obj.kind, exported=exported)
                if new_external:
                    self.suppress(change, "may be inherited from a base class outside the package")
                elif old_obj.builtin:
                    self.suppress(change, "a builtin rebound under this name")
                else:
                    self.report(change)
                continue
            new_obj = self.new.objects.get(new_mc)
            if new_obj is not None:
                self.compare(member_path, old_mc, old_obj, new_mc, new_obj, exported)


def _under(module: str, modules: set[str]) -> bool:
    """Whether ``module`` is one of ``modules`` or lies below one."""
    while module:
        if module in modules:
            return True
        module = module.rpartition(".")[0]
    return False


def _normal_specifier(text: str | None) -> str:
    if not text:
        return ""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return str(SpecifierSet(text))
    except InvalidSpecifier:
        return " ".join(text.split())


def _parameters(path: str, old: tuple[Param, ...], new: tuple[Param, ...], exported: bool) -> Iterator[ApiChange]:
    """Parameter changes, as griffe's find_breaking_changes finds them, with lockaudit's
    noise rules: a change carrying a ``note`` with high confidence is noise to suppress."""
    new_index: dict[str, tuple[int, Param]] = {}
    for i, p in enumerate(new):
        new_index.setdefault(p.name, (i, p))
    old_names = {p.name for p in old}
    kinds = {p.kind for p in new}
    has_args, has_kwargs = "vp" in kinds, "vk" in kinds
    renamed_to: set[str] = set()

    def change(
        kind: str, param: str, old_value: str | None = None, new_value: str | None = None, **kw: str
    ) -> ApiChange:
        return ApiChange(kind, path, param, old_value, new_value, exported=exported, **kw)

    for i, op in enumerate(old):
        found = new_index.get(op.name)
        if found is None:
            swallowed = (
                (op.kind == "ko" and has_kwargs)
                or (op.kind == "po" and has_args)
                or (op.kind == "pk" and has_args and has_kwargs)
            )
            if swallowed:
                yield change("parameter-removed", op.name, note="still accepted by *args/**kwargs")
                continue
            twin = new[i] if i < len(new) else None
            if (
                twin is not None
                and twin.name not in old_names
                and twin.kind == op.kind
                and op.kind not in _VARIADIC
                and (
                    twin.default == op.default
                    or (twin.default and op.default and _same_value(op.default, twin.default))
                )
            ):
                renamed_to.add(twin.name)
                if op.kind == "po":
                    yield change(
                        "parameter-renamed",
                        op.name,
                        op.name,
                        twin.name,
                        note="positional-only: its name is not part of the call",
                    )
                else:
                    yield change("parameter-renamed", op.name, op.name, twin.name)
                continue
            yield change("parameter-removed", op.name)
            continue
        j, np = found
        if np.required and not op.required:
            yield change("parameter-required", op.name, op.default, None)
        if op.kind in _POSITIONAL and np.kind in _POSITIONAL and i != j:
            yield change("parameter-moved", op.name, str(i), str(j))
        if op.kind != np.kind and _incompatible_kind(op.kind, np.kind, has_args, has_kwargs):
            yield change("parameter-kind-changed", op.name, op.kind, np.kind)
        if op.kind in _VARIADIC or np.kind in _VARIADIC or op.default is None or np.default is None:
            continue
        if _same_value(op.default, np.default):
            continue
        if op.default == "..." or np.default == "...":
            yield change(
                "default-changed", op.name, op.default, np.default, note="a stub's ... stands for the real default"
            )
        elif np.default == "None":
            yield change(
                "default-changed",
                op.name,
                op.default,
                np.default,
                confidence="low",
                note="None often means 'inherit the setting'",
            )
        elif _sentinel(op.default) and _sentinel(np.default):
            yield change(
                "default-changed",
                op.name,
                op.default,
                np.default,
                confidence="low",
                note="one named marker or constant for another; values not compared",
            )
        else:
            yield change("default-changed", op.name, op.default, np.default)
    for p in new:
        if p.name not in old_names and p.name not in renamed_to and p.required:
            yield change("parameter-added-required", p.name)


def _incompatible_kind(old: str, new: str, has_args: bool, has_kwargs: bool) -> bool:
    """griffe's rule: which kind changes break a call that worked."""
    return (
        (old == "po" and new == "ko")
        or (old == "ko" and new == "po")
        or (old == "pk" and new in ("po", "ko"))
        or (new == "vk" and old != "ko" and not has_args)
        or (new == "vp" and old != "po" and not has_kwargs)
    )


def _sort_key(c: ApiChange) -> tuple[int, int, int, str, str]:
    """Sure changes first, then exported names (``__all__``, ``pkg.X``), then the shortest paths."""
    return (1 if c.low_confidence else 0, 0 if c.exported else 1, c.path.count("."), c.path, c.parameter or "")


def diff_summaries(old: ApiSummary, new: ApiSummary) -> ApiDiff:
    """The changes from ``old`` to ``new`` (two summaries of the same package)."""
    differ = _Differ(old, new)
    removed = differ.distribution()
    differ.names(removed)
    return ApiDiff(
        package=new.name or old.name,
        old_version=old.version,
        new_version=new.version,
        old_wheel=old.filename,
        new_wheel=new.filename,
        changes=tuple(sorted(differ.changes, key=_sort_key)),
        suppressed=tuple(sorted(differ.suppressed, key=_sort_key)),
        old_counts=old.counts(),
        new_counts=new.counts(),
    )
