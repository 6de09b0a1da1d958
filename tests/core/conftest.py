"""The core's tests run against both implementations: one parametrized fixture."""

from __future__ import annotations

import importlib

import pytest

from lockaudit import _core
from support.corpus import corpus_dir, load_corpus_history


def _implementations() -> list:
    params = [pytest.param("pure", id="pure")]
    try:
        importlib.import_module("lockaudit._fastcmp")
    except ImportError:
        if not _core.NO_EXTENSIONS:
            # A broken build must fail loudly, not test only the slow path.
            raise
    else:
        params.insert(0, pytest.param("compiled", id="compiled"))
    return params


@pytest.fixture(params=_implementations(), scope="session")
def core(request):
    name = {"compiled": "lockaudit._fastcmp", "pure": "lockaudit._purecmp"}[request.param]
    return importlib.import_module(name)


@pytest.fixture(scope="session")
def corpus_history() -> dict[str, list[str]]:
    return load_corpus_history(corpus_dir())
