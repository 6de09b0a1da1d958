"""A realistic specifier mix over a package's own history (tests and benchmarks share it).

Per package: ``>=V``, ``~=X.Y``, ``==X.*``, ``>=A,<B``, ``>=A,!=C,<B``, ``<V`` and a
caret written out in PEP 440 (``>=V,<next-major``), drawn from the versions the
package really published, so every spec selects a realistic slice.
"""

from __future__ import annotations

import random

from packaging.version import InvalidVersion, Version


def _parse(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def spec_mix(name: str, versions: list[str], per_package: int = 6) -> list[str]:
    rng = random.Random(name)
    finals = [v for v in versions if (p := _parse(v)) is not None and not p.is_prerelease and p.local is None]
    if not finals:
        return [">=0", "!=0.0.1", "<1000"][:per_package]
    finals.sort(key=Version)

    def pick() -> Version:
        return Version(rng.choice(finals))

    specs: list[str] = []
    builders = [
        lambda: f">={pick()}",
        lambda: (lambda v: f"~={v.major}.{v.minor}")(pick()),
        lambda: f"=={pick().major}.*",
        lambda: (lambda a, b: f">={min(a, b)},<{max(a, b)}")(pick(), pick()),
        lambda: (lambda a, b, c: f">={min(a, b)},!={c},<{max(a, b)}")(pick(), pick(), pick()),
        lambda: f"<{pick()}",
        lambda: (lambda v: f">={v},<{v.major + 1}")(pick()),
        lambda: f"!={pick()}",
    ]
    rng.shuffle(builders)
    for build in builders[:per_package]:
        specs.append(build())
    return specs
