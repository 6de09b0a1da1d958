"""Prometheus metrics: requests, latencies, cache hits and misses, index fetches, errors.

Each app has its own registry (tests build many apps). With several worker
processes (``--workers N``) ``lockaudit serve`` sets ``PROMETHEUS_MULTIPROC_DIR``
before the workers start, every worker writes its samples there, and
``/metrics`` answers for all of them, whichever worker serves it.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "multiprocess_mode"]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    """The service's metrics, registered in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "lockaudit_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "lockaudit_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.errors = Counter(
            "lockaudit_http_errors", "Error responses, by error code (4xx and 5xx)", ["route", "code"], registry=r
        )
        self.cache_lookups = Counter(
            "lockaudit_cache_lookups",
            "Cache lookups by kind of entry (page, metadata) and result (hit, miss)",
            ["kind", "result"],
            registry=r,
        )
        self.index_requests = Counter(
            "lockaudit_index_requests",
            "HTTP requests to the package index, by outcome (HTTP status class or error)",
            ["outcome"],
            registry=r,
        )
        self.index_latency = Histogram(
            "lockaudit_index_request_duration_seconds",
            "Time of one HTTP request to the package index",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.history_answers = Counter(
            "lockaudit_release_histories",
            "Release histories answered, by source (cache, index, stale-cache) or status when unknown",
            ["source"],
            registry=r,
        )
        self.resolutions_running = Gauge(
            "lockaudit_resolutions_in_progress",
            "Resolutions (check, resolve) running now",
            registry=r,
            multiprocess_mode="livesum",
        )

    def render(self) -> bytes:
        """The exposition text: this process's metrics, or every worker's in multiprocess mode."""
        if multiprocess_mode():
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
