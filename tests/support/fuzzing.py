"""Fuzzing the input readers: real-shaped seed files, mutations, and the one rule.

The rule: reading any input, whatever its bytes, ends in a Lockfile (whose
problems render) or in one of lockaudit's own typed errors; any other
exception, or any warning, is a bug. ``check(name, content)`` applies it to one input and
returns what escaped (None when all is well).

Seeds are the formats as tools write them (tests/fixtures/inputs, the large
locks cut to their first lines so that a mutated one parses in a millisecond
or two). ``mutate(seed, rng)`` applies a few of the mutations below: byte and
character flips, cut and doubled spans, swapped and repeated lines, and
splices of the tokens parsers choke on (huge and odd numbers, brackets nested
deeper than the parsers recurse, NUL bytes, lone surrogates, BOMs, quotes,
backslash escapes, include lines, markers, hashes).

Used by tests/inputs/test_input_fuzz.py (hypothesis draws the seeds and the
random state; derandomized) and by benchmarks/test_bench_fuzz.py (100,000
inputs from a fixed seed).
"""

from __future__ import annotations

import random
import tempfile
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

from lockaudit.audit.policy import load_policy
from lockaudit.errors import LockauditError
from lockaudit.inputs import load_texts

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "inputs"

#: (upload name, fixture file, lines kept of it)
SEED_FILES: list[tuple[str, str, int | None]] = [
    ("requirements.txt", "tools/requirements.pip-compile.txt", 120),
    ("requirements.txt", "tools/requirements.uv.txt", None),
    ("requirements.in", "tools/requirements.in", None),
    ("requirements.txt", "tools/pip-freeze.txt", None),
    ("requirements.txt", "requirements/full-syntax.txt", None),
    ("requirements.txt", "requirements/bad-lines.txt", None),
    ("pyproject.toml", "tools/pyproject.toml", None),
    ("pyproject.toml", "pyproject/pep621/pyproject.toml", None),
    ("pyproject.toml", "pyproject/poetry/pyproject.toml", None),
    ("poetry.lock", "tools/poetry.lock", 160),
    ("uv.lock", "tools/uv.lock", 160),
    ("Pipfile", "tools/Pipfile", None),
    ("Pipfile.lock", "tools/Pipfile.lock", 140),
    ("pylock.toml", "tools/pylock.toml", 140),
    ("pylock.toml", "tools/pylock.uv.toml", 140),
]

#: What the policy file looks like (read by load_policy, not load_texts).
POLICY_SEED = """\
fail-on = "minor"
select = ["ALL"]
ignore = ["LA010"]
cooldown = "7d"
python = ["3.11", "3.12"]
platform = ["linux", "darwin"]

[per-package.numpy]
ignore = ["LA002"]

[[suppress]]
code = "LA003"
package = "django"
reason = "upgrade planned"
until = 2027-03-31
"""

TOKENS = [
    "\x00", "\ud800", "\udcff", "\ufeff", "\r", "\r\n", "\t", "\\", '"', "'", '"""', "'''", "#", "=", "==", ";",
    "[", "]", "{", "}", "[[", "]]", ",", ".", "*", "@", "~=", "^", "||", ">=1,<2", "!=1.*", "===1.0", "==1.0+local",
    "1" * 5000, "-" + "9" * 4400, "0x" + "f" * 4000, "0o" + "7" * 5000, "0b" + "1" * 15000, "1e99999", "nan", "inf",
    "1979-05-27T07:32:00Z", "2026-13-45", "[" * 3000, "{a=" * 2000, "\\U0010ffff", "\\ud800", "\\x00",
    "-r other.txt", "-c ../c.txt", "-r /etc/passwd", "-r file:///etc/passwd", "-e ./local", "--hash=sha256:",
    "--index-url http://127.0.0.1:9/simple/", "${HOME}", "${X}" * 50, "; python_version < '3'", "[extra]",
    "pkg @ https://example.invalid/p.whl", "git+https://example.invalid/r.git@v1#egg=x", "true", "false",
    "\u202e", "\u0130", "é", "日本", "\U0001f600", " " * 300, "\n" * 50, "\\\n",
]  # fmt: skip


def seeds() -> list[tuple[str, str]]:
    """``(upload name, text)`` of every seed file."""
    out = []
    for name, rel, keep in SEED_FILES:
        text = (FIXTURES / rel).read_text(encoding="utf-8")
        if keep is not None:
            text = "\n".join(text.split("\n")[:keep]) + "\n"
        out.append((name, text))
    return out


def _span(rng: random.Random, n: int) -> tuple[int, int]:
    a = rng.randrange(n + 1)
    return a, min(n, a + rng.choice((1, 2, 8, 64, 512)))


