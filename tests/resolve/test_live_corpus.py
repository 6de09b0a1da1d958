"""Opt-in (``pytest -m live``): the shared corpus against the real default index.

lockaudit resolves ../shared/corpus/app-requirements.in for CPython 3.11 on
Linux as of a fixed date; ``uv pip compile`` resolves the same input with the
same exclude-newer date. The pins must match for at least 98% of packages, and
every difference is explained in the output; uv must accept lockaudit's lock
(hashes and all) in a full dry-run install.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from resolve.corpus import (
    AS_OF,
    INPUT,
    LOCKAUDIT_CACHE,
    TARGET,
    UV_CACHE,
    compare,
    index_settings,
    run,
    uv_binary,
    uv_command,
    uv_env,
    uv_install_command,
)

from lockaudit.inputs import load
from lockaudit.resolve import CheckOptions, ResolveOptions, check, resolve, write_requirements

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def resolution(request: pytest.FixtureRequest):
    if "live" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("talks to the real index: run with -m live")
    if not INPUT.exists():
        pytest.skip(f"{INPUT} is not there")
    return resolve(
        load(INPUT), ResolveOptions(settings=index_settings(), cache=str(LOCKAUDIT_CACHE), target=TARGET, as_of=AS_OF)
    )


def test_corpus_matches_uv_and_the_lock_installs(resolution, tmp_path: Path) -> None:
    uv = uv_binary()
    if uv is None:
        pytest.skip("uv is not installed (pip install '.[bench]')")
    env = uv_env(UV_CACHE)
    out = tmp_path / "uv.lock.txt"
    proc = run(uv_command(uv, out), env)
    assert proc.returncode == 0, proc.stderr
    comparison = compare(resolution, out.read_text())
    print(comparison.report())
    assert comparison.ratio >= 0.98, comparison.report()

    lock = tmp_path / "requirements.lock"
    lock.write_text(write_requirements(resolution))
    installed = run(uv_install_command(uv, lock, tmp_path / "target"), env)
    assert installed.returncode == 0, installed.stderr
    assert f"Resolved {len(resolution)} packages" in installed.stderr


def test_corpus_lock_is_consistent(resolution, tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text(write_requirements(resolution))
    findings = check(
        load(INPUT),
        load(lock),
        CheckOptions(settings=index_settings(), cache=str(LOCKAUDIT_CACHE), target=TARGET, as_of=AS_OF),
    )
    assert findings == []
