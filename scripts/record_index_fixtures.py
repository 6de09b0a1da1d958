"""Record the index fixtures in tests/fixtures/index/ from the real default index.

Uses lockaudit's own client (its HTTP session, content negotiation and
metadata fetching). Pages are kept as PEP 691 JSON minus every file URL: the
test server serves files under its own relative paths. Run by hand:

    .venv/bin/python scripts/record_index_fixtures.py
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import orjson

from lockaudit.index import IndexClient, IndexSettings, IndexURL
from lockaudit.index.cache import metadata_key
from lockaudit.index.settings import DEFAULT_INDEX_URL
from lockaudit.index.simple_api import ACCEPT, project_url

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "index"

#: Small projects that between them have yanked versions (mdurl, roman-numerals,
#: defusedxml), pre-releases (iniconfig, six, defusedxml, aiosignal), versions
#: with only an sdist (six, defusedxml, isodate) and wheels with metadata.
PROJECTS = [
    "six",
    "mdurl",
    "iniconfig",
    "roman-numerals",
    "defusedxml",
    "isodate",
    "cycler",
    "aiosignal",
    "matplotlib-inline",
    "itsdangerous",
    "pluggy",
    "tomli-w",
]
#: (project, version) whose core metadata is recorded.
METADATA = [
    ("six", "1.17.0"),
    ("mdurl", "0.1.2"),
    ("aiosignal", "1.3.1"),
    ("pluggy", "1.5.0"),
    ("matplotlib-inline", "0.1.7"),
]


def strip_metadata(raw: bytes, hosts: set[str]) -> bytes:
    """The header block only (the description is not needed), without lines
    that name the index's hosts (project links)."""
    head = raw.split(b"\n\n", 1)[0]
    keep = [line for line in head.split(b"\n") if not any(h.encode() in line for h in hosts)]
    return b"\n".join(keep) + b"\n"


def strip_urls(page: dict) -> dict:
    for f in page["files"]:
        f.pop("url", None)
        f.pop("provenance", None)
    page.pop("alternate-locations", None)
    return page


async def main() -> int:
    settings = IndexSettings(IndexURL(DEFAULT_INDEX_URL), source="recorder")
    (OUT / "projects").mkdir(parents=True, exist_ok=True)
    (OUT / "metadata").mkdir(parents=True, exist_ok=True)
    hosts = {urlsplit(DEFAULT_INDEX_URL).hostname or ""}
    async with IndexClient(settings, cache="none", concurrency=4) as client:
        for name in PROJECTS:
            r = await client._http.get(project_url(DEFAULT_INDEX_URL, name), {"Accept": ACCEPT})
            r.raise_for_status()
            page = orjson.loads(r.content)
            hosts |= {urlsplit(f["url"]).hostname or "" for f in page["files"]} - {""}
            page = strip_urls(page)
            path = OUT / "projects" / f"{name}.json"
            path.write_text(json.dumps(page, indent=1, sort_keys=True) + "\n")
            print(f"{path.relative_to(ROOT)}: {len(page['files'])} files")
        histories = await client.fetch_histories([n for n, _ in METADATA])
        for name, version in METADATA:
            release = histories[name].release(version)
            assert release is not None, (name, version)
            wheel = next(f for f in release.files if f.is_wheel)
            meta = await client.fetch_metadata(wheel)
            data = client.cache.get(metadata_key(wheel.hashes[0]))
            raw = data.data if data else None
            if raw is None:
                from lockaudit.index.metadata import fetch_core_metadata

                raw, _ = await fetch_core_metadata(client._http, wheel)
            path = OUT / "metadata" / f"{wheel.filename}.metadata"
            path.write_bytes(strip_metadata(raw, hosts))
            print(f"{path.relative_to(ROOT)}: {meta.name} {meta.version}, {len(meta.requires_dist)} Requires-Dist")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
