"""Fuzzing every input format: nothing but lockaudit's own typed errors escapes.

Three kinds of input, each through the reader the CLI and the service use
(tests/support/fuzzing.py applies the rule and names what escaped):

- real-shaped files (the fixture locks and manifests as tools write them),
  mutated: flipped bytes, cut and doubled spans, swapped and repeated lines,
  spliced tokens parsers choke on;
- the same files parsed, given values of the wrong type in random places, and
  written out again (a hand-edited or forged lock);
- hypothesis' own text and bytes, and requirement lines built from pip's syntax.

Derandomized: CI and every local run try the same examples (a few hundred per
format). ``benchmarks/test_bench_fuzz.py`` runs 100,000 inputs.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.fuzzing import POLICY_SEED, TOKENS, check, confuse, mutate, seeds

SEEDS = [*seeds(), ("lockaudit.toml", POLICY_SEED)]
NAMES = sorted({name for name, _ in SEEDS} | {"Pipfile.lock", "pylock.toml"})
FUZZ = settings(derandomize=True, deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])


def _ok(name: str, content: str | bytes) -> None:
    escaped = check(name, content)
    assert escaped is None, str(escaped)


@FUZZ
@given(st.sampled_from(SEEDS), st.randoms(use_true_random=False))
def test_mutated_real_files(seed, rng):
    name, text = seed
    _ok(name, mutate(text, rng))


@settings(FUZZ, max_examples=1500)
@given(
    st.sampled_from([s for s in SEEDS if s[0].endswith((".toml", ".lock", "Pipfile"))]),
    st.randoms(use_true_random=False),
)
def test_real_files_with_values_of_the_wrong_type(seed, rng):
    name, text = seed
    confused = confuse(name, text, rng)
    if confused is not None:
        _ok(name, confused)


@FUZZ
@given(st.sampled_from(NAMES), st.text(alphabet=st.characters(exclude_categories=()), max_size=400))
def test_any_text(name, text):
    _ok(name, text)


@FUZZ
@given(st.sampled_from(NAMES), st.binary(max_size=400))
def test_any_bytes(name, data):
    _ok(name, data)


_PIECES = st.one_of(
    st.sampled_from(TOKENS),
    st.sampled_from(
        [
            "six",
            "Django",
            "zope.interface",
            "requests[socks]",
            "==",
            ">=",
            "~=",
            "!=",
            "1.0",
            "2.*",
            "--hash=sha256:" + "a" * 64,
            "\\",
            "-r",
            "-c",
            "-e",
            "#",
            "; sys_platform == 'linux'",
            " ",
        ]
    ),
    st.text(max_size=12),
)


@FUZZ
@given(st.lists(st.lists(_PIECES, max_size=8).map("".join), max_size=12).map("\n".join))
def test_requirement_lines_built_from_pips_syntax(text):
    _ok("requirements.txt", text)


@FUZZ
@given(st.integers(min_value=0, max_value=2**32))
def test_several_mutations_of_a_pair_paired(state):
    """A range file and its lock, both mutated, read together (pairing, includes)."""
    rng = random.Random(state)
    manifest = next(t for n, t in SEEDS if n == "requirements.in")
    lock = next(t for n, t in SEEDS if n == "requirements.txt")
    from lockaudit.errors import LockauditError
    from lockaudit.inputs import load_texts

    files = {"requirements.in": mutate(manifest, rng), "requirements.txt": mutate(lock, rng)}
    try:
        for problem in load_texts(files).problems:
            problem.render()
    except LockauditError:
        pass


# What fuzzing found once, kept as plain cases.
FOUND = [
    ("requirements.txt", "./dist/pkg-" + "1" * 4400 + ".tar.gz\n"),  # a sdist name past int()'s limit
    ("requirements.txt", "pkg @ https://example.invalid/pkg-" + "9" * 4400 + "-py3-none-any.whl\n"),
    ("pyproject.toml", '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\nsix = {version = "^1", extras = 3}\n'),
    ("lockaudit.toml", "cooldown = inf\n"),
    ("lockaudit.toml", 'cooldown = "99999999999999d"\n'),
    ("lockaudit.toml", "cooldown = 1e300\n"),
]


def test_what_fuzzing_found():
    for name, text in FOUND:
        _ok(name, text)


def test_quoted_keys_are_read_as_toml_reads_them_without_warnings():
    import warnings

    from lockaudit.inputs._toml import _split_key

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _split_key('"caf\\u00e9"."x\\\\$y"') == ("café", "x\\$y")
        assert _split_key('"é".b') == ("é", "b")  # text as it is, not re-decoded
        assert _split_key('"not\\$toml"') == ("not\\$toml",)  # a look-alike line: its inner text
