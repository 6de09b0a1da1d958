"""The entry point: paths in, one paired Lockfile out, every problem collected.

``load`` finds the supported files (walking directories), detects each format,
parses, pairs range files with their locks and matches entries by name. Nothing
about the input raises: a missing file, a bad line, a cycle is an InputProblem
in the result. Only a bad argument (an unknown ``format``) raises InputError.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import partial

from ..model import IndexOptions, InputFile, InputProblem, LockedPackage, Lockfile, Requirement
from ._text import decode, read_file
from .detect import detect_format, is_candidate, normalize_format
from .ignore import IgnoreRules
from .pairing import Project, dependencies, group_discovered, group_explicit, split_by_role

__all__ = ["discover", "load", "load_texts", "parse"]

PathLike = str | os.PathLike[str]
#: (text, decoding problems) of a path; OSError when it cannot be read.
Reader = Callable[[str], tuple[str, list[InputProblem]]]

# Directories that hold no project's own dependency files.
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "__pypackages__"})


#: Format -> the module in this package that parses it (imported on first use:
#: a run reads one or two formats, and the TOML and JSON ones cost imports).
_MODULES = {
    "requirements": "requirements_txt",
    "pip-freeze": "requirements_txt",
    "pyproject": "pyproject",
    "poetry.lock": "poetry_lock",
    "uv.lock": "uv_lock",
    "pipfile": "pipfile",
    "pipfile.lock": "pipfile_lock",
    "pylock": "pylock",
}


def _parser(fmt: str, env: Mapping[str, str] | None, read: Reader) -> Callable[[str, str], Lockfile]:
    module = importlib.import_module(f".{_MODULES[fmt]}", __package__)
    if fmt in ("requirements", "pip-freeze"):
        return partial(module.parse, env=env, read=read, fmt=fmt)
    return module.parse


def parse(text: str, path: str, *, format: str | None = None, env: Mapping[str, str] | None = None) -> Lockfile:
    """One file's content, read alone: no pairing, includes read from disk.

    Requirements files give both readings (every line a requirement, exact pins
    also pins); use :func:`load` or :func:`load_texts` to pair files.
    """
    fmt = normalize_format(format) if format else detect_format(path, text)
    return _parser(fmt, env, read_file)(text, path)


def _walk(root: str) -> list[str]:
    """Dependency files under ``root``, skipping what .gitignore excludes (as ruff and uv do),
    hidden directories, virtual environments and installed packages."""
    rules = IgnoreRules(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".")
            and d not in _SKIP_DIRS
            and not d.endswith(".egg-info")
            and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg"))
            and not rules.ignored(os.path.join(dirpath, d), is_dir=True)
        )
        for name in sorted(filenames):
            path = os.path.normpath(os.path.join(dirpath, name))
            if is_candidate(path) and not rules.ignored(path, is_dir=False):
                found.append(path)
    return found


class _Cache:
    """Each file read and decoded once, whichever parser asks first."""

    def __init__(self, read: Reader) -> None:
        self._read = read
        self._seen: dict[str, tuple[str, list[InputProblem]] | OSError] = {}

    def __call__(self, path: str) -> tuple[str, list[InputProblem]]:
        key = os.path.normpath(path)
        if key not in self._seen:
            try:
                self._seen[key] = self._read(path)
            except OSError as exc:
                self._seen[key] = exc
        hit = self._seen[key]
        if isinstance(hit, OSError):
            raise hit
        return hit


def discover(
    paths: PathLike | Iterable[PathLike], *, format: str | None = None
) -> tuple[list[Project], list[InputProblem]]:
    """The projects ``paths`` name: files as given, directories walked for supported
    files; and the problems met (missing paths, directories with nothing to read)."""
    projects, problems, _ = _discover(_as_list(paths), normalize_format(format) if format else None, _Cache(read_file))
    return projects, problems


def _as_list(paths: PathLike | Iterable[PathLike]) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def _discover(
    paths: list[str], forced: str | None, cache: _Cache, *, on_disk: bool = True
) -> tuple[list[Project], list[InputProblem], list[str]]:
    problems: list[InputProblem] = []
    explicit: list[tuple[str, str]] = []
    found: list[tuple[str, str]] = []
    unreadable: list[str] = []
    for path in paths:
        if on_disk and os.path.isdir(path):
            files = _walk(path)
            if not files:
                problems.append(
                    InputProblem(path, None, "no supported dependency file found in this directory", code="no-input")
                )
            for f in files:
                found.append((f, _detect(f, None, cache)))
            continue
        try:
            cache(path)
        except OSError as exc:
            problems.append(InputProblem(path, None, f"cannot read file: {exc.strerror or exc}", code="missing-file"))
            unreadable.append(path)
            continue
        explicit.append((path, forced or _detect(path, None, cache)))

    def text_of(path: str) -> str | None:
        try:
            return cache(path)[0]
        except OSError:
            return None

    return group_explicit(explicit) + group_discovered(found, text_of), problems, unreadable


def _detect(path: str, _text: str | None, cache: _Cache) -> str:
    try:
        text, _ = cache(path)
    except OSError:
        text = None
    return detect_format(path, text)


def load(
    paths: PathLike | Iterable[PathLike],
    *,
    format: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Lockfile:
    """Read, pair and match everything ``paths`` name (files or directories).

    ``format`` forces the format of the files named directly (not of those found
    in directories). ``env`` is where requirements files' ``${VAR}`` come from
    (default ``os.environ``). Paths in origins are as given (relative stay relative).
    """
    forced = normalize_format(format) if format else None
    cache = _Cache(read_file)
    projects, problems, _ = _discover(_as_list(paths), forced, cache)
    return _assemble(projects, problems, cache, env)


def load_texts(
    files: Mapping[str, str | bytes],
    *,
    format: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Lockfile:
    """Like :func:`load` for contents already in hand (name -> text or bytes), as
    an upload gives them: files in one directory pair; ``-r``/``-c`` includes are
    looked up among ``files`` only, never on disk."""
    forced = normalize_format(format) if format else None
    normalized = {os.path.normpath(k): v for k, v in files.items()}

    def read(path: str) -> tuple[str, list[InputProblem]]:
        data = normalized.get(os.path.normpath(path))
        if data is None:
            raise FileNotFoundError(2, "No such file among the inputs", path)
        if isinstance(data, bytes):
            return decode(data, path)
        return data.replace("\r\n", "\n"), []

    cache = _Cache(read)
    projects, problems, _ = _discover(list(files), forced, cache, on_disk=False)
    return _assemble(projects, problems, cache, env)


def _assemble(
    projects: list[Project], problems: list[InputProblem], cache: _Cache, env: Mapping[str, str] | None
) -> Lockfile:
    parsed: dict[str, Lockfile] = {}
    for project in projects:
        for path, fmt, _role in project.files:
            try:
                text, decoding = cache(path)
            except OSError as exc:
                problem = InputProblem(path, None, f"cannot read file: {exc.strerror or exc}", code="missing-file")
                parsed[path] = Lockfile(files=(path,), problems=(problem,), formats=((path, fmt),))
                continue
            result = _parser(fmt, env, cache)(text, path)
            parsed[path] = replace(result, problems=tuple(decoding) + result.problems)

    # A lone requirements file that another root pulls in with -r is read there, not twice.
    pulled = {
        os.path.realpath(f.path) for lf in parsed.values() for f in lf.inputs if f.included_by and not f.constraint
    }
    projects = [
        p
        for p in projects
        if not (len(p.files) == 1 and p.files[0][2] == "both" and os.path.realpath(p.files[0][0]) in pulled)
    ]

    files: dict[str, None] = {}
    formats: dict[tuple[str, str], None] = {}
    inputs: list[InputFile] = []
    all_problems: dict[InputProblem, None] = dict.fromkeys(problems)
    requirements: list[Requirement] = []
    packages: list[LockedPackage] = []
    deps = []
    includes: dict[tuple[str, str], None] = {}
    index = IndexOptions()
    for project in projects:
        # The same line read twice (a file included by two roots) is one equal value: kept once.
        reqs: dict[Requirement, None] = {}
        pins: dict[LockedPackage, None] = {}
        for path, fmt, role in project.files:
            lf = parsed[path]
            inputs.append(InputFile(path, fmt, role, project.label, scope=lf.scope, reason=project.reason(path)))
            if role != "includes":
                inputs.extend(
                    replace(
                        f,
                        role=role,
                        project=project.label,
                        reason=f"included by {f.included_by} ({'-c' if f.constraint else '-r'})",
                    )
                    for f in lf.inputs
                )
            files.update(dict.fromkeys(lf.files))
            formats.update(dict.fromkeys(lf.formats))
            all_problems.update(dict.fromkeys(lf.problems))
            includes.update(dict.fromkeys(lf.group_includes))
            index = _merge_index(index, lf.index, path, all_problems)
            r, p = split_by_role(lf, role, fmt)
            reqs.update(dict.fromkeys(r))
            pins.update(dict.fromkeys(p))
        requirements.extend(reqs)
        packages.extend(pins)
        deps.extend(dependencies(project.label, reqs, pins))
    return Lockfile(
        files=tuple(files),
        requirements=tuple(requirements),
        packages=tuple(packages),
        index=index,
        problems=tuple(all_problems),
        formats=tuple(formats),
        dependencies=tuple(deps),
        inputs=tuple(inputs),
        group_includes=tuple(includes),
    )


def _merge_index(a: IndexOptions, b: IndexOptions, path: str, problems: dict[InputProblem, None]) -> IndexOptions:
    if b == IndexOptions():
        return a
    index_url = a.index_url
    if b.index_url and a.index_url and b.index_url != a.index_url:
        problems[
            InputProblem(
                path,
                None,
                "another file already set a different --index-url; the first one is used",
                severity="warning",
                code="index-conflict",
            )
        ] = None
    elif b.index_url:
        index_url = b.index_url

    def join(x: tuple[str, ...], y: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(x + y))

    return IndexOptions(
        index_url=index_url,
        extra_index_urls=join(a.extra_index_urls, b.extra_index_urls),
        find_links=join(a.find_links, b.find_links),
        trusted_hosts=join(a.trusted_hosts, b.trusted_hosts),
        no_index=a.no_index or b.no_index,
        pre=a.pre or b.pre,
        only_binary=join(a.only_binary, b.only_binary),
        no_binary=join(a.no_binary, b.no_binary),
        prefer_binary=a.prefer_binary or b.prefer_binary,
        require_hashes=a.require_hashes or b.require_hashes,
        named=tuple(dict.fromkeys(a.named + b.named)),
    )
