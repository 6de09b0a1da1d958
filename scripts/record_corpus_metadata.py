"""Record the dependency metadata the corpus audit needs, for the local corpus index.

The shared corpus (../shared/corpus) holds release histories but no core
metadata; a fresh install's answer is a resolution, which needs each visited
release's Requires-Dist and Requires-Python. This script resolves
app-requirements.in against the local corpus index (the corpus pages, as the
benchmarks and tests serve them) at the dates the tests and benchmarks use,
sets the result against the corpus lock, and fetches from the live default
index the metadata of every release the resolution could not read, until
nothing is missing. It writes tests/fixtures/corpus/metadata.json: names,
versions, requirement lines, Requires-Python and extras (no file URLs).

    .venv/bin/python scripts/record_corpus_metadata.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from lockaudit.index import IndexClient, IndexSettings, IndexURL, resolve_index_settings  # noqa: E402
from lockaudit.index.metadata import MetadataUnavailable  # noqa: E402
from lockaudit.inputs import load  # noqa: E402
from lockaudit.resolve.fresh import fresh_install_async  # noqa: E402
from lockaudit.resolve.metadata import from_core_metadata  # noqa: E402
from lockaudit.targets import Target  # noqa: E402
from support.corpus_pages import CORPUS, METADATA, synthetic_pages  # noqa: E402
from support.index_server import IndexServer, load_metadata, load_projects  # noqa: E402

#: The moments the tests and benchmarks audit the corpus at, and the corpus's own recording time.
MOMENTS = ("2026-11-01", "2026-11-20", "2026-11-23", "2026-11-23T14:15:53Z")
TARGETS = (Target("3.11", "linux"), Target("3.11.7", "linux"), Target("3.12", "linux"))


async def missing_releases(url: str, cache_dir: Path) -> set[tuple[str, str]]:
    """(name, version) of every release whose dependencies the corpus resolutions could not read."""
    lockfile = load([str(CORPUS / "app-requirements.in"), str(CORPUS / "app-requirements.lock.txt")])
    missing: set[tuple[str, str]] = set()
    async with IndexClient(IndexSettings(IndexURL.parse(url)), cache=str(cache_dir / "c.sqlite3")) as client:
        for moment in MOMENTS:
            for target in TARGETS:
                deps: dict = {}
                await fresh_install_async(
                    lockfile, lockfile.packages, client=client, target=target, as_of=moment, dependencies=deps
                )
                missing.update(key for key, value in deps.items() if not value.known)
    return missing


async def fetch_live(wanted: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, object]]:
    out: dict[tuple[str, str], dict[str, object]] = {}
    async with IndexClient(resolve_index_settings(), cache="none") as client:
        histories = await client.fetch_histories(sorted({n for n, _ in wanted}))
        for name, version in sorted(wanted):
            history = histories[name]
            try:
                meta = await client.release_metadata(history, version)
            except MetadataUnavailable as exc:
                print(f"  {name} {version}: {exc}", file=sys.stderr)
                continue
            deps = from_core_metadata(meta)
            out[(name, version)] = {
                "requires_dist": [str(d) for d in deps.dependencies],
                "requires_python": deps.requires_python,
                "provides_extra": sorted(deps.extras),
            }
    return out


def main() -> None:
    recorded: dict[str, dict[str, dict[str, object]]] = json.loads(METADATA.read_text()) if METADATA.exists() else {}
    for round_ in range(1, 20):
        with tempfile.TemporaryDirectory() as tmp:
            pages, metadata = Path(tmp, "pages"), Path(tmp, "metadata")
            pages.mkdir()
            metadata.mkdir()
            METADATA.parent.mkdir(parents=True, exist_ok=True)
            METADATA.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
            synthetic_pages(pages, metadata)
            with IndexServer(projects=load_projects(pages), metadata=load_metadata(metadata)) as server:
                missing = asyncio.run(missing_releases(server.url, Path(tmp)))
        missing = {(n, v) for n, v in missing if v not in recorded.get(n, {})}
        print(f"round {round_}: {len(missing)} releases to fetch")
        if not missing:
            break
        for (name, version), value in asyncio.run(fetch_live(missing)).items():
            recorded.setdefault(name, {})[version] = value
    METADATA.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    releases = sum(len(v) for v in recorded.values())
    print(f"{releases} releases of {len(recorded)} projects in {METADATA.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
