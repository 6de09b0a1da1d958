"""lockaudit.urls.redact_url: the one redactor, with every case the four former ones covered."""

from __future__ import annotations

import pytest

from lockaudit import findings
from lockaudit.index import settings as index_settings
from lockaudit.inputs import load_texts
from lockaudit.urls import redact_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # user and password, a token alone, with a port and a query (findings.redact_url's cases)
        ("https://user:pw@host.example/simple/", "https://host.example/simple/"),
        ("https://token@host.example:8443/x?y=1", "https://host.example:8443/x?y=1"),
        # nothing to take out: the URL as written, byte for byte
        ("https://host.example/simple/", "https://host.example/simple/"),
        ("https://host.example/simple/?q=a@b#frag", "https://host.example/simple/?q=a@b#frag"),
        ("file:///srv/wheels/pkg-1.0-py3-none-any.whl", "file:///srv/wheels/pkg-1.0-py3-none-any.whl"),
        ("./local/path", "./local/path"),
        # a VCS reference keeps its @ref (the '@' is in the path, not the host part)
        ("git+https://user:tok3n@example.com/r.git@main", "git+https://example.com/r.git@main"),
        ("git+https://example.com/r.git@v1.0#egg=r", "git+https://example.com/r.git@v1.0#egg=r"),
        # an '@' inside the password: everything up to the last '@' of the host part goes
        ("https://user:p@ss@host.example/x", "https://host.example/x"),
        # percent-encoded credentials, a redis URL with a password only
        ("https://u%40x:p%3Aw@host.example/simple/", "https://host.example/simple/"),
        ("redis://:s3cret@redis.example:6379/0", "redis://redis.example:6379/0"),
        # a URL urlsplit refuses (an unclosed IPv6 bracket): the credentials still go
        ("https://user:pw@[::1/simple/", "https://[::1/simple/"),
        ("http://[::1", "http://[::1"),
    ],
)
def test_credentials_are_dropped_and_the_rest_kept(url: str, expected: str) -> None:
    assert redact_url(url) == expected
    assert redact_url(expected) == expected  # idempotent


def test_empty_and_none_pass_through() -> None:
    assert redact_url(None) is None
    assert redact_url("") == ""


def test_every_layer_uses_the_same_function() -> None:
    assert findings.redact_url is redact_url
    assert index_settings.redact_url is redact_url


def test_inputs_keep_no_credentials_in_sources() -> None:
    lock = load_texts(
        {
            "requirements.txt": "-e git+https://user:tok3n@example.com/r.git@main#egg=r\n"
            "pkg @ https://user:pw@files.example/pkg-1.0-py3-none-any.whl\n"
        }
    )
    locations = sorted(r.source.location or "" for r in lock.requirements)
    assert locations == ["git+https://example.com/r.git@main#egg=r", "https://files.example/pkg-1.0-py3-none-any.whl"]
    assert not any("tok3n" in loc or ":pw@" in loc for loc in locations)
