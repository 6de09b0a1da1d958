"""Parity with ``griffe.find_breaking_changes``, and the cases it misses.

Each case is a small package in two versions, built into real wheels and
served by the local test index; lockaudit reads them through the whole path
(index, download, hash check, analysis subprocess, cache, diff rules). griffe
reads the same sources in this process. On what both compare (removed
objects and parameters, moved parameters, kind changes, required and added
parameters, defaults), the two must agree exactly, lockaudit's suppressed
noise included; the cases after that are the ones griffe gets wrong.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import griffe
import pytest

from lockaudit.apidiff import ApiDiff, diff_releases, find_release

# --------------------------------------------------------------------------- the packages

DEFAULTS_OLD = {
    "pdef/__init__.py": "",
    "pdef/net.py": """
def connect(host, timeout=10, retries=3, mode="fast", size=1_000, verbose=False, level=None):
    return host

class Pool:
    def __init__(self, size=4, block=False):
        self.size = size

    def get(self, timeout=None, wait=True):
        return None

_MISSING = object()
_NOTSET = object()

def fetch(url, default=_MISSING, cache="memory"):
    return url
""",
    # a compiled module's stub: the .pyi is all there is to read
    "pdef/stubbed.pyi": 'def load(path: str, encoding: str = "utf-8") -> str: ...\n',
}
DEFAULTS_NEW = {
    "pdef/__init__.py": "",
    "pdef/net.py": """
def connect(host, timeout=30, retries=3, mode='fast', size=1000, verbose=False, level=None):
    return host

class Pool:
    def __init__(self, size=4, block=True):
        self.size = size

    def get(self, timeout=None, wait=False):
        return None

_MISSING = object()
_NOTSET = object()

def fetch(url, default=_NOTSET, cache=None):
    return url
""",
    "pdef/stubbed.pyi": "def load(path: str, encoding: str = ...) -> str: ...\n",
}

REMOVALS_OLD = {
    "prem/__init__.py": "",
    "prem/api.py": """
def keep(a, b):
    return a

def gone(x):
    return x

def old_name(path, mode="r"):
    return path

def params(a, b, c=1, d=2):
    return a

class Widget:
    def __init__(self, name, colour="red"):
        self.name = name

    def draw(self, canvas):
        return canvas

    def erase(self):
        return None
""",
    "prem/legacy.py": "def shim():\n    return None\n",
    "prem/sub/__init__.py": "def helper():\n    return None\n",
    "prem/sub/deep.py": "def x():\n    return None\n",
}
REMOVALS_NEW = {
    "prem/__init__.py": "",
    "prem/api.py": """
def keep(a, b):
    return a

def new_name(path, mode="r"):
    return path

def params(a, b, c=1):
    return a

class Widget:
    def __init__(self, label, colour="red"):
        self.label = label

    def draw(self, canvas):
        return canvas
""",
}

SIGNATURES_OLD = {
    "psig/__init__.py": """
def move(a, b, c=0):
    return a

def kwonly(a, b=1, c=2):
    return a

def required(a, b=1):
    return a

def added(a):
    return a

def swallow(a, *, flag=False, **kwargs):
    return a

def posonly(a, b, /, c=1):
    return a
""",
}
SIGNATURES_NEW = {
    "psig/__init__.py": """
def move(b, a, c=0):
    return a

def kwonly(a, *, b=1, c=2):
    return a

def required(a, b):
    return a

def added(a, b):
    return a

def swallow(a, **kwargs):
    return a

def posonly(x, b, /, c=1):
    return x
