"""What ``--as-of`` means, in one place for the audit, ``lock``, ``check`` and the service.

An as-of value is a *cutoff*: a release or file exists when it was uploaded
strictly before it; later uploads do not exist yet. It is given as

- a date, ``2026-11-01``: the whole of that day counts, so the cutoff is the
  next midnight, ``2026-11-02T00:00:00Z``. Days are UTC days (uv's
  ``--exclude-newer 2026-11-01`` reads the same on a machine whose clock is
  UTC, as CI machines are);
- an RFC 3339 / ISO 8601 time, ``2026-11-01T07:00:00Z``: that instant (a time
  without an offset is UTC).

Without an upload time nothing proves a release existed at the cutoff: such
releases and files are left out (as uv does).
"""

from __future__ import annotations

import datetime as _dt

__all__ = ["AS_OF_HELP", "as_of_day", "as_of_label", "exists_at", "parse_as_of"]

#: How the command-line help and the service's schema describe the option.
AS_OF_HELP = (
    "as if it were this moment: releases uploaded later do not exist. A date (YYYY-MM-DD) "
    "means the end of that day, UTC (everything uploaded that day counts); an RFC 3339 time "
    "(2026-11-01T07:00:00Z) means that instant"
)


def parse_as_of(value: _dt.date | _dt.datetime | str | None) -> _dt.datetime | None:
    """The cutoff an as-of value names, as an aware UTC datetime (None: no cutoff).

    Raises ValueError quoting a string that is neither a date nor a time.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            # A time: Python 3.11 reads "Z" and offsets; a space may stand for the "T".
            value = _dt.date.fromisoformat(text) if len(text) == 10 else _dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"invalid as-of value {text!r}: expected a date (YYYY-MM-DD) or an RFC 3339 time (YYYY-MM-DDTHH:MM:SSZ)"
            ) from None
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=_dt.UTC) if value.tzinfo is None else value.astimezone(_dt.UTC)
    if isinstance(value, _dt.date):
        return _dt.datetime.combine(value + _dt.timedelta(days=1), _dt.time(0, 0), tzinfo=_dt.UTC)
    raise TypeError(f"as-of must be a date, a datetime or a string, not {type(value).__name__}")


def exists_at(upload_time: _dt.datetime | None, cutoff: _dt.datetime | None) -> bool:
    """Whether something uploaded at ``upload_time`` exists at ``cutoff``."""
    if cutoff is None:
        return True
    return upload_time is not None and upload_time < cutoff


def as_of_label(cutoff: _dt.datetime) -> str:
    """``2026-11-01`` for the end of a UTC day, else ``2026-11-01T07:00:00Z``."""
    utc = cutoff.astimezone(_dt.UTC)
    if utc.time() == _dt.time(0, 0):
        return (utc.date() - _dt.timedelta(days=1)).isoformat()
    return utc.isoformat().replace("+00:00", "Z")


def as_of_day(cutoff: _dt.datetime | None) -> _dt.date:
    """The last UTC day a cutoff includes (today without one): the day
    suppressions' ``until`` dates and report headers are read against."""
    if cutoff is None:
        return _dt.datetime.now(_dt.UTC).date()
    return (cutoff.astimezone(_dt.UTC) - _dt.timedelta(microseconds=1)).date()
