"""Index pages for the 268 corpus packages, built from the corpus summary.

Same versions, file counts, upload times, yanked flags and requires-python as
the real pages; synthetic file names, hashes and relative URLs (nothing points
at a public host), about the size of the real pages. Shared by the benchmarks.

The releases a fresh install of the corpus visits also carry their recorded
core metadata (tests/fixtures/corpus/metadata.json, written by
scripts/record_corpus_metadata.py): their files advertise a PEP 658
``.metadata`` file, which the server serves, so the audit's fresh resolution
sees the real dependency graph.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
METADATA = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "metadata.json"


def _metadata_text(name: str, version: str, record: dict) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if record.get("requires_python"):
        lines.append(f"Requires-Python: {record['requires_python']}")
    lines += [f"Provides-Extra: {e}" for e in record.get("provides_extra", [])]
    lines += [f"Requires-Dist: {r}" for r in record.get("requires_dist", [])]
    return ("\n".join(lines) + "\n\n").encode()


def lock_names() -> list[str]:
    text = (CORPUS / "app-requirements.lock.txt").read_text()
    return [m.group(1) for m in re.finditer(r"^([A-Za-z0-9._-]+)==", text, re.M)]


def synthetic_pages(directory: Path, metadata_dir: Path | None = None) -> None:
    """Write one page per corpus project into ``directory``; with ``metadata_dir``
    also the recorded ``.metadata`` files there (their files advertise them)."""
    data = json.loads((CORPUS / "release-history.json").read_text())
    recorded = json.loads(METADATA.read_text()) if metadata_dir is not None else {}
    for name, entry in data.items():
        files = []
        stem = name.replace("-", "_")
        for row in entry["files"]:
            for i in range(row["n"]):
                ext = (
                    ".tar.gz" if i == 0 else f"-cp3{i % 10}-cp3{i % 10}-manylinux_2_17_x86_64.manylinux2014_x86_{i}.whl"
                )
                fn = f"{stem}-{row['version']}{ext}"
                digest = hashlib.sha256(fn.encode()).hexdigest()
                record = recorded.get(name, {}).get(row["version"])
                meta: object = False
                # The real file URLs' shape: /packages/ab/cd/<60 hex>/<file name>
                url = f"../../packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{fn}"
                if record is not None and metadata_dir is not None:
                    body = _metadata_text(name, row["version"], record)
                    (metadata_dir / f"{fn}.metadata").write_bytes(body)
                    meta = {"sha256": hashlib.sha256(body).hexdigest()}
                    url = f"../../files/{fn}"
                files.append(
                    {
                        "filename": fn,
                        "url": url,
                        "hashes": {"sha256": digest},
                        "requires-python": row["requires_python"],
                        "size": 100_000 + i,
                        "upload-time": (row["upload_time"] or "2020-01-01T00:00:00Z").replace("Z", ".123456Z"),
                        "yanked": row["yanked"],
                        "data-dist-info-metadata": meta,
                        "core-metadata": meta,
                    }
                )
        page = {
            "meta": {"api-version": "1.1", "_last-serial": 1},
            "name": name,
            "versions": entry["versions"],
            "files": files,
        }
        (directory / f"{name}.json").write_text(json.dumps(page))