def mutate(text: str, rng: random.Random, rounds: int | None = None) -> str | bytes:
    """``text`` with 1-4 random mutations; bytes when a byte-level one was chosen."""
    data: str | bytes = text
    for _ in range(rounds or rng.randint(1, 4)):
        kind = rng.randrange(10)
        if isinstance(data, bytes) or kind == 9:
            raw = bytearray(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
            if raw:
                at = rng.randrange(len(raw))
                choice = rng.randrange(3)
                if choice == 0:
                    raw[at] ^= 1 << rng.randrange(8)
                elif choice == 1:
                    raw[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
                else:
                    del raw[at : at + rng.randint(1, 16)]
            data = bytes(raw)
            continue
        n = len(data)
        if kind == 0:  # a token spliced in
            at = rng.randrange(n + 1)
            data = data[:at] + rng.choice(TOKENS) + data[at:]
        elif kind == 1:  # a token replacing a span
            a, b = _span(rng, n)
            data = data[:a] + rng.choice(TOKENS) + data[b:]
        elif kind == 2:  # a span cut
            a, b = _span(rng, n)
            data = data[:a] + data[b:]
        elif kind == 3:  # a span doubled
            a, b = _span(rng, n)
            data = data[:b] + data[a:b] + data[b:]
        elif kind == 4:  # one character changed
            if n:
                at = rng.randrange(n)
                data = data[:at] + chr(rng.choice((rng.randrange(32, 127), rng.randrange(0x10FFFF)))) + data[at + 1 :]
        elif kind == 5:  # lines swapped
            lines = data.split("\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            data = "\n".join(lines)
        elif kind == 6:  # a line repeated many times
            lines = data.split("\n")
            i = rng.randrange(len(lines))
            lines[i:i] = [lines[i]] * rng.choice((2, 10, 300))
            data = "\n".join(lines)
        elif kind == 7:  # cut short
            data = data[: rng.randrange(n + 1)]
        else:  # a value's text replaced after an "="
            at = data.find("=", rng.randrange(n + 1))
            if at != -1:
                end = data.find("\n", at)
                end = n if end == -1 else end
                data = data[: at + 1] + " " + rng.choice(TOKENS) + data[end:]
    return data


def _values(rng: random.Random, depth: int = 0) -> object:
    """A value of any type a TOML or JSON document can hold, odd ones likely."""
    kind = rng.randrange(12 if depth < 3 else 8)
    if kind == 0:
        return rng.choice((0, -1, 1, 2**63, -(2**63) - 1, 10**30))
    if kind == 1:
        return rng.choice((0.0, -0.0, 1e308, float("inf"), float("-inf"), float("nan")))
    if kind == 2:
        return rng.choice((True, False))
    if kind == 3:
        return rng.choice(("", "1.0", "==1.0", ">=1,<2", "not a version", "six", "Six_Pkg", "*", "^1.2", "~1",
                           "sha256:" + "0" * 64, "https://example.invalid/x.whl", "../x", "\\x", "a\\nb"))  # fmt: skip
    if kind == 4:
        return rng.choice(TOKENS)[:200]
    if kind == 5:
        import datetime as dt

        return rng.choice((dt.date(2024, 1, 1), dt.datetime(2024, 1, 1, 12, 0), dt.time(12, 0)))
    if kind == 6:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(12)))
    if kind == 7:
        return []
    if kind in (8, 9):
        return [_values(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(("name", "version", "files", "hash", "markers", "python", "x", "")): _values(rng, depth + 1)
            for _ in range(rng.randrange(4))}  # fmt: skip


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def confuse(name: str, text: str, rng: random.Random) -> str | None:
    """The seed parsed, with values of other types (and odd values) put in random
    places, written out again: what a hand-edited or forged lock looks like to a
    reader that must check every type. None when the seed does not parse."""
    import copy
    import json
    import tomllib

    try:
        doc = json.loads(text) if name == "Pipfile.lock" else tomllib.loads(text)
    except ValueError:
        return None
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if rng.random() < 0.15 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = _values(rng)
    try:
        if name == "Pipfile.lock":
            return json.dumps(doc, default=str, allow_nan=True)
        import tomli_w

        return tomli_w.dumps(doc)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Escape:
    """An exception that escaped a reader: the bug a fuzz run reports."""

    name: str
    content: str | bytes
    error: str
    trace: str

    def __str__(self) -> str:
        return f"{self.name}: {self.error}\ninput: {self.content!r:.600}\n{self.trace}"


def check(name: str, content: str | bytes, workdir: Path | None = None) -> Escape | None:
    """Read one input as lockaudit does; what escaped, or None.

    ``lockaudit.toml`` is read as the policy (from a file, as the CLI reads
    it); every other name through ``load_texts`` (as the service does), and
    every problem found is rendered, as the CLI prints them.
    """
    try:
        with warnings.catch_warnings():
            # A warning on the way (a codec's "invalid escape", say) is a bug too.
            warnings.simplefilter("error")
            if name == "lockaudit.toml":
                _policy(content, workdir)
            else:
                lockfile = load_texts({name: content})
                for problem in lockfile.problems:
                    problem.render()
    except LockauditError:
        return None  # lockaudit's own, typed: what it is for
    except Exception as exc:
        return Escape(name, content, f"{type(exc).__name__}: {exc}"[:500], traceback.format_exc(limit=-6))
    return None


def _policy(content: str | bytes, workdir: Path | None) -> None:
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        path = Path(tmp) / "lockaudit.toml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        load_policy(path)
