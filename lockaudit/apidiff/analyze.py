"""Running the analysis subprocess (``lockaudit.apidiff.worker``) within limits.

Each call starts one process for one or more wheels (a pair shares one: the
interpreter and griffe start once). The process limits its own memory
(RLIMIT_AS) and CPU time (RLIMIT_CPU); this side adds a wall-clock limit and
kills it past that. At most ``processes`` analyses run at once per event
loop (default: the number of cores). A wheel whose analysis failed comes back
as a reason, never as an empty API.

Limits come from :class:`AnalysisLimits` (environment:
``LOCKAUDIT_API_MEMORY_MB``, ``LOCKAUDIT_API_TIMEOUT``,
``LOCKAUDIT_API_MAX_WHEEL_MB``, ``LOCKAUDIT_API_PROCESSES``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from ..errors import ApiDiffError
from .model import ApiSummary, SummaryDecodeError, from_data

__all__ = ["AnalysisFailed", "AnalysisLimits", "Job", "analyze"]

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


@dataclass(frozen=True, slots=True)
class AnalysisLimits:
    """How much one analysis may take."""

    #: Address space of the analysis process (griffe on numpy peaks near 180 MB).
    memory_mb: int = 2048
    #: Wall-clock seconds per wheel (CPU seconds are limited to the same).
    seconds: float = 120.0
    #: Wheels larger than this are not downloaded: "API unknown".
    max_wheel_bytes: int = 150 << 20
    #: Analyses at once (0: the number of cores).
    processes: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AnalysisLimits:
        env = os.environ if environ is None else environ
        defaults = cls()

        def number(name: str, default: float) -> float:
            text = env.get(name, "").strip()
            if not text:
                return default
            try:
                value = float(text)
            except ValueError:
                raise ApiDiffError(f"{name}: expected a number, got {text!r}") from None
            if value < 0 or value != value:
                raise ApiDiffError(f"{name}: expected a number of at least 0, got {text!r}")
            return value

        return cls(
            memory_mb=int(number("LOCKAUDIT_API_MEMORY_MB", defaults.memory_mb)),
            seconds=number("LOCKAUDIT_API_TIMEOUT", defaults.seconds),
            max_wheel_bytes=int(number("LOCKAUDIT_API_MAX_WHEEL_MB", defaults.max_wheel_bytes / (1 << 20)) * (1 << 20)),
            processes=int(number("LOCKAUDIT_API_PROCESSES", defaults.processes)),
        )

    @property
    def parallel(self) -> int:
        return self.processes or os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class Job:
    """One wheel on disk to analyse."""

    wheel: str
    name: str
    version: str
    filename: str
    sha256: str


class AnalysisFailed(Exception):
    """An analysis that gave no summary; ``unavailable`` when it cannot run here at all."""

    def __init__(self, reason: str, *, unavailable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unavailable = unavailable


_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _slot(limits: AnalysisLimits) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    sem = _slots.get(loop)
    if sem is None:
        sem = _slots[loop] = asyncio.Semaphore(limits.parallel)
    return sem


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # The worker imports lockaudit from where this one was imported.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH", "")) if p)
    return env


async def analyze(jobs: Sequence[Job], limits: AnalysisLimits) -> list[ApiSummary | AnalysisFailed]:
    """One subprocess for ``jobs``; a summary or the reason it failed, per job, in order."""
    if not jobs:
        return []
    payload = orjson.dumps([{k: getattr(j, k) for k in Job.__slots__} for j in jobs])
    seconds = max(1.0, limits.seconds)
    command = [
        sys.executable,
        "-P",  # never import from the working directory (an audited project's own files)
        "-m",
        "lockaudit.apidiff.worker",
        "--memory-mb",
        str(limits.memory_mb),
        "--cpu-seconds",
        str(int(seconds * len(jobs)) + 1),
    ]
    async with _slot(limits):
        proc = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_environment(),
        )
        timed_out = False
        try:
            out, err = await asyncio.wait_for(proc.communicate(payload), timeout=seconds * len(jobs))
        except TimeoutError:
            timed_out = True
            proc.kill()
            out, err = await proc.communicate()
        except BaseException:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise
    answers: list[ApiSummary | AnalysisFailed] = []
    for line in out.splitlines():
        answers.append(_answer(line))
    if len(answers) < len(jobs):
        if timed_out:
            why = f"the analysis took longer than its limit ({seconds:.0f} s per wheel)"
        else:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            code = proc.returncode or 0
            how = f"killed by signal {-code}" if code < 0 else f"exit {proc.returncode}"
            why = (
                f"the analysis process ended early ({how}; its limits: {limits.memory_mb} MB of memory, "
                f"{seconds:.0f} s per wheel): {tail[0][:200]}"
            )
        answers += [AnalysisFailed(f"{j.filename}: {why}") for j in jobs[len(answers) :]]
    return answers[: len(jobs)]


def _answer(line: bytes) -> ApiSummary | AnalysisFailed:
    try:
        data = orjson.loads(line)
        if data.get("ok"):
            return from_data(data["summary"])
        return AnalysisFailed(str(data.get("error", "the analysis failed")), unavailable=bool(data.get("missing")))
    except (orjson.JSONDecodeError, SummaryDecodeError, AttributeError, KeyError, TypeError) as exc:
        return AnalysisFailed(f"the analysis answered something unreadable ({exc})")
