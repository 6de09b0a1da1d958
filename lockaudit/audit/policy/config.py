"""Where a policy comes from: a config file on disk, or one among uploaded files.

The nearest ``lockaudit.toml`` or ``pyproject.toml`` with a ``[tool.lockaudit]``
table, from a start directory upwards (:func:`find_config`, :func:`load_policy`),
or the same search over uploaded files by their relative names
(:func:`find_uploaded_config`, :func:`policy_from_files`); each suppression
keeps the file:line it was written at.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ...errors import PolicyError
from ...inputs._toml import loads as toml_loads
from .model import Policy

__all__ = ["CONFIG_FILES", "find_config", "find_uploaded_config", "load_policy", "policy_from_files"]

#: Looked for in each directory, in this order.
CONFIG_FILES = ("lockaudit.toml", "pyproject.toml")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: expected UTF-8 text") from None


def _config_table(path: str, text: str) -> Mapping[str, Any] | None:
    """The policy table of a config file's text: all of a lockaudit.toml, the
    ``[tool.lockaudit]`` of a pyproject.toml (None: it has none)."""
    try:
        data = toml_loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: invalid TOML: {exc}") from None
    if _file_name(path) != "pyproject.toml":
        return data
    tool = data.get("tool", {})
    table = tool.get("lockaudit") if isinstance(tool, Mapping) else None
    if table is not None and not isinstance(table, Mapping):
        raise PolicyError(f"{path}: [tool.lockaudit]: expected a table, got {table!r}")
    return table


def _file_name(path: str) -> str:
    return posixpath.basename(path.replace("\\", "/"))


def _policy_of(path: str, text: str) -> Policy:
    """The policy a config file's text gives, each suppression with its file:line."""
    table = _config_table(path, text)
    if table is None:
        return Policy(source=path)
    label = "[tool.lockaudit]" if _file_name(path) == "pyproject.toml" else ""
    return Policy.from_mapping(table, path, table=label, text=text)


def _nearest(
    directories: Iterable[str],
    read: Callable[[str], str | None],
    join: Callable[[str, str], str],
    *,
    pass_over_invalid_pyproject: bool = False,
) -> tuple[str, str] | None:
    """(path, text) of the first config file in ``directories``, nearest first:
    in each, ``lockaudit.toml`` wins; a ``pyproject.toml`` counts only with a
    ``[tool.lockaudit]`` table (one that is not TOML raises PolicyError, or is
    passed over)."""
    for directory in directories:
        for name in CONFIG_FILES:
            path = join(directory, name)
            text = read(path)
            if text is None:
                continue
            if name == "lockaudit.toml":
                return path, text
            try:
                table = _config_table(path, text)
            except PolicyError:
                if pass_over_invalid_pyproject and not _is_toml(text):
                    continue
                raise
            if table is not None:
                return path, text
    return None


def _is_toml(text: str) -> bool:
    try:
        toml_loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def find_config(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest policy file from ``start`` (default: the working directory) upwards.

    In each directory ``lockaudit.toml`` wins; a ``pyproject.toml`` counts only
    when it has a ``[tool.lockaudit]`` table.
    """
    here = Path(start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    directories = [str(d) for d in (here, *here.parents)]
    found = _nearest(
        directories, lambda p: _read_text(Path(p)) if Path(p).is_file() else None, lambda d, n: str(Path(d) / n)
    )
    return Path(found[0]) if found is not None else None


def load_policy(path: str | os.PathLike[str] | None = None, *, start: str | os.PathLike[str] | None = None) -> Policy:
    """The policy from ``path`` (a pyproject.toml or a lockaudit.toml), or from the
    nearest one found from ``start`` upwards, or the defaults when there is none.

    Raises PolicyError for an unreadable file, invalid TOML or invalid settings.
    """
    if path is None:
        found = find_config(start)
        if found is None:
            return Policy()
        path = found
    path = Path(path)
    return _policy_of(str(path), _read_text(path))


def find_uploaded_config(files: Mapping[str, str], start: str) -> tuple[str, str] | None:
    """(name, text) of the policy file among uploaded ``files`` (relative names
    -> text) nearest to the upload named ``start``, found as
    :func:`find_config` finds one on disk. A ``pyproject.toml`` that is not
    TOML is passed over: it is an input, and the inputs layer reports it."""
    by_name = {posixpath.normpath(name): text for name, text in files.items()}
    directory = posixpath.dirname(posixpath.normpath(start))
    directories = [directory]
    while directory:
        directory = posixpath.dirname(directory)
        directories.append(directory)
    return _nearest(
        directories, by_name.get, lambda d, n: posixpath.join(d, n) if d else n, pass_over_invalid_pyproject=True
    )


def policy_from_files(
    files: Mapping[str, str], *, start: str | None = None, overrides: Mapping[str, Any] | None = None
) -> Policy:
    """The policy of uploaded files, as :func:`load_policy` reads it on disk.

    ``files``: relative names -> text (the service's uploads). The policy file
    is the ``lockaudit.toml`` / ``[tool.lockaudit]`` nearest to ``start``
    (default: the first file), each suppression located at its file:line.
    ``overrides``: keys of a config table (``fail-on``, ``suppress``, ...,
    source "request") that replace the same keys of that file; their
    suppressions were written in no file and have no location. Raises
    PolicyError for an unreadable policy file or invalid settings.
    """
    found = find_uploaded_config(files, start if start is not None else next(iter(files))) if files else None
    policy = _policy_of(*found) if found is not None else Policy()
    if overrides is None:
        return policy
    given = Policy.from_mapping(overrides, "request")
    given = dataclasses.replace(
        given, suppressions=tuple(dataclasses.replace(s, location=None) for s in given.suppressions)
    )
    if found is None:
        return given
    replaced = {_field(key) for key in overrides}
    return dataclasses.replace(policy, **{name: getattr(given, name) for name in replaced})


def _field(key: str) -> str:
    """The Policy field a config key sets (``fail-on`` -> ``fail_on``, ``suppress`` -> ``suppressions``)."""
    name = key.replace("-", "_")
    return "suppressions" if name == "suppress" else name
