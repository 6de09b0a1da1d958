"""The service's configuration: flags, then ``LOCKAUDIT_*`` environment variables, then defaults.

Every setting has one environment variable (the table below); ``lockaudit
serve`` flags override them. ``to_env()`` writes the settings back as
variables, which is how ``--workers N`` hands them to each worker process.

==============================  ============================  ==================================
setting                         variable                      default
==============================  ============================  ==================================
host / port / workers           LOCKAUDIT_HOST/PORT/WORKERS   127.0.0.1 / 8080 / 1
index_url                       LOCKAUDIT_INDEX_URL           pip's configuration, else the default index
extra_index_urls                LOCKAUDIT_EXTRA_INDEX_URLS    none (space or comma separated)
(index credentials)             LOCKAUDIT_INDEX_USERNAME /    URL user info, else netrc
                                LOCKAUDIT_INDEX_PASSWORD
allowed_index_urls              LOCKAUDIT_ALLOWED_INDEX_URLS  none: index URLs in uploads are ignored
cache                           LOCKAUDIT_CACHE               SQLite in LOCKAUDIT_CACHE_DIR / user cache
cache_ttl                       LOCKAUDIT_CACHE_TTL           600 s
index_concurrency               LOCKAUDIT_INDEX_CONCURRENCY   16 requests in flight per worker
index_timeout                   LOCKAUDIT_INDEX_TIMEOUT       10 s per index request
index_retries                   LOCKAUDIT_INDEX_RETRIES       2 tries per index request
index_down_seconds              LOCKAUDIT_INDEX_DOWN_SECONDS  15 s answering from the cache after an outage
index_deadline                  LOCKAUDIT_INDEX_DEADLINE      20 s for one index request in all (tries, body)
max_response_bytes              LOCKAUDIT_MAX_RESPONSE_BYTES  64 MiB: a larger index answer is not read
tokens                          LOCKAUDIT_TOKENS              none: no authentication
                                LOCKAUDIT_TOKENS_FILE         (one token a line)
max_body_bytes                  LOCKAUDIT_MAX_BODY_BYTES      4 MiB
max_files                       LOCKAUDIT_MAX_FILES           32 files per request
max_lines                       LOCKAUDIT_MAX_LINES           50000 lines per request (all files)
max_match_pairs                 LOCKAUDIT_MAX_MATCH_PAIRS     1000 pairs per /v1/match
max_match_versions              LOCKAUDIT_MAX_MATCH_VERSIONS  200000 versions per /v1/match (all pairs)
request_timeout                 LOCKAUDIT_REQUEST_TIMEOUT     60 s
max_resolutions                 LOCKAUDIT_MAX_RESOLUTIONS     2 concurrent resolutions per worker
log_level                       LOCKAUDIT_LOG_LEVEL           info
==============================  ============================  ==================================
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import LockauditError
from ..index import DEFAULT_TTL
from ..urls import redact_url

__all__ = ["MIN_TOKEN_LENGTH", "ServiceSettings", "SettingsError", "read_tokens"]

#: Shorter bearer tokens are refused: they can be guessed.
MIN_TOKEN_LENGTH = 16
_LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


class SettingsError(LockauditError, ValueError):
    """A setting is invalid; the message names the flag or variable."""


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in re.split(r"[\s,]+", value or "") if v)


@dataclass(frozen=True)
class ServiceSettings:
    """Everything the service is configured with. Build it with :meth:`from_env`
    and :meth:`merged_with` (flags); it validates itself."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    #: Index URLs that uploaded files or requests may choose (with the credentials
    #: written here, never those of the upload). The server's own indexes always are.
    allowed_index_urls: tuple[str, ...] = field(default=(), repr=False)
    cache: str | None = None
    cache_ttl: float = DEFAULT_TTL
    index_concurrency: int = 16
    index_timeout: float = 10.0
    index_retries: int = 2
    index_down_seconds: float = 15.0
    index_deadline: float = 20.0
    max_response_bytes: int = 64 << 20
    tokens: tuple[str, ...] = field(default=(), repr=False)
    max_body_bytes: int = 4 * 1024 * 1024
    max_files: int = 32
    max_lines: int = 50_000
    max_match_pairs: int = 1000
    max_match_versions: int = 200_000
    request_timeout: float = 60.0
    max_resolutions: int = 2
    log_level: str = "info"

    def __post_init__(self) -> None:
        for name in ("port",):
            value = getattr(self, name)
            if not 0 <= value <= 65535:
                raise SettingsError(f"{_var(name)}: expected a port number, got {value!r}")
        for name in (
            "workers",
            "index_concurrency",
            "index_retries",
            "max_body_bytes",
            "max_files",
            "max_lines",
            "max_match_pairs",
            "max_match_versions",
            "max_resolutions",
            "max_response_bytes",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(f"{_var(name)}: expected at least 1, got {getattr(self, name)!r}")
        for name in ("cache_ttl", "index_down_seconds"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{_var(name)}: expected seconds (0 or more), got {getattr(self, name)!r}")
        for name in ("index_timeout", "request_timeout", "index_deadline"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{_var(name)}: expected seconds (more than 0), got {getattr(self, name)!r}")
        if self.log_level.lower() not in _LOG_LEVELS:
            raise SettingsError(
                f"{_var('log_level')}: expected one of {', '.join(_LOG_LEVELS)}, got {self.log_level!r}"
            )
        object.__setattr__(self, "log_level", self.log_level.lower())
        for token in self.tokens:
            if len(token) < MIN_TOKEN_LENGTH or not token.isprintable() or any(c.isspace() for c in token):
                # never echo the token itself
                raise SettingsError(
                    f"LOCKAUDIT_TOKENS: every token must be at least {MIN_TOKEN_LENGTH} printable characters "
                    "without spaces (one is not)"
                )
        for url in (self.index_url, *self.extra_index_urls, *self.allowed_index_urls):
            if url is not None and not re.match(r"^(https?|file)://", url, re.IGNORECASE):
                raise SettingsError(f"index URL {redact_url(url)!r}: expected an http(s):// or file:// URL")

    @property
    def auth_enabled(self) -> bool:
        return bool(self.tokens)

    # -- construction ---------------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServiceSettings:
        """The settings the ``LOCKAUDIT_*`` variables give (defaults for the rest)."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, Any] = {}  # each field's value, parsed by its name
        for f in dataclasses.fields(cls):
            if f.name == "tokens":
                continue
            raw = env.get(_var(f.name))
            if raw is None or raw == "":
                continue
            kwargs[f.name] = _parse(f.name, raw)
        tokens = list(_split(env.get("LOCKAUDIT_TOKENS")))
        tokens_file = env.get("LOCKAUDIT_TOKENS_FILE")
        if tokens_file:
            tokens += read_tokens(tokens_file)
        if tokens:
            kwargs["tokens"] = tuple(dict.fromkeys(tokens))
        return cls(**kwargs)

    def merged_with(self, **overrides: Any) -> ServiceSettings:
        """These settings with flag values on top (None values are ignored)."""
        known = {f.name for f in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            if name not in known:
                raise TypeError(f"unknown setting {name!r}")
            if value is None:
                continue
            if name in ("extra_index_urls", "allowed_index_urls", "tokens"):
                value = tuple(value)
            changes[name] = value
        return dataclasses.replace(self, **changes)

    def to_env(self) -> dict[str, str]:
        """``LOCKAUDIT_*`` variables that give these settings back through :meth:`from_env`."""
        out: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, tuple):
                out[_var(f.name)] = " ".join(value)
            elif isinstance(value, bool):
                out[_var(f.name)] = "1" if value else "0"
            else:
                out[_var(f.name)] = str(value)
        return out


_ENV_NAMES = {"extra_index_urls": "LOCKAUDIT_EXTRA_INDEX_URLS", "allowed_index_urls": "LOCKAUDIT_ALLOWED_INDEX_URLS"}


def _var(name: str) -> str:
    return _ENV_NAMES.get(name, "LOCKAUDIT_" + name.upper())


def _parse(name: str, raw: str) -> object:
    types = {f.name: f.type for f in dataclasses.fields(ServiceSettings)}
    kind = str(types[name])
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind.startswith("tuple"):
            return _split(raw)
    except ValueError:
        expected = "a whole number" if kind == "int" else "a number"
        raise SettingsError(f"{_var(name)}: expected {expected}, got {raw!r}") from None
    return raw


def read_tokens(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"LOCKAUDIT_TOKENS_FILE: cannot read {path!r} ({exc})") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
