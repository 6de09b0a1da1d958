"""Index pages for the 268 corpus packages, built from the corpus summary.

Same versions, file counts, upload times, yanked flags and requires-python as
the real pages; synthetic file names, hashes and relative URLs (nothing points
at a public host), about the size of the real pages. Shared by the benchmarks.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def lock_names() -> list[str]:
    text = (CORPUS / "app-requirements.lock.txt").read_text()
    return [m.group(1) for m in re.finditer(r"^([A-Za-z0-9._-]+)==", text, re.M)]


def synthetic_pages(directory: Path) -> None:
    data = json.loads((CORPUS / "release-history.json").read_text())
    for name, entry in data.items():
        files = []
        stem = name.replace("-", "_")
        for row in entry["files"]:
            for i in range(row["n"]):
                ext = ".tar.gz" if i == 0 else f"-cp3{i % 10}-cp3{i % 10}-manylinux_2_17_x86_64.manylinux2014_x86_{i}.whl"
                fn = f"{stem}-{row['version']}{ext}"
                digest = hashlib.sha256(fn.encode()).hexdigest()
                files.append(
                    {
                        "filename": fn,
                        # The real file URLs' shape: /packages/ab/cd/<60 hex>/<file name>
                        "url": f"../../packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{fn}",
                        "hashes": {"sha256": digest},
                        "requires-python": row["requires_python"],
                        "size": 100_000 + i,
                        "upload-time": (row["upload_time"] or "2020-01-01T00:00:00Z").replace("Z", ".123456Z"),
                        "yanked": row["yanked"],
                        "data-dist-info-metadata": False,
                        "core-metadata": False,
                    }
                )
        page = {"meta": {"api-version": "1.1", "_last-serial": 1}, "name": name, "versions": entry["versions"], "files": files}
        (directory / f"{name}.json").write_text(json.dumps(page))


