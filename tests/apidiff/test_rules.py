"""lockaudit's own diff rules beyond griffe's: deprecations, noise, public-ness, the distribution.

Every case goes through real wheels on the local test index and the analysis
subprocess (see conftest.py); the source scanner is also tested on its own.
"""

from __future__ import annotations

import asyncio

from lockaudit.apidiff import ApiDiff, diff_releases, find_release
from lockaudit.apidiff.scan import scan_source


def diff_of(make_client, package: str) -> ApiDiff:
    async def run() -> ApiDiff:
        async with make_client() as client:
            history = await client.fetch_history(package)
            result = await diff_releases(client, find_release(history, "1.0"), find_release(history, "2.0"))
            assert isinstance(result, ApiDiff), result
            return result

    return asyncio.run(run())


def kinds(diff: ApiDiff) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for c in diff.changes:
        out.setdefault(c.kind, set()).add(c.path + (f"({c.parameter})" if c.parameter else ""))
    return out


def noise(diff: ApiDiff) -> dict[str, str]:
    return {c.path + (f"({c.parameter})" if c.parameter else ""): c.note or "" for c in diff.suppressed}


# --------------------------------------------------------------------------- deprecations

DEPRECATION_OLD = {
    "pdep/__init__.py": """
def old_api(x):
    return x

def cautious(x):
    return x

class Thing:
    def method(self):
        return None

def steady(x):
    import warnings
    warnings.warn("steady was always deprecated", DeprecationWarning)
    return x

OldName = 1
""",
    "pdep/quiet.py": "Quiet = 2\n",
}
DEPRECATION_NEW = {
    "pdep/__init__.py": """
import warnings

from typing_extensions import deprecated

VERSION = "3.0"

def old_api(x):
    warnings.warn(
        "old_api is deprecated;"
        " use new_api",
        DeprecationWarning,
        stacklevel=2,
    )
    return x

@deprecated("use careful() instead")
def cautious(x):
    return x

class Thing:
    def method(self):
        warnings.warn(f"method goes away in {VERSION}", category=FutureWarning)

def steady(x):
    warnings.warn("steady was always deprecated", DeprecationWarning)
    return x

def _warn_deprecated(message):
    warnings.warn(message, DeprecationWarning)

def uses_helper(x):
    return x

def __getattr__(name):
    if name == "OldName":
        warnings.warn("OldName is deprecated", DeprecationWarning)
        return 1
    raise AttributeError(name)
""",
    "pdep/quiet.py": """
_MOVED = {"Quiet": 2}

def __getattr__(name):
    try:
        return _MOVED[name]
    except KeyError:
        raise AttributeError(name) from None
""",
}


def test_new_deprecations_are_found_statically(api_index, make_client) -> None:
    api_index.pair("pdep", DEPRECATION_OLD, DEPRECATION_NEW)
    diff = diff_of(make_client, "pdep")
    found = {c.path: c.new for c in diff.changes if c.kind == "deprecated"}
    assert found == {
        "pdep.old_api": "old_api is deprecated; use new_api",
        "pdep.cautious": "use careful() instead",
        "pdep.Thing.method": "method goes away in {...}",
        "pdep.OldName": "served by pdep.__getattr__, which warns",
    }
    # warned in both versions: not new; a helper's own warning is not its deprecation
    assert "pdep.steady" not in found and "pdep.uses_helper" not in found
    # a name a quiet module __getattr__ still serves is not removed
    assert noise(diff)["pdep.quiet.Quiet"] == "pdep.quiet.__getattr__ still serves it"
    assert "object-removed" not in kinds(diff)


def test_source_scan() -> None:
    scan = scan_source(
        b"""
import typing as t
import warnings
if t.TYPE_CHECKING:
    from .app import Flask
    from .other import Both
else:
    Both = None

class A:
    class B:
        @deprecation.deprecated(reason="gone")
        def m(self):
            pass

    def n(self):
        def inner():
            warnings.warn("not n's own", DeprecationWarning)

    def p(self):
        warnings.warn("user warning", UserWarning)

def __getattr__(name):
    if name in ("x", "y"):
        return 1
"""
    )
    assert scan.deprecations == {"A.B.m": "gone"}
    assert scan.forwards == ("x", "y") and not scan.forward_warns
    assert scan.type_checking == frozenset({"Flask"})
    assert scan_source(b"def broken(:\n").deprecations == {}  # unparsable: nothing, no crash
    assert scan_source(b"def __getattr__(name):\n    return lookup(name)\n").forwards == ("*",)


# --------------------------------------------------------------------------- public-ness and noise

