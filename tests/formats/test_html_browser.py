"""The HTML report in a real browser: Debian's chromium driven by Playwright's
Python package (never ``playwright install``; scripts/ensure-services.sh installs
chromium), on the report of the corpus lock (../shared/corpus: 268 pins)
audited against the local test index that serves the corpus' release history.

The page must render every package, load nothing from anywhere, sort by a
column when its header is clicked, and show each package's release timeline
with the locked, fresh-install and newest releases marked.
"""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.version import Version
from service.helpers import corpus_pages

from support.corpus_pages import CORPUS
from support.index_server import IndexServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The day the corpus was recorded: its lock is current then, except where it is not.
AS_OF = "2026-11-23"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("html")
    for name in ("app-requirements.in", "app-requirements.lock.txt"):
        shutil.copy(CORPUS / name, work / name)
    metadata: dict[str, bytes] = {}
    # Where corpus_pages() can also serve the recorded core metadata, it fills `metadata`.
    pages = corpus_pages(metadata) if "metadata" in inspect.signature(corpus_pages).parameters else corpus_pages()
    server = IndexServer(projects=pages, metadata=metadata)
    server.cache_pages = True
    with server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_"))}
        env["PIP_CONFIG_FILE"] = os.devnull
        proc = subprocess.run(
            [sys.executable, "-m", "lockaudit", "app-requirements.in", "app-requirements.lock.txt",
             "--format", "html=report.html", "--as-of", AS_OF, "--python", "3.11", "--platform", "linux",
             "--no-dependency-changes", "--fail-on", "never", "--allow-unknown",
             "--index-url", server.url, "--cache", str(work / "cache.sqlite3")],
            cwd=work, capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    yield work / "report.html"


@pytest.fixture(scope="module")
def page(report_file: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is not installed (scripts/ensure-services.sh installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),  # a fresh user-data-dir
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:

            def watch(route):  # type: ignore[no-untyped-def]
                requests.append(route.request.url)
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    route.abort()

            context.route("**/*", watch)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.goto(report_file.as_uri())
            page.wait_for_selector("#packages-table tbody.pkg")
            yield page, requests, errors
        finally:
            context.close()


def _names(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all("#packages-table tbody.pkg", "els => els.map(e => e.dataset.name)")


def test_page_renders_every_package_and_loads_nothing(page, report_file: Path) -> None:  # type: ignore[no-untyped-def]
    p, requests, errors = page
    assert len(_names(p)) == 268
    assert "268 packages audited" in p.inner_text("#summary")
    counts = p.eval_on_selector_all("#drift-chart g.bar", "els => els.map(e => Number(e.dataset.count))")
    assert sum(counts) == 268
    assert p.is_visible("#drift-chart")
    assert [u for u in requests if not u.startswith("file://")] == []
    assert errors == []
    assert "http://" not in report_file.read_text() and "https://" not in report_file.read_text()


def test_clicking_a_header_sorts(page) -> None:  # type: ignore[no-untyped-def]
    p, _, _ = page
    header = p.locator('#packages-table thead th[data-key="name"] button')
    header.click()
    names = _names(p)
    assert names == sorted(names)
    assert p.get_attribute('#packages-table thead th[data-key="name"]', "aria-sort") == "ascending"
    header.click()
    assert _names(p) == sorted(names, reverse=True)
    # versions sort as versions, not as text (2.10 after 2.9)
    p.locator('#packages-table thead th[data-key="locked"] button').click()
    locked = p.eval_on_selector_all(
        "#packages-table tbody.pkg",
        "els => els.map(e => e.querySelector('td:nth-of-type(3)').textContent)",
    )
    valid = [Version(v) for v in locked if v not in ("-", "")]
    assert valid == sorted(valid)
    # the largest drift first, the smallest last
    drift = p.locator('#packages-table thead th[data-key="drift"] button')
    drift.click()
    drift.click()
    ranks = p.eval_on_selector_all("#packages-table tbody.pkg", "els => els.map(e => Number(e.dataset.drift))")
    assert ranks == sorted(ranks, reverse=True) and ranks[0] > ranks[-1]


def _cells(body) -> dict[str, str]:  # type: ignore[no-untyped-def]
    texts = body.locator("tr.row > td").all_inner_texts()
    return {"locked": texts[2], "fresh": texts[3].split(" (", 1)[0], "newest": texts[4]}


def test_timeline_shows_locked_fresh_newest_and_cooldown(page) -> None:  # type: ignore[no-untyped-def]
    p, _, _ = page
    # a package whose lock is not the newest release (drifted, or held back by another package)
    name = p.evaluate(
        """() => {
          for (const b of document.querySelectorAll('#packages-table tbody.pkg')) {
            const td = b.querySelectorAll('tr.row > td');
            const locked = td[2].textContent, newest = td[4].textContent;
            if (locked !== newest && !['-', '?'].includes(locked) && !['-', '?'].includes(newest)
                && b.querySelector('g.mark.locked') && b.querySelector('g.mark.newest')) return b.dataset.name;
          }
          return null;
        }"""
    )
    assert name, "every corpus pin is the newest release: nothing to mark apart"
    body = p.locator(f'#packages-table tbody.pkg[data-name="{name}"]')
    body.locator("details.more > summary").scroll_into_view_if_needed()
    timeline = body.locator("svg.timeline")
    assert timeline.is_visible()
    box = timeline.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 40
    cells = _cells(body)
    assert cells["locked"] != cells["newest"]
    assert body.locator("g.mark.locked").get_attribute("data-version") == cells["locked"]
    assert body.locator("g.mark.fresh").get_attribute("data-version") == cells["fresh"]
    assert body.locator("g.mark.newest").get_attribute("data-version") == cells["newest"]
    assert body.locator("rect.cooldown").count() == 1
    ticks = body.locator("path.release").get_attribute("d") or ""
    assert ticks.count("M") >= 2  # every release a tick


def test_findings_come_with_their_explanation(page) -> None:  # type: ignore[no-untyped-def]
    p, _, _ = page
    finding = p.locator("#packages-table li.finding").first
    code = finding.get_attribute("data-code")
    explain = finding.locator("details.explain")
    explain.locator("summary").scroll_into_view_if_needed()
    assert code and code in explain.inner_text()
    explain.locator("summary").click()
    assert "Fix:" in explain.inner_text()
