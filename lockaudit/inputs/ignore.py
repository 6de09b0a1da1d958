"""``.gitignore`` as ruff and uv honour it when they walk a directory.

Every ``.gitignore`` from the walked directory down applies to its own subtree,
and so do those of its parents up to the repository root (the directory that
holds ``.git``), with the repository's ``.git/info/exclude``. The deepest file
with a matching pattern decides, and within a file the last matching pattern
(``!pattern`` re-includes). Patterns are read with ``pathspec``'s gitignore
rules. Files named on the command line are read whatever the ignore files say.
"""

from __future__ import annotations

import os

from pathspec import GitIgnoreSpec

__all__ = ["IgnoreRules"]


def _read(path: str) -> GitIgnoreSpec | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    lines = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    try:
        return GitIgnoreSpec.from_lines(lines) if lines else None
    except ValueError:
        # git skips a pattern it cannot read ("!" alone); so do we, and keep the others
        return GitIgnoreSpec.from_lines([line for line in lines if _valid(line)]) or None


def _valid(line: str) -> bool:
    try:
        GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


def _repository_root(start: str) -> str | None:
    here = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


class IgnoreRules:
    """The ignore files that apply under ``root``; ask :meth:`ignored` per path."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        #: absolute directory -> its rules (None: it has none)
        self._specs: dict[str, GitIgnoreSpec | None] = {}
        self._parents: list[tuple[str, GitIgnoreSpec]] = []
        repo = _repository_root(self.root)
        if repo is not None:
            d = os.path.dirname(self.root)
            chain = []
            while len(d) >= len(repo) and d.startswith(repo):
                chain.append(d)
                parent = os.path.dirname(d)
                if parent == d:
                    break
                d = parent
            for directory in reversed(chain):
                spec = _read(os.path.join(directory, ".gitignore"))
                if spec is not None:
                    self._parents.append((directory, spec))
            exclude = (
                _read(os.path.join(repo, ".git", "info", "exclude"))
                if os.path.isdir(os.path.join(repo, ".git"))
                else None
            )
            if exclude is not None:
                self._parents.insert(0, (repo, exclude))

    def _spec(self, directory: str) -> GitIgnoreSpec | None:
        if directory not in self._specs:
            self._specs[directory] = _read(os.path.join(directory, ".gitignore"))
        return self._specs[directory]

    def ignored(self, path: str, *, is_dir: bool) -> bool:
        """Whether the ignore files exclude ``path`` (a file or directory under ``root``)."""
        target = os.path.abspath(path)
        chain: list[tuple[str, GitIgnoreSpec]] = list(self._parents)
        d = os.path.dirname(target)
        own: list[tuple[str, GitIgnoreSpec]] = []
        while len(d) >= len(self.root):
            spec = self._spec(d)
            if spec is not None:
                own.append((d, spec))
            if d == self.root:
                break
            d = os.path.dirname(d)
        chain += reversed(own)
        for directory, spec in reversed(chain):  # the deepest ignore file decides
            rel = os.path.relpath(target, directory).replace(os.sep, "/")
            if rel.startswith("../"):
                continue
            result = spec.check_file(rel + "/" if is_dir else rel)
            if result.include is not None:
                return bool(result.include)
        return False