PUBLIC_OLD = {
    "ppub/__init__.py": "from .sessions import Session\nfrom ._impl import helper\nfrom os import sep\n",
    "ppub/sessions.py": (
        "from .models import Model\n\nclass Session:\n    def get(self, url, timeout=None):\n        return url\n"
    ),
    "ppub/models.py": "class Model:\n    pass\n",
    "ppub/_impl.py": "def helper():\n    return None\n\ndef internal():\n    return None\n",
    "ppub/tests/test_x.py": "def test_a():\n    pass\n",
    "ppub/_vendor/lib.py": "def vendored():\n    pass\n",
    "ppub/compat.py": (
        "str = str\nbasestring = (str, bytes)\n\nimport io\n\n"
        "class Stream(io.RawIOBase):\n    def readable(self):\n        return True\n"
    ),
    "ppub/typing.py": 'import typing\nT = typing.TypeVar("T")\nAlias = typing.Union[int, str]\n',
}
PUBLIC_NEW = {
    "ppub/__init__.py": "from .sessions import Session\n",
    "ppub/sessions.py": "class Session:\n    def get(self, url, timeout=30):\n        return url\n",
    "ppub/models.py": "class Model:\n    pass\n",
    "ppub/_impl.py": "def helper():\n    return None\n",
    "ppub/compat.py": "basestring = (str, bytes)\n\nimport io\n\nclass Stream(io.RawIOBase):\n    pass\n",
    "ppub/typing.py": "import typing\n",
}


def test_public_names_and_known_noise(api_index, make_client) -> None:
    api_index.pair("ppub", PUBLIC_OLD, PUBLIC_NEW)
    diff = diff_of(make_client, "ppub")
    found = kinds(diff)
    # the re-export from the package's __init__ is public, and ranked as the exported path
    assert found["default-changed"] == {"ppub.Session.get(timeout)"}
    assert all(c.exported for c in diff.changes if c.kind == "default-changed")
    # dropping an internal re-export of a private module's function from the __init__ is a removal;
    # a plain module's imports (sessions importing Model), an import from another distribution
    # (os.sep), private modules, tests and vendored code are not API
    assert found["object-removed"] == {"ppub.helper"}
    assert "module-removed" not in found  # ppub.tests and ppub._vendor were never public
    assert not any("sessions.Model" in c.path or "sep" in c.path or "internal" in c.path for c in diff.changes)
    # typing helpers (TypeVar, aliases) are not API
    assert not any(c.path.startswith("ppub.typing.") for c in diff.changes + diff.suppressed)
    # a builtin rebound, and a member that may now come from an external base class
    quiet = noise(diff)
    assert quiet["ppub.compat.str"] == "a builtin rebound under this name"
    assert quiet["ppub.compat.Stream.readable"] == "may be inherited from a base class outside the package"


# --------------------------------------------------------------------------- the distribution


def test_entry_points_requires_python_and_modules(api_index, make_client) -> None:
    files_old = {
        "pdist/__init__.py": "",
        "pdist/cli.py": "def main():\n    pass\n\ndef old():\n    pass\n",
        "pdist/extra.py": "",
    }
    files_new = {"pdist/__init__.py": "", "pdist/cli.py": "def main():\n    pass\n"}
    api_index.pair(
        "pdist",
        files_old,
        files_new,
        old_requires_python=">=3.8",
        new_requires_python=">= 3.10",
        old_entry_points={"console_scripts": {"pdist": "pdist.cli:main", "pdist-old": "pdist.cli:old"}},
        new_entry_points={"console_scripts": {"pdist": "pdist.cli:main"}},
    )
    diff = diff_of(make_client, "pdist")
    by = {
        c.kind: c
        for c in diff.changes
        if c.kind in ("requires-python-changed", "entry-point-removed", "module-removed")
    }
    assert (by["requires-python-changed"].old, by["requires-python-changed"].new) == (">=3.8", ">= 3.10")
    assert by["entry-point-removed"].path == "console_scripts:pdist-old"
    assert by["module-removed"].path == "pdist.extra"
    assert "pdist.cli.old" in kinds(diff)["object-removed"]
    assert diff.family_counts() == {"defaults": 0, "removals": 1, "signatures": 0, "deprecations": 0, "distribution": 3}


def test_identical_releases_have_no_changes(api_index, make_client) -> None:
    files = {"psame/__init__.py": "def f(a, b=1):\n    return a\n"}
    api_index.pair("psame", files, files)
    diff = diff_of(make_client, "psame")
    assert diff.changes == () and diff.suppressed == ()
    assert diff.old_counts["function"] == 1
