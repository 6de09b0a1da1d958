"""Evidence of behaviour change: what an upgrade changes in a package's API, read from its wheels.

The layer sits beside the index (it fetches wheels through the index client
and keeps summaries in its cache) and left of the audit (whose LA021-LA026
rules turn a diff into findings):

=============  ==================================================================
``wheel``      which wheel of a release to read; its sources unpacked safely
``worker``     the analysis subprocess (memory and CPU limits; griffe, static only)
``reduce``     griffe's tree -> the compact summary (runs in the worker)
``scan``       deprecations and module ``__getattr__`` forwards, from the source
``model``      the summary (:class:`ApiSummary`) and its cached form
``analyze``    starting the worker within limits (parent side)
``summaries``  summaries by the wheel's sha256: cache, else download and analyse
``diff``       lockaudit's diff rules over two summaries (pure)
``changes``    the diff as plain data (:class:`ApiDiff`, :class:`ApiChange`, :class:`ApiUnknown`)
``pairs``      ``diff_releases`` (CLI and service) and ``ApiPairs`` (the audit)
=============  ==================================================================

Nothing from a wheel is ever imported or run: griffe reads the sources
(``allow_inspection=False``) in a separate process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .analyze import AnalysisLimits
    from .changes import FAMILIES, ApiChange, ApiDiff, ApiUnknown, ReleaseRef
    from .diff import diff_summaries
    from .model import ApiObject, ApiSummary, Param, decode_summary, encode_summary
    from .pairs import ApiPairs, diff_releases, find_release
    from .summaries import SummaryUnavailable, release_summaries

#: Name -> the module that defines it (imported on first use: the audit's
#: rules need only the data types, never the diff or the subprocess runner
#: unless some upgrade's API is read).
_HOMES = {
    "AnalysisLimits": "analyze",
    "FAMILIES": "changes",
    "ApiChange": "changes",
    "ApiDiff": "changes",
    "ApiUnknown": "changes",
    "diff_summaries": "diff",
    "ApiObject": "model",
    "ApiSummary": "model",
    "Param": "model",
    "decode_summary": "model",
    "encode_summary": "model",
    "ApiPairs": "pairs",
    "diff_releases": "pairs",
    "find_release": "pairs",
    "ReleaseRef": "changes",
    "SummaryUnavailable": "summaries",
    "release_summaries": "summaries",
}


def __getattr__(name: str) -> Any:  # PEP 562
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{home}", __name__), name)


__all__ = [
    "FAMILIES",
    "AnalysisLimits",
    "ApiChange",
    "ApiDiff",
    "ApiObject",
    "ApiPairs",
    "ApiSummary",
    "ApiUnknown",
    "Param",
    "ReleaseRef",
    "SummaryUnavailable",
    "decode_summary",
    "diff_releases",
    "diff_summaries",
    "encode_summary",
    "find_release",
    "release_summaries",
]
