"""A failed C build must be visible: this fails when the compiled core did not load."""

from __future__ import annotations

import lockaudit
from lockaudit import _core


def test_compiled_core_is_in_use_unless_disabled():
    if _core.NO_EXTENSIONS:
        assert _core.USING_EXTENSION is False
        assert _core.impl.__name__ == "lockaudit._purecmp"
    else:
        assert _core.USING_EXTENSION, "lockaudit._fastcmp did not load: the C build failed"
        assert _core.impl.__name__ == "lockaudit._fastcmp"
        assert _core.impl.__file__.endswith((".so", ".pyd"))


def test_public_api_uses_the_selected_core():
    assert lockaudit.ReleaseHistory is _core.impl.ReleaseHistory
    assert set(lockaudit.__all__) >= {
        "normalize_version",
        "sort_versions",
        "filter_versions",
        "ReleaseHistory",
        "translate_range",
        "InvalidVersion",
        "InvalidSpecifier",
    }


def test_library_calls_stay_callable_after_their_packages_are_imported():
    import importlib

    importlib.import_module("lockaudit.audit.policy")
    importlib.import_module("lockaudit.audit.lock_check")
    assert callable(lockaudit.audit) and callable(lockaudit.resolve)
    assert callable(lockaudit.audit_async)
