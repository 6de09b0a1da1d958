"""The analysis subprocess: ``python -m lockaudit.apidiff.worker --memory-mb N --cpu-seconds S``.

Reads a JSON list of jobs on stdin (``{"wheel", "name", "version",
"filename", "sha256"}``), and for each prints one JSON line on stdout:
``{"ok": true, "summary": {...}}`` or ``{"ok": false, "error": "..."}``.
Before anything else it limits its own address space (RLIMIT_AS) and CPU
time (RLIMIT_CPU), so a huge or hostile wheel costs this process, never the
audit. Wheels are unpacked into a temporary directory and read statically by
griffe (``allow_inspection=False``): nothing from them is imported or run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from typing import Any

__all__ = ["main"]


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX: the parent's wall-clock limit still holds
        return
    if memory_mb > 0:
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if cpu_seconds > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def _one(job: dict[str, Any]) -> dict[str, Any]:
    from .model import to_data
    from .reduce import summarize_tree
    from .wheel import WheelError, extract_sources

    with tempfile.TemporaryDirectory(prefix="lockaudit-api-") as tmp:
        try:
            contents = extract_sources(job["wheel"], tmp)
        except WheelError as exc:
            return {"ok": False, "error": f"{job['filename']}: {exc}"}
        if not contents.top_levels:
            return {"ok": False, "error": f"{job['filename']} holds no Python sources"}
        summary = summarize_tree(
            contents.root,
            contents.top_levels,
            name=job["name"],
            version=job["version"],
            filename=job["filename"],
            sha256=job["sha256"],
            metadata=contents.metadata,
            entry_points=contents.entry_points,
        )
        data = to_data(summary)
        data["peak_mb"] = _peak_mb()
        return {"ok": True, "summary": data}


def _peak_mb() -> float:
    """This process's peak resident memory so far, in MB (0: unknown).

    Read from /proc (VmHWM, reset by exec): ``getrusage``'s maxrss of a child may
    carry its parent's peak from before the fork.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lockaudit.apidiff.worker")
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("--cpu-seconds", type=int, default=0)
    args = parser.parse_args(argv)
    _limit(args.memory_mb, args.cpu_seconds)
    sys.setrecursionlimit(5000)
    import orjson

    jobs = orjson.loads(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    try:
        import griffe  # noqa: F401 - fail here, once, with a clear answer
    except ImportError:
        error = "griffe (the griffelib distribution) is not installed: reinstall lockaudit with its dependencies"
        for _ in jobs:
            out.write(orjson.dumps({"ok": False, "error": error, "missing": True}) + b"\n")
        out.flush()
        return 0
    for job in jobs:
        try:
            answer = _one(job)
        except MemoryError:
            answer = {
                "ok": False,
                "error": f"{job['filename']}: the analysis ran out of its memory limit ({args.memory_mb} MB)",
            }
        except RecursionError:
            answer = {"ok": False, "error": f"{job['filename']}: the analysis recursed too deeply"}
        except Exception as exc:
            answer = {"ok": False, "error": f"{job['filename']}: {type(exc).__name__}: {exc}"}
        out.write(orjson.dumps(answer) + b"\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