""",
}

PROPERTY_OLD = {"pprop/__init__.py": "class Box:\n    def size(self):\n        return 1\n"}
PROPERTY_NEW = {"pprop/__init__.py": "class Box:\n    @property\n    def size(self):\n        return 1\n"}

PARITY = {
    "pdef": (DEFAULTS_OLD, DEFAULTS_NEW),
    "prem": (REMOVALS_OLD, REMOVALS_NEW),
    "psig": (SIGNATURES_OLD, SIGNATURES_NEW),
    "pprop": (PROPERTY_OLD, PROPERTY_NEW),
}

# --------------------------------------------------------------------------- the two readings

_GRIFFE_KINDS = {
    griffe.BreakageKind.OBJECT_REMOVED: "removed",
    griffe.BreakageKind.PARAMETER_REMOVED: "param-removed",
    griffe.BreakageKind.PARAMETER_MOVED: "moved",
    griffe.BreakageKind.PARAMETER_CHANGED_KIND: "param-kind",
    griffe.BreakageKind.PARAMETER_CHANGED_DEFAULT: "default",
    griffe.BreakageKind.PARAMETER_CHANGED_REQUIRED: "required",
    griffe.BreakageKind.PARAMETER_ADDED_REQUIRED: "added-required",
    griffe.BreakageKind.OBJECT_CHANGED_KIND: "kind",
}
_OUR_KINDS = {
    "object-removed": "removed",
    "object-renamed": "removed",
    "object-moved": "removed",
    "module-removed": "removed",
    "parameter-removed": "param-removed",
    "parameter-renamed": "param-removed",
    "parameter-moved": "moved",
    "parameter-kind-changed": "param-kind",
    "default-changed": "default",
    "parameter-required": "required",
    "parameter-added-required": "added-required",
    "kind-changed": "kind",
}


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def griffe_reading(
    tmp_path: Path, package: str, old: Mapping[str, str], new: Mapping[str, str]
) -> set[tuple[str, ...]]:
    """griffe's breaking changes, as (kind, path[, parameter]) with ``X.__init__`` read as ``X``."""
    trees = []
    for side, files in (("old", old), ("new", new)):
        loader = griffe.GriffeLoader(search_paths=[str(write_tree(tmp_path / side, files))], allow_inspection=False)
        trees.append(loader.load(package))
    out: set[tuple[str, ...]] = set()
    for b in griffe.find_breaking_changes(*trees):
        kind = _GRIFFE_KINDS.get(b.kind)
        if kind is None:
            continue  # return types, attribute values, class bases: not compared by lockaudit
        path = b.obj.path.removesuffix(".__init__")
        param = None
        if kind in ("param-removed", "moved", "param-kind", "default", "required"):
            param = b.old_value.name
        elif kind == "added-required":
            param = b.new_value.name
        out.add((kind, path, param) if param else (kind, path))
    return out


def our_reading(diff: ApiDiff) -> set[tuple[str, ...]]:
    """lockaudit's changes (suppressed noise included: griffe has no such notion) in the same terms.

    A parameter that ``**kwargs`` still accepts is left out, as griffe leaves it out.
    """
    out: set[tuple[str, ...]] = set()
    for c in diff.changes + diff.suppressed:
        kind = _OUR_KINDS.get(c.kind)
        if kind is None or (c.note or "").startswith("still accepted by"):
            continue
        if c.kind in ("parameter-renamed",):
            out.add((kind, c.path, c.old or ""))
        else:
            out.add((kind, c.path, c.parameter) if c.parameter else (kind, c.path))
    return out


def renamed_parameters(diff: ApiDiff) -> set[tuple[str, ...]]:
    """What griffe reports for a renamed required parameter besides its removal: an added required one."""
    return {
        ("added-required", c.path, c.new or "") for c in diff.changes + diff.suppressed if c.kind == "parameter-renamed"
    }


def lockaudit_diff(make_client, package: str, old: str = "1.0", new: str = "2.0") -> ApiDiff:
    async def run() -> ApiDiff:
        async with make_client() as client:
            history = await client.fetch_history(package)
            result = await diff_releases(client, find_release(history, old), find_release(history, new))
            assert isinstance(result, ApiDiff), result
            return result

    return asyncio.run(run())


def by_kind(diff: ApiDiff, *, suppressed: bool = False) -> dict[str, set[tuple[str | None, ...]]]:
    out: dict[str, set[tuple[str | None, ...]]] = {}
    for c in diff.suppressed if suppressed else diff.changes:
        out.setdefault(c.kind, set()).add((c.path, c.parameter, c.old, c.new))
    return out


