"""Resolving the shared corpus: lockaudit against uv and pip-compile, warm caches.

Input: ../shared/corpus/app-requirements.in (60 top-level requirements, 269
pins), for CPython 3.11 on x86_64 Linux, as of 2026-11-01 (exclude-newer), on
the real default index. Every tool gets the same input, target and date, each
with its own cache, warmed once before measuring:

- lockaudit, in process: ``resolve(...)`` with the cache only (offline), and
  with every project page revalidated (``ttl=0``, what ``uv pip compile`` does);
  and the offline one again through resolvelib's own ``Resolver`` instead of
  lockaudit's copy of its main loop (what the copy buys);
- lockaudit, the whole command (``python -m lockaudit lock ... --offline``),
  with and without ``--hash`` lines;
- ``uv pip compile`` (revalidates every cached response) and ``--offline``,
  also with ``--generate-hashes``;
- pip-compile, when ``LOCKAUDIT_BENCH_PIP_COMPILE`` names its executable (it
  takes tens of seconds, so one round).

Also checked here, and printed: lockaudit's pins against uv's (at least 98% the
same; every difference explained) and uv's dry-run install of lockaudit's lock.
Targets (issue 6), asserted on the medians: the in-process resolution at least
20x faster than pip-compile and within 3x of ``uv pip compile --offline``.

Needs the network to warm the caches, so it runs only when asked:
``LOCKAUDIT_BENCH_LIVE=1`` or ``-m live``. Caches live in
``.lockaudit-cache/corpus`` (or ``LOCKAUDIT_BENCH_CACHE``) and stay warm across runs.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
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
    read_pins,
    run,
    uv_binary,
    uv_command,
    uv_env,
    uv_install_command,
)

from lockaudit.index import IndexClient
from lockaudit.inputs import load
from lockaudit.resolve import ResolveOptions, resolve, resolve_async, write_requirements

GROUP = "resolve"
MEDIANS: dict[str, float] = {}
LA_CACHE = LOCKAUDIT_CACHE


def _live(config) -> bool:
    return os.environ.get("LOCKAUDIT_BENCH_LIVE") == "1" or "live" in (config.getoption("markexpr") or "")


@pytest.fixture(scope="module")
def warm(request, tmp_path_factory):
    if not _live(request.config):
        pytest.skip("needs the real index to warm the caches: LOCKAUDIT_BENCH_LIVE=1 or -m live")
    if not INPUT.exists():
        pytest.skip(f"{INPUT} is not there")
    work = tmp_path_factory.mktemp("resolve-bench")
    inputs = load(INPUT)
    resolution = resolve(
        inputs, ResolveOptions(settings=index_settings(), cache=str(LA_CACHE), target=TARGET, as_of=AS_OF)
    )
    uv = uv_binary()
    uv_lock = None
    if uv is not None:
        out = work / "uv.lock.txt"
        proc = run(uv_command(uv, out), uv_env(UV_CACHE))
        assert proc.returncode == 0, proc.stderr
        uv_lock = out.read_text()
        run(uv_command(uv, work / "uv.hashes.txt", hashes=True), uv_env(UV_CACHE))
    return {"inputs": inputs, "resolution": resolution, "uv": uv, "uv_lock": uv_lock, "work": work}


def _record(benchmark, name: str) -> None:
    MEDIANS[name] = benchmark.stats.stats.median


def _subprocess(cmd: list[str], env: dict[str, str]):
    def go() -> None:
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, timeout=600)
        assert proc.returncode == 0, proc.stderr

    return go


# -- lockaudit ---------------------------------------------------------------


@pytest.mark.benchmark(group=GROUP)
def test_resolve_lockaudit_in_process(benchmark, warm, capsys) -> None:
    expected = warm["resolution"].versions()

    def go():
        return resolve(
            warm["inputs"],
            ResolveOptions(settings=index_settings(), cache=str(LA_CACHE), offline=True, target=TARGET, as_of=AS_OF),
        )

    result = benchmark.pedantic(go, rounds=7, iterations=1, warmup_rounds=1)
    assert result.versions() == expected
    _record(benchmark, "lockaudit in process")
    with capsys.disabled():
        print(f"\nlockaudit: {len(result)} pins; {dict(result.stats)}")


@pytest.mark.benchmark(group=GROUP)
def test_resolve_lockaudit_in_process_revalidating(benchmark, warm) -> None:
    async def once():
        async with IndexClient(index_settings(), cache=str(LA_CACHE), ttl=0) as client:
            return await resolve_async(warm["inputs"], ResolveOptions(target=TARGET, as_of=AS_OF), client=client)

    result = benchmark.pedantic(lambda: asyncio.run(once()), rounds=3, iterations=1)
    assert result.versions() == warm["resolution"].versions()
    _record(benchmark, "lockaudit in process, revalidating")


def _lock_cmd(out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "lockaudit", "lock", str(INPUT), "--python", "3.11", "--platform", "linux",
        "--as-of", AS_OF, "--index-url", index_settings().index_url.url, "--cache", str(LA_CACHE),
        "--offline", "-q", "-o", str(out), *extra,
    ]  # fmt: skip


def _lock_env() -> dict[str, str]:
    # As installed: byte-code caches on (a sandbox may turn them off).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "LOCKAUDIT_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


@pytest.mark.benchmark(group=GROUP)
def test_resolve_lockaudit_command(benchmark, warm) -> None:
    out = warm["work"] / "lockaudit.nohash.txt"
    benchmark.pedantic(_subprocess(_lock_cmd(out, "--no-hashes"), _lock_env()), rounds=5, iterations=1, warmup_rounds=1)
    assert read_pins(out.read_text()) == warm["resolution"].versions()
    _record(benchmark, "lockaudit lock --no-hashes (command)")


@pytest.mark.benchmark(group=GROUP)
def test_resolve_lockaudit_command_with_hashes(benchmark, warm) -> None:
    out = warm["work"] / "lockaudit.lock.txt"
    benchmark.pedantic(_subprocess(_lock_cmd(out), _lock_env()), rounds=5, iterations=1, warmup_rounds=1)
    assert "--hash=sha256:" in out.read_text()
    _record(benchmark, "lockaudit lock (command, with hashes)")


# -- references ----------------------------------------------------------------


@pytest.mark.benchmark(group=GROUP)
def test_resolve_in_process_with_resolvelibs_own_resolver(benchmark, warm, monkeypatch) -> None:
    """What lockaudit's copy of resolvelib's main loop buys: the same in-process
    resolution through resolvelib's public ``Resolver`` (what any other
    resolvelib version runs)."""
    from lockaudit.resolve import _resolvelib

    monkeypatch.setattr(_resolvelib, "_LOOP", False)

    def go():
        return resolve(
            warm["inputs"], settings=index_settings(), cache=str(LA_CACHE), offline=True, target=TARGET, as_of=AS_OF
        )

    result = benchmark.pedantic(go, rounds=7, iterations=1, warmup_rounds=1)
    assert result.versions() == warm["resolution"].versions()
    assert result.stats["rounds"] == warm["resolution"].stats["rounds"]
    _record(benchmark, "resolvelib's own Resolver, in process")


def _needs_uv(warm) -> str:
    if warm["uv"] is None:
        pytest.skip("uv is not installed (pip install '.[bench]')")
    return warm["uv"]


@pytest.mark.benchmark(group=GROUP)
def test_resolve_uv_compile(benchmark, warm) -> None:
    uv = _needs_uv(warm)
    cmd = uv_command(uv, warm["work"] / "uv.again.txt")
    benchmark.pedantic(_subprocess(cmd, uv_env(UV_CACHE)), rounds=3, iterations=1)
    _record(benchmark, "uv pip compile")


@pytest.mark.benchmark(group=GROUP)
def test_resolve_uv_compile_offline(benchmark, warm) -> None:
    uv = _needs_uv(warm)
    cmd = uv_command(uv, warm["work"] / "uv.offline.txt", offline=True)
    benchmark.pedantic(_subprocess(cmd, uv_env(UV_CACHE)), rounds=7, iterations=1, warmup_rounds=1)
    _record(benchmark, "uv pip compile --offline")


@pytest.mark.benchmark(group=GROUP)
def test_resolve_uv_compile_offline_hashes(benchmark, warm) -> None:
    uv = _needs_uv(warm)
    cmd = uv_command(uv, warm["work"] / "uv.offline.hashes.txt", offline=True, hashes=True)
    benchmark.pedantic(_subprocess(cmd, uv_env(UV_CACHE)), rounds=7, iterations=1, warmup_rounds=1)
    _record(benchmark, "uv pip compile --offline --generate-hashes")


@pytest.mark.benchmark(group=GROUP)
def test_resolve_pip_compile(benchmark, warm) -> None:
    exe = os.environ.get("LOCKAUDIT_BENCH_PIP_COMPILE")
    if not exe:
        pytest.skip("set LOCKAUDIT_BENCH_PIP_COMPILE to a pip-compile executable (pip-tools with pip >= 26)")
    out = warm["work"] / "pip-compile.txt"
    cmd = [
        exe,
        str(INPUT),
        "--pip-args",
        f"--uploaded-prior-to {AS_OF}T00:00:00Z --index-url {index_settings().index_url.url}",
        "--no-header",
        "--quiet",
        "-o",
        str(out),
    ]
    env = _lock_env()
    _subprocess(cmd, env)()  # warm pip's cache
    benchmark.pedantic(_subprocess(cmd, env), rounds=1, iterations=1)
    _record(benchmark, "pip-compile")


# -- agreement, installability and the targets ------------------------------------------


@pytest.mark.benchmark(group="resolve checks")
def test_resolve_zz_agreement_and_targets(benchmark, warm, capsys) -> None:
    """Runs last: pins against uv's, uv's dry-run install of lockaudit's lock, the speed targets."""
    resolution = warm["resolution"]
    lock = warm["work"] / "lockaudit.check.txt"
    lock.write_text(write_requirements(resolution))
    benchmark.pedantic(lambda: read_pins(lock.read_text()), rounds=1, iterations=1)  # keeps --benchmark-only running it
    lines = []
    if warm["uv"] is not None:
        comparison = compare(resolution, warm["uv_lock"])
        lines.append(comparison.report())
        installed = run(uv_install_command(warm["uv"], lock, warm["work"] / "target"), uv_env(UV_CACHE))
        lines.append(
            "uv pip install --dry-run of lockaudit's lock: "
            + (
                "accepted; " + installed.stderr.strip().splitlines()[1]
                if installed.returncode == 0
                else installed.stderr
            )
        )
        assert comparison.ratio >= 0.98, comparison.report()
        assert installed.returncode == 0, installed.stderr
    ours = MEDIANS.get("lockaudit in process")
    lines.append("medians (s): " + ", ".join(f"{k} {v:.3f}" for k, v in MEDIANS.items()))
    if ours:
        for ref, target in (
            ("uv pip compile --offline", "target: at most 3x"),
            ("pip-compile", "target: at least 20x faster"),
        ):
            if ref in MEDIANS:
                lines.append(
                    f"lockaudit in process / {ref}: {ours / MEDIANS[ref]:.2f} of its time, "
                    f"{MEDIANS[ref] / ours:.1f}x its speed ({target})"
                )
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    if ours and "uv pip compile --offline" in MEDIANS:
        assert ours <= 3.0 * MEDIANS["uv pip compile --offline"]
    if ours and "pip-compile" in MEDIANS:
        assert ours * 20 <= MEDIANS["pip-compile"]
