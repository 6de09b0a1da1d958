"""Which indexes to ask, and with which credentials.

Each setting comes from the first place that sets it, in this order:
command-line flags; ``LOCKAUDIT_INDEX_URL`` / ``LOCKAUDIT_EXTRA_INDEX_URLS``;
the index options inside the requirements file; pip's own configuration
(``PIP_INDEX_URL``, ``PIP_EXTRA_INDEX_URL``, then pip.conf files as pip reads
them); otherwise pypi-simple's ``PYPI_SIMPLE_ENDPOINT``.

Credentials come from the URL's user info, else ``LOCKAUDIT_INDEX_USERNAME`` /
``LOCKAUDIT_INDEX_PASSWORD`` (primary index only), else netrc. They are split
off the URL at once: every URL the rest of lockaudit sees, logs, reports or
uses as a cache key is credential-free.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from ..model import IndexOptions
from ..urls import redact_url  # re-exported: the one redactor lives in lockaudit.urls
from . import _pypi_simple

if TYPE_CHECKING:
    import netrc

# configparser is imported only when a pip configuration file is read, and
# netrc only when there is a netrc file to read.

__all__ = [
    "DEFAULT_INDEX_URL",
    "IndexLimits",
    "IndexSettings",
    "IndexURL",
    "origin_of",
    "read_pip_config",
    "redact_text",
    "redact_url",
    "resolve_index_settings",
    "split_credentials",
]

#: The public default index, as the client library defines it.
DEFAULT_INDEX_URL: str = _pypi_simple.constants()["PYPI_SIMPLE_ENDPOINT"]


@dataclass(frozen=True, slots=True)
class IndexURL:
    """An index address without credentials, and the credentials kept apart."""

    #: Credential-free, ending with "/".
    url: str
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, text: str, *, username: str | None = None, password: str | None = None) -> IndexURL:
        clean, user, pw = split_credentials(text.strip())
        if not clean.endswith("/"):
            clean += "/"
        return cls(clean, user if user is not None else username, pw if user is not None else password)

    @property
    def auth(self) -> tuple[str, str] | None:
        if self.username is None and self.password is None:
            return None
        return (self.username or "", self.password or "")

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    def __str__(self) -> str:
        return self.url


#: (scheme, host, port): what credentials are matched by, as pip and httpx do.
Origin = tuple[str, str, int | None]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> Origin:
    """``(scheme, host, port)`` of a URL, the port filled in for http(s)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: an origin of its own
        port = None
    return scheme, (parts.hostname or "").lower(), port if port is not None else _DEFAULT_PORTS.get(scheme)


