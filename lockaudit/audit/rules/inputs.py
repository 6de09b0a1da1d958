"""LA020: a line of an input file that could not be read is a finding of its own.

The rest of the file is read and audited; the bad line is reported at its
file:line:column, counts toward the threshold like any finding, and can be
ignored or suppressed like one (``package`` is the file's path as given). A path
that could not be read at all stays an input error (exit 2), and is reported
here too so that every format lists it.
"""

from __future__ import annotations

from ...findings import Finding, Location, RuleCode, fingerprint_of
from ...model import Lockfile
from .catalog import CATALOG

__all__ = ["check"]


def check(lockfile: Lockfile) -> list[Finding]:
    """One LA020 finding per input problem of severity ``error``."""
    out = []
    for p in lockfile.errors:
        message = p.message + (f" (expected {p.expected})" if p.expected else "")
        if p.text is not None:
            message += f": {p.text.strip()}"
        out.append(
            Finding(
                code=RuleCode.UNREADABLE_INPUT,
                severity=CATALOG[RuleCode.UNREADABLE_INPUT].default_severity,
                package=p.path,
                message=message,
                location=Location(p.path, p.line, p.column),
                data={
                    "problem": p.code,
                    "line_text": p.text,
                    "expected": p.expected,
                    "whole_file": p.unreadable,
                },
                # The line's text, not its number: the same bad line keeps its identity when lines move.
                fingerprint=fingerprint_of(RuleCode.UNREADABLE_INPUT, p.path, p.path, p.code, p.text or p.message),
            )
        )
    return out
