"""Issue 13: 100,000 fuzzed inputs through the readers, and nothing but
lockaudit's own typed errors escapes.

Not a speed race: a long, reproducible fuzz run kept beside the benchmarks
(``make bench``), where a run of minutes belongs. A fixed seed; every input is
one of the real-shaped seed files (tests/support/fuzzing.py) either mutated
(flips, cuts, doubled spans, swapped and repeated lines, spliced tokens) or
given values of the wrong type. The test suite runs a derandomized few
thousand (tests/inputs/test_input_fuzz.py). Figures: benchmarks/README.md.
"""

from __future__ import annotations

import collections
import random
import time

from support.fuzzing import POLICY_SEED, check, confuse, mutate, seeds

INPUTS = 100_000
SEED = 13


def _campaign() -> dict:
    pool = [*seeds(), ("lockaudit.toml", POLICY_SEED)]
    structured = [s for s in pool if s[0].endswith((".toml", ".lock", "Pipfile"))]
    rng = random.Random(SEED)
    escapes = []
    by_format: collections.Counter[str] = collections.Counter()
    kinds: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    done = 0
    while done < INPUTS:
        if rng.random() < 0.25:
            name, text = rng.choice(structured)
            content = confuse(name, text, rng)
            if content is None:
                continue
            kinds["wrong types"] += 1
        else:
            name, text = rng.choice(pool)
            content = mutate(text, rng)
            kinds["bytes" if isinstance(content, bytes) else "text"] += 1
        escaped = check(name, content)
        if escaped is not None:
            escapes.append(escaped)
        by_format[name] += 1
        done += 1
    return {
        "inputs": done,
        "seconds": time.perf_counter() - started,
        "escapes": escapes,
        "by_format": dict(by_format),
        "kinds": dict(kinds),
    }


def test_bench_fuzz_100k_inputs(benchmark):
    result = benchmark.pedantic(_campaign, rounds=1, iterations=1)
    print(f"\n{result['inputs']:,} inputs in {result['seconds']:.0f} s "
          f"({result['inputs'] / result['seconds']:.0f}/s): {len(result['escapes'])} escaped; "
          f"by kind {result['kinds']}; by format {result['by_format']}")  # fmt: skip
    benchmark.extra_info.update(inputs=result["inputs"], escaped=len(result["escapes"]), **result["kinds"])
    assert not result["escapes"], "\n\n".join(str(e) for e in result["escapes"][:5])