# --------------------------------------------------------------------------- parity


@pytest.mark.parametrize("package", sorted(PARITY))
def test_parity_with_griffe(package: str, api_index, make_client, tmp_path: Path) -> None:
    old, new = PARITY[package]
    api_index.pair(package, old, new)
    diff = lockaudit_diff(make_client, package)
    theirs = griffe_reading(tmp_path, package, old, new)
    ours = our_reading(diff)
    assert theirs, "the case must give griffe something to find"
    assert theirs - ours - renamed_parameters(diff) == set()
    assert ours - theirs == set()


def test_defaults_with_noise_and_confidence(api_index, make_client) -> None:
    api_index.pair("pdef", DEFAULTS_OLD, DEFAULTS_NEW)
    diff = lockaudit_diff(make_client, "pdef")
    changes = {(c.path, c.parameter): c for c in diff.changes}
    assert (changes["pdef.net.connect", "timeout"].old, changes["pdef.net.connect", "timeout"].new) == ("10", "30")
    assert changes["pdef.net.connect", "timeout"].confidence == "high"
    assert changes["pdef.net.Pool", "block"].new == "True"  # the constructor, under the class's name
    assert changes["pdef.net.Pool.get", "wait"].new == "False"
    # the same value spelled differently is no change
    assert ("pdef.net.connect", "mode") not in changes and ("pdef.net.connect", "size") not in changes
    # low confidence, and ranked after the sure ones
    assert changes["pdef.net.fetch", "default"].confidence == "low"  # one sentinel for another
    assert changes["pdef.net.fetch", "cache"].confidence == "low"  # X -> None
    assert [c.low_confidence for c in diff.changes] == sorted(c.low_confidence for c in diff.changes)
    # a stub's "..." is noise, kept with the reason
    stub = [c for c in diff.suppressed if c.path == "pdef.stubbed.load"]
    assert stub and "stub" in (stub[0].note or "")


def test_removals_collapse_modules_and_name_renames(api_index, make_client) -> None:
    api_index.pair("prem", REMOVALS_OLD, REMOVALS_NEW)
    kinds = by_kind(lockaudit_diff(make_client, "prem"))
    assert kinds["module-removed"] == {("prem.legacy", None, None, None), ("prem.sub", None, None, None)}
    assert ("prem.api.gone", None, "function", None) in kinds["object-removed"]
    assert ("prem.api.Widget.erase", None, "function", None) in kinds["object-removed"]
    assert kinds["object-renamed"] == {("prem.api.old_name", None, "old_name", "prem.api.new_name")}
    assert kinds["parameter-renamed"] == {("prem.api.Widget", "name", "name", "label")}
    assert kinds["parameter-removed"] == {("prem.api.params", "d", None, None)}


def test_signatures(api_index, make_client) -> None:
    api_index.pair("psig", SIGNATURES_OLD, SIGNATURES_NEW)
    diff = lockaudit_diff(make_client, "psig")
    kinds = by_kind(diff)
    assert kinds["parameter-moved"] == {("psig.move", "a", "0", "1"), ("psig.move", "b", "1", "0")}
    assert kinds["parameter-kind-changed"] == {("psig.kwonly", "b", "pk", "ko"), ("psig.kwonly", "c", "pk", "ko")}
    assert kinds["parameter-required"] == {("psig.required", "b", "1", None)}
    assert kinds["parameter-added-required"] == {("psig.added", "b", None, None)}
    noise = {c.path + "(" + (c.parameter or "") + ")": c.note for c in diff.suppressed}
    assert "**kwargs" in noise["psig.swallow(flag)"]
    assert "positional-only" in noise["psig.posonly(a)"]
    assert not any(c.path == "psig.swallow" or c.path == "psig.posonly" for c in diff.changes)


# --------------------------------------------------------------------------- what griffe misses

