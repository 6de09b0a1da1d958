"""The shared corpus (../shared/corpus/app-requirements.in) resolved by lockaudit
and by ``uv pip compile``, for the opt-in live test and the benchmark.

Both resolve for CPython 3.11 on x86_64 Linux (manylinux_2_28) with the same
exclude-newer date against the default public index, whose address comes from
the index layer's constant, never from this file. Differences between the two
pin sets are explained from the resolution's own data: who requires the
package and with which range, and whether the other tool's version can be
installed on the target at all.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement as PkgRequirement

from lockaudit.findings import Target
from lockaudit.index import IndexSettings, resolve_index_settings
from lockaudit.resolve import Resolution
from lockaudit.resolve.lock_walk import satisfies

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
INPUT = CORPUS / "app-requirements.in"
AS_OF = "2026-11-01"
TARGET = Target("3.11", "linux")
UV_PLATFORM = "x86_64-unknown-linux-gnu"
#: Where the benchmark and the live test keep their warm caches (gitignored).
CACHE_DIR = Path(os.environ.get("LOCKAUDIT_BENCH_CACHE", ROOT / ".lockaudit-cache" / "corpus"))
LOCKAUDIT_CACHE = CACHE_DIR / "lockaudit.sqlite3"
UV_CACHE = CACHE_DIR / "uv"

__all__ = [
    "AS_OF",
    "CACHE_DIR",
    "INPUT",
    "LOCKAUDIT_CACHE",
    "TARGET",
    "UV_CACHE",
    "Comparison",
    "compare",
    "index_settings",
    "read_pins",
    "run",
    "uv_binary",
    "uv_command",
    "uv_env",
    "uv_install_command",
]


def index_settings() -> IndexSettings:
    """The default index (or LOCKAUDIT_INDEX_URL), never this machine's pip configuration."""
    return resolve_index_settings(pip_config={})


def uv_binary() -> str | None:
    local = Path(sys.executable).parent / "uv"
    return str(local) if local.exists() else shutil.which("uv")


def uv_env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    env.update(UV_CACHE_DIR=str(cache), UV_NO_CONFIG="1", UV_PYTHON_DOWNLOADS="never")
    index = index_settings().index_url.url
    env["UV_DEFAULT_INDEX"] = index
    return env


def uv_command(uv: str, output: Path, *, offline: bool = False, hashes: bool = False) -> list[str]:
    cmd = [
        uv, "pip", "compile", str(INPUT),
        "--python-version", "3.11", "--python-platform", UV_PLATFORM,
        "--exclude-newer", f"{AS_OF}T00:00:00Z",
        "--quiet", "-o", str(output),
    ]  # fmt: skip
    if offline:
        cmd.append("--offline")
    if hashes:
        cmd.append("--generate-hashes")
    return cmd


def uv_install_command(uv: str, lock: Path, target_dir: Path) -> list[str]:
    """``uv pip install --dry-run`` of a lock for the same target (a full resolution, not --no-deps)."""
    return [
        uv, "pip", "install", "--dry-run", "-r", str(lock),
        "--python-version", "3.11", "--python-platform", UV_PLATFORM, "--target", str(target_dir),
    ]  # fmt: skip


def run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, timeout=900)


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def read_pins(text: str) -> dict[str, str]:
    """``{normalized name: version}`` of a pinned requirements file."""
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in _PIN.findall(text)}


def read_via(text: str) -> dict[str, list[str]]:
    """``{name: [requirers]}`` from a uv / pip-compile lock's ``# via`` comments."""
    via: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        m = _PIN.match(line)
        if m:
            current = re.sub(r"[-_.]+", "-", m.group(1)).lower()
            via[current] = []
            continue
        stripped = line.strip().lstrip("#").strip()
        if current and line.lstrip().startswith("#") and stripped and stripped != "via":
            via[current].append(stripped.removeprefix("via ").strip())
    return via


@dataclass(frozen=True)
class Comparison:
    total: int
    same: int
    differences: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return self.same / self.total if self.total else 1.0

    def report(self) -> str:
        head = f"lockaudit and uv agree on {self.same} of {self.total} pins ({self.ratio:.1%})"
        return "\n".join([head, *(f"  - {d}" for d in self.differences)])


def _explain(resolution: Resolution, name: str, ours: str | None, theirs: str | None, uv_via: list[str]) -> str:
    pin = resolution.pins.get(name)
    if ours is None:
        return (
            f"{name}: only uv pins it ({theirs}; uv: via {', '.join(uv_via) or '?'}); "
            "in lockaudit's resolution nothing requires it for this target (a marker or an extra that differs)"
        )
    assert pin is not None
    wanted = "; ".join(f"{who}: {req}" for who, req in pin.wanted) or "nothing"
    if theirs is None:
        return f"{name}: only lockaudit pins it ({ours}), required here by {wanted}; uv's resolution does not need it"
    admits = all(satisfies(theirs, str(PkgRequirement(req).specifier)) for _, req in pin.wanted)
    project = pin._project
    reason = project.skip_reason(theirs, False) if project is not None else None
    why = (
        f"uv's {theirs} cannot be installed here per lockaudit's rules ({reason})"
        if reason
        else f"uv's {theirs} {'also satisfies' if admits else 'does not satisfy'} the requirements on it"
    )
    via = ", ".join(uv_via) or "?"
    return f"{name}: lockaudit {ours}, uv {theirs}; requirements here: {wanted}; {why} (uv: via {via})"


def compare(resolution: Resolution, uv_lock_text: str) -> Comparison:
    ours = resolution.versions()
    theirs = read_pins(uv_lock_text)
    via = read_via(uv_lock_text)
    names = sorted(set(ours) | set(theirs))
    differences = tuple(
        _explain(resolution, n, ours.get(n), theirs.get(n), via.get(n, []))
        for n in names
        if ours.get(n) is None or theirs.get(n) is None or not satisfies(ours[n], f"=={theirs[n]}")
    )
    return Comparison(len(names), len(names) - len(differences), differences)
