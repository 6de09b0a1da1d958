"""URLs without their credentials: the one redactor every layer uses.

A URL's user information (``user:password@``, ``token@``) is a secret: it never
reaches a report, a log line, an error message or a lock file written from the
inputs. It is dropped rather than masked (``***@``): a lock that names an
index or an archive as ``https://***@host/`` would make pip log in as the user
``***``, while ``https://host/`` lets it find the credentials where the user
keeps them (keyring, netrc).

Free text that may hold URLs (an HTTP library's error message) is masked by
:func:`lockaudit.index.settings.redact_text` instead, which also knows the
configured secrets.
"""

from __future__ import annotations

import re
from typing import overload
from urllib.parse import urlsplit, urlunsplit

__all__ = ["redact_url"]

#: ``scheme://userinfo@`` where urlsplit gives up (an unclosed IPv6 bracket, a bad port).
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")


@overload
def redact_url(url: str) -> str: ...
@overload
def redact_url(url: None) -> None: ...
def redact_url(url: str | None) -> str | None:
    """``url`` without user, password or token: ``https://u:p@host.example/x`` → ``https://host.example/x``.

    Anything else in the URL (port, path, query, fragment, a VCS ``@ref``) is
    kept as written; an empty or None URL is returned as it is.
    """
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL urlsplit reads: take the user information out by its shape
        return _USERINFO.sub(r"\g<scheme>", url, count=1)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