GAP_OLD = {
    "pgap/__init__.py": "from ._transports import *\n\n__all__ = ['Transport']\n",
    "pgap/_transports/__init__.py": "from .default import *\n\n__all__ = ['Transport']\n",
    "pgap/_transports/default.py": """
__all__ = ["Transport"]

class Transport:
    def __init__(self, verify=True, cert=None, trust_env=True):
        self.verify = verify
""",
    "pgap/app.py": """
class App:
    def route(self, rule, **options):
        return rule

    def run(self, debug=False):
        return debug
""",
}
GAP_NEW = {
    "pgap/__init__.py": "from ._transports import *\n\n__all__ = ['Transport']\n",
    "pgap/_transports/__init__.py": "from .default import *\n\n__all__ = ['Transport']\n",
    "pgap/_transports/default.py": """
__all__ = ["Transport"]

class Transport:
    def __init__(self, verify=True, trust_env=True, cert=None):
        self.verify = verify
""",
    # A namespace sub-directory (no __init__.py), as flask/sansio: the base class moved there.
    "pgap/sansio/scaffold.py": """
class Scaffold:
    def route(self, rule, **options):
        return rule

    def register(self, name, strict=False):
        return name
""",
    "pgap/app.py": """
from .sansio.scaffold import Scaffold

class App(Scaffold):
    def run(self, debug=True):
        return debug
""",
}


def test_namespace_subdirectory_and_reexport_chain(api_index, make_client, tmp_path: Path) -> None:
    api_index.pair("pgap", GAP_OLD, GAP_NEW)
    diff = lockaudit_diff(make_client, "pgap")
    theirs = griffe_reading(tmp_path, "pgap", GAP_OLD, GAP_NEW)
    kinds = by_kind(diff)
    # griffe skips pgap/sansio (no __init__.py): the inherited method looks removed
    assert ("removed", "pgap.app.App.route") in theirs
    assert not any(c.path == "pgap.app.App.route" for c in diff.changes + diff.suppressed)
    assert ("pgap.app.App.run", "debug", "False", "True") in kinds["default-changed"]
    # the modules under the namespace directory are public API of the new version
    assert "pgap.sansio.scaffold" not in {c.path for c in diff.changes}
    # griffe does not follow the re-export through the intermediate package
    assert not any(t[1].startswith("pgap.Transport") for t in theirs)
    assert kinds["parameter-moved"] == {("pgap.Transport", "cert", "1", "2"), ("pgap.Transport", "trust_env", "2", "1")}
    assert all(c.exported for c in diff.changes if c.path == "pgap.Transport")


CYCLE_OLD = {
    "pcycle/__init__.py": "from .cyc_a import Loop\nfrom .real import work\n\n__all__ = ['Loop', 'work']\n",
    "pcycle/cyc_a.py": "from .cyc_b import Loop\n",
    "pcycle/cyc_b.py": "from .cyc_a import Loop\n",
    "pcycle/real.py": "def work(n, fast=False):\n    return n\n",
}
CYCLE_NEW = {
    "pcycle/__init__.py": "from .cyc_a import Loop\nfrom .real import work\n\n__all__ = ['Loop', 'work']\n",
    "pcycle/cyc_a.py": "from .cyc_b import Loop\n",
    "pcycle/cyc_b.py": "from .cyc_a import Loop\n",
    "pcycle/real.py": "def work(n, fast=True):\n    return n\n",
}


def test_alias_cycle_does_not_stop_the_diff(api_index, make_client, tmp_path: Path) -> None:
    api_index.pair("pcycle", CYCLE_OLD, CYCLE_NEW)
    with pytest.raises(griffe.CyclicAliasError):
        griffe_reading(tmp_path, "pcycle", CYCLE_OLD, CYCLE_NEW)
    diff = lockaudit_diff(make_client, "pcycle")
    assert by_kind(diff)["default-changed"] == {("pcycle.work", "fast", "False", "True")}
    assert not any("Loop" in c.path for c in diff.changes)  # unresolved on both sides: nothing to compare


def test_property_is_a_kind_change(api_index, make_client) -> None:
    api_index.pair("pprop", PROPERTY_OLD, PROPERTY_NEW)
    kinds = by_kind(lockaudit_diff(make_client, "pprop"))
    assert kinds["kind-changed"] == {("pprop.Box.size", None, "function", "attribute")}
