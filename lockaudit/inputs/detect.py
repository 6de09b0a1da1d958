"""Which format a file is in: from its name, else from its content.

Names decide when they are conventional (``poetry.lock``, ``pylock.dev.toml``,
``requirements-dev.in``); a ``.txt`` is a requirements file unless its content is
pip freeze output; anything else is recognised by what it contains.
"""

from __future__ import annotations

import os
import re

from ..errors import InputError

__all__ = [
    "FORMATS",
    "LOCK_FORMATS",
    "RANGE_FORMATS",
    "detect_format",
    "format_from_content",
    "format_from_name",
    "is_candidate",
    "looks_like_freeze",
    "normalize_format",
]

#: Every format ``load`` reads, by the name ``Lockfile.formats`` uses.
FORMATS: tuple[str, ...] = (
    "requirements",
    "pip-freeze",
    "pyproject",
    "poetry.lock",
    "uv.lock",
    "pipfile",
    "pipfile.lock",
    "pylock",
)
#: Formats that declare ranges (a requirements file does when named ``*.in``).
RANGE_FORMATS = frozenset({"pyproject", "pipfile"})
#: Formats that only pin.
LOCK_FORMATS = frozenset({"poetry.lock", "uv.lock", "pipfile.lock", "pylock", "pip-freeze"})

_ALIASES = {
    "requirements.txt": "requirements",
    "requirements.in": "requirements",
    "requirements-txt": "requirements",
    "pip": "requirements",
    "pip-compile": "requirements",
    "freeze": "pip-freeze",
    "pip freeze": "pip-freeze",
    "pyproject.toml": "pyproject",
    "poetry": "pyproject",
    "poetry-lock": "poetry.lock",
    "uv-lock": "uv.lock",
    "pipenv": "pipfile",
    "pipfile-lock": "pipfile.lock",
    "pylock.toml": "pylock",
    "pep751": "pylock",
}

_PYLOCK = re.compile(r"^pylock\.([^.]+\.)?toml$")
# requirements.txt, requirements-dev.in, dev-requirements.txt, requirements/base.txt, constraints.txt,
# requirements.lock (rye), app-requirements.lock.txt
_REQ_STEM = re.compile(r"(?:^|[-_.])(?:requirements?|reqs?|constraints?)(?:[-_.]|$)", re.IGNORECASE)
_REQ_DIRS = frozenset({"requirements", "reqs", "requirements.d"})
_FREEZE_LINE = re.compile(
    r"^(?:[A-Za-z0-9][A-Za-z0-9._-]*==\S+"  # name==version
    r"|[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])? @ \S+"  # name @ url
    r"|-e \S+"  # editable
    r"|#+ ?(?:Editable|!! Could not|Could not).*)$"  # pip freeze's own notes
)


def normalize_format(name: str) -> str:
    """A format name from ``FORMATS`` or a common alias; InputError for anything else."""
    key = name.strip().lower()
    if key in FORMATS:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    raise InputError(f"unknown input format {name!r}: expected one of {', '.join(FORMATS)}")


def format_from_name(path: str) -> str | None:
    """The format a file name alone decides (None: look at the content)."""
    name = os.path.basename(path)
    lower = name.lower()
    if lower == "pyproject.toml":
        return "pyproject"
    if lower == "poetry.lock":
        return "poetry.lock"
    if lower == "uv.lock":
        return "uv.lock"
    if lower == "pipfile":
        return "pipfile"
    if lower == "pipfile.lock":
        return "pipfile.lock"
    if _PYLOCK.match(lower):
        return "pylock"
    if lower.endswith((".txt", ".in")):
        return "requirements"
    if lower.endswith(".lock") and _REQ_STEM.search(lower[: -len(".lock")]):
        return "requirements"  # rye's requirements.lock / requirements-dev.lock
    return None


def is_candidate(path: str) -> bool:
    """Whether directory discovery should read ``path``: a known name, or a
    requirements-like name (``*requirements*.txt``, ``requirements/*.in``...)."""
    name = os.path.basename(path)
    fmt = format_from_name(name)
    if fmt is None:
        return False
    if fmt != "requirements":
        return True
    stem = name.rsplit(".", 1)[0]
    parent = os.path.basename(os.path.dirname(path)).lower()
    return bool(_REQ_STEM.search(stem)) or parent in _REQ_DIRS


def looks_like_freeze(text: str) -> bool:
    """pip freeze output: nothing but ``name==version``, ``name @ url``, ``-e`` lines
    and freeze's own notes; no options, no ranges, no ``# via`` comments."""
    seen = False
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not _FREEZE_LINE.match(line):
            return False
        seen = True
    return seen


def format_from_content(text: str) -> str:
    """The format ``text`` looks like; "requirements" when nothing else fits."""
    head = text.lstrip()
    if head.startswith("{") and '"_meta"' in text:
        return "pipfile.lock"
    if re.search(r"^\s*\[\[packages\]\]", text, re.M) and re.search(r"^lock-version\s*=", text, re.M):
        return "pylock"
    if re.search(r"^\s*\[\[package\]\]", text, re.M):
        if re.search(r"^\s*\[metadata\]", text, re.M) or "content-hash" in text:
            return "poetry.lock"
        return "uv.lock"
    if re.search(r"^\s*\[(?:project|tool\.poetry|dependency-groups|build-system)[\].]", text, re.M):
        return "pyproject"
    if re.search(r"^\s*(?:\[(?:packages|dev-packages)\]|\[\[source\]\])", text, re.M):
        return "pipfile"
    if looks_like_freeze(text):
        return "pip-freeze"
    return "requirements"


def detect_format(path: str, text: str | None = None) -> str:
    """The format of ``path``: its name when that decides, else ``text``.

    A ``.txt`` requirements file whose content is pip freeze output is
    "pip-freeze"; a ``.in`` file is always "requirements".
    """
    fmt = format_from_name(path)
    if fmt == "requirements" and text is not None and path.lower().endswith(".txt") and looks_like_freeze(text):
        return "pip-freeze"
    if fmt is not None:
        return fmt
    if text is None:
        return "requirements"
    return format_from_content(text)