@dataclass(frozen=True, slots=True)
class IndexLimits:
    """How much time and memory one index may take (a slow, broken or hostile
    index costs a bounded amount, and what it could not answer is unknown)."""

    #: Seconds one request may take in all: every try, redirect and byte of the body.
    deadline: float = 30.0
    #: Seconds of index time for a whole run (from its first request); None: no limit.
    budget: float | None = 300.0
    #: The largest answer read (decoded bytes); a larger one is not read at all.
    max_response_bytes: int = 64 << 20
    #: Consecutive failed tries against one origin that open the circuit breaker...
    breaker_failures: int = 10
    #: ...which then fails every request to it at once for this many seconds.
    breaker_seconds: float = 30.0

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> IndexLimits:
        """The defaults, then ``LOCKAUDIT_INDEX_DEADLINE``, ``LOCKAUDIT_INDEX_BUDGET``
        (0: none) and ``LOCKAUDIT_MAX_RESPONSE_BYTES``, then ``overrides`` that are not None.

        Raises ValueError naming the variable for a value that is not a number.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}  # field name -> value, parsed by the field's kind
        for var, key, kind in (
            ("LOCKAUDIT_INDEX_DEADLINE", "deadline", float),
            ("LOCKAUDIT_INDEX_BUDGET", "budget", float),
            ("LOCKAUDIT_MAX_RESPONSE_BYTES", "max_response_bytes", int),
        ):
            text = env.get(var, "").strip()
            if not text:
                continue
            try:
                value = kind(text)
            except ValueError:
                raise ValueError(f"{var}: expected a number, got {text!r}") from None
            if value < 0 or (key != "budget" and value == 0):
                raise ValueError(f"{var}: expected a positive number, got {text!r}")
            values[key] = value
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values.get("budget") == 0:
            values["budget"] = None
        return cls(**values)


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """The indexes to ask, primary first, and where that choice came from."""

    index_url: IndexURL = field(default_factory=lambda: IndexURL(DEFAULT_INDEX_URL))
    extra_index_urls: tuple[IndexURL, ...] = ()
    #: Where ``index_url`` came from ("command line", "LOCKAUDIT_INDEX_URL", ...).
    source: str = "default"

    @property
    def indexes(self) -> tuple[IndexURL, ...]:
        seen: set[str] = set()
        out = []
        for i in (self.index_url, *self.extra_index_urls):
            if i.url not in seen:
                seen.add(i.url)
                out.append(i)
        return tuple(out)


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``(url without user info, username, password)``; URL-decoded credentials."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, sep, pw = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return clean, unquote(user), unquote(pw) if sep else None


_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """A message with URL user info and the given secrets masked (for errors, logs)."""
    text = _USERINFO.sub(r"\g<scheme>***@", text)
    for s in secrets:
        if s and len(s) >= 3:
            text = text.replace(s, "***").replace(quote(s, safe=""), "***")
    return text


def _split_urls(value: str | None) -> list[str]:
    return [u for u in re.split(r"[\s,]+", value or "") if u]


def read_pip_config(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``index-url`` and ``extra-index-url`` from pip's configuration files and
    environment, with pip's precedence (global < user < site < PIP_CONFIG_FILE <
    PIP_* variables; ``[install]`` over ``[global]``)."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    config_file = env.get("PIP_CONFIG_FILE")
    if config_file != os.devnull:
        import configparser

        for path in _pip_config_files(env, config_file):
            parser = configparser.RawConfigParser()
            try:
                parser.read(path, encoding="utf-8")
            except (configparser.Error, OSError, UnicodeDecodeError):
                continue  # pip would fail on it; an auditor carries on without it
            for section in ("global", "install"):
                if parser.has_section(section):
                    for key in ("index-url", "extra-index-url"):
                        if parser.has_option(section, key):
                            values[key] = parser.get(section, key)
    for key, var in (("index-url", "PIP_INDEX_URL"), ("extra-index-url", "PIP_EXTRA_INDEX_URL")):
        if env.get(var):
            values[key] = env[var]
    return values


def _pip_config_files(env: Mapping[str, str], config_file: str | None) -> list[str]:
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    xdg_dirs = (env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    files = [os.path.join(d, "pip", "pip.conf") for d in xdg_dirs] + ["/etc/pip.conf"]
    if not (config_file and os.path.exists(config_file)):
        xdg_home = env.get("XDG_CONFIG_HOME") or str(home / ".config")
        files += [str(home / ".pip" / "pip.conf"), os.path.join(xdg_home, "pip", "pip.conf")]
    files.append(os.path.join(sys.prefix, "pip.conf"))
    if config_file:
        files.append(config_file)
    return files


def resolve_index_settings(
    *,
    index_url: str | None = None,
    extra_index_urls: Sequence[str] | None = None,
    file_options: IndexOptions | None = None,
    environ: Mapping[str, str] | None = None,
    pip_config: Mapping[str, str] | None = None,
    netrc_file: str | None = None,
) -> IndexSettings:
    """The index settings from every source, each setting from the first that sets it.

    ``pip_config`` overrides reading pip's files (tests pass ``{}``);
    ``netrc_file`` overrides ``NETRC`` / ``~/.netrc``.
    """
    env = os.environ if environ is None else environ
    pip = read_pip_config(env) if pip_config is None else dict(pip_config)
    file_index = file_options.index_url if file_options else None
    file_extras = list(file_options.extra_index_urls) if file_options and file_options.extra_index_urls else None

    primary: tuple[str, str] = (DEFAULT_INDEX_URL, "default")
    for value, source in (
        (index_url, "command line"),
        (env.get("LOCKAUDIT_INDEX_URL"), "LOCKAUDIT_INDEX_URL"),
        (file_index, "requirements file"),
        (pip.get("index-url"), "pip configuration"),
    ):
        if value:
            primary = (value, source)
            break
    extras: list[str] = []
    for candidate in (
        list(extra_index_urls) if extra_index_urls else None,
        _split_urls(env.get("LOCKAUDIT_EXTRA_INDEX_URLS")) or None,
        file_extras,
        _split_urls(pip.get("extra-index-url")) or None,
    ):
        if candidate:
            extras = candidate
            break

    netrc_data = _load_netrc(netrc_file if netrc_file is not None else env.get("NETRC"))
    main = _with_credentials(
        IndexURL.parse(primary[0]),
        netrc_data,
        env.get("LOCKAUDIT_INDEX_USERNAME"),
        env.get("LOCKAUDIT_INDEX_PASSWORD"),
    )
    others = tuple(_with_credentials(IndexURL.parse(u), netrc_data, None, None) for u in extras)
    return IndexSettings(main, others, primary[1])


def _with_credentials(
    index: IndexURL, netrc_data: netrc.netrc | None, env_user: str | None, env_password: str | None
) -> IndexURL:
    if index.auth is not None:
        return index
    if env_user or env_password:
        return IndexURL(index.url, env_user or "", env_password)
    if netrc_data is not None and index.host:
        found = netrc_data.authenticators(index.host)
        if found:
            login, _account, password = found
            return IndexURL(index.url, login, password)
    return index


def _load_netrc(path: str | None) -> netrc.netrc | None:
    # Where netrc.netrc() looks when given no file; a missing file means no netrc
    # either way, without importing the module (and shlex under it).
    if not os.path.exists(path or os.path.join(os.path.expanduser("~"), ".netrc")):
        return None
    import netrc

    try:
        return netrc.netrc(path) if path else netrc.netrc()
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
