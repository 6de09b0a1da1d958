"""Configuration: flags over ``LOCKAUDIT_*`` variables over defaults, validated with
messages that name the setting (and never echo a token)."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest
from service.helpers import clean_env

from lockaudit.commands import serve
from lockaudit.service.settings import ServiceSettings, SettingsError


def test_defaults():
    s = ServiceSettings()
    assert (s.host, s.port, s.workers) == ("127.0.0.1", 8080, 1)
    assert s.cache is None and not s.auth_enabled and s.allowed_index_urls == ()


def test_from_env_reads_every_variable(tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("# pipelines\nfile-token-0123456789abcdef\n\n")
    env = {
        "LOCKAUDIT_HOST": "0.0.0.0",
        "LOCKAUDIT_PORT": "9000",
        "LOCKAUDIT_WORKERS": "4",
        "LOCKAUDIT_INDEX_URL": "https://index.example/simple/",
        "LOCKAUDIT_EXTRA_INDEX_URLS": "https://a.example/simple/, https://b.example/simple/",
        "LOCKAUDIT_ALLOWED_INDEX_URLS": "https://mirror.example/simple/",
        "LOCKAUDIT_CACHE": "redis://cache:6379/0",
        "LOCKAUDIT_CACHE_TTL": "120",
        "LOCKAUDIT_TOKENS": "env-token-0123456789abcdef other-token-0123456789abcdef",
        "LOCKAUDIT_TOKENS_FILE": str(tokens),
        "LOCKAUDIT_MAX_BODY_BYTES": "1000",
        "LOCKAUDIT_MAX_FILES": "3",
        "LOCKAUDIT_MAX_LINES": "100",
        "LOCKAUDIT_REQUEST_TIMEOUT": "5.5",
        "LOCKAUDIT_MAX_RESOLUTIONS": "7",
        "LOCKAUDIT_LOG_LEVEL": "WARNING",
    }
    s = ServiceSettings.from_env(env)
    assert (s.host, s.port, s.workers) == ("0.0.0.0", 9000, 4)
    assert s.extra_index_urls == ("https://a.example/simple/", "https://b.example/simple/")
    assert s.allowed_index_urls == ("https://mirror.example/simple/",)
    assert s.cache == "redis://cache:6379/0" and s.cache_ttl == 120.0
    assert s.tokens == ("env-token-0123456789abcdef", "other-token-0123456789abcdef", "file-token-0123456789abcdef")
    assert (s.max_body_bytes, s.max_files, s.max_lines, s.request_timeout, s.max_resolutions) == (1000, 3, 100, 5.5, 7)
    assert s.log_level == "warning"
    # what a worker process reads back is the same
    assert ServiceSettings.from_env(s.to_env()) == s
    assert "token" not in repr(s)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LOCKAUDIT_PORT": "eighty"}, "LOCKAUDIT_PORT: expected a whole number"),
        ({"LOCKAUDIT_PORT": "70000"}, "LOCKAUDIT_PORT: expected a port number"),
        ({"LOCKAUDIT_WORKERS": "0"}, "LOCKAUDIT_WORKERS: expected at least 1"),
        ({"LOCKAUDIT_REQUEST_TIMEOUT": "0"}, "LOCKAUDIT_REQUEST_TIMEOUT"),
        ({"LOCKAUDIT_LOG_LEVEL": "loud"}, "LOCKAUDIT_LOG_LEVEL"),
        ({"LOCKAUDIT_INDEX_URL": "ftp://x/simple/"}, "expected an http(s):// or file:// URL"),
        ({"LOCKAUDIT_TOKENS_FILE": "/nonexistent/tokens"}, "LOCKAUDIT_TOKENS_FILE"),
    ],
)
def test_invalid_settings_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ServiceSettings.from_env(env)


def test_short_tokens_are_refused_without_echoing_them():
    with pytest.raises(SettingsError) as err:
        ServiceSettings.from_env({"LOCKAUDIT_TOKENS": "hunter2"})
    assert "hunter2" not in str(err.value)


def test_index_credentials_are_not_echoed():
    with pytest.raises(SettingsError) as err:
        ServiceSettings(index_url="ftp://alice:s3cret@host/simple/")
    assert "s3cret" not in str(err.value)


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve.add_parser(parser.add_subparsers())
    return parser.parse_args(["serve", *argv])


def test_flags_override_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCKAUDIT_PORT", "9000")
    monkeypatch.setenv("LOCKAUDIT_CACHE", "redis://env:6379/0")
    monkeypatch.setenv("LOCKAUDIT_TOKENS", "env-token-0123456789abcdef")
    tokens = tmp_path / "tokens"
    tokens.write_text("file-token-0123456789abcdef\n")
    s = serve.settings_from_args(
        _args("--port", "8081", "--workers", "3", "--allow-index-url", "https://m.example/simple/",
              "--allow-index-url", "https://n.example/simple/", "--tokens-file", str(tokens), "--max-files", "2")
    )  # fmt: skip
    assert (s.port, s.workers, s.cache, s.max_files) == (8081, 3, "redis://env:6379/0", 2)
    assert s.allowed_index_urls == ("https://m.example/simple/", "https://n.example/simple/")
    assert s.tokens == ("env-token-0123456789abcdef", "file-token-0123456789abcdef")


def test_serve_exits_2_on_bad_settings(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "lockaudit", "serve", "--port", "0"],
        env=clean_env(tmp_path, LOCKAUDIT_TOKENS="short"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "LOCKAUDIT_TOKENS" in proc.stderr and "short" not in proc.stderr.replace("LOCKAUDIT_TOKENS", "")


def test_serve_help_documents_the_flags(tmp_path):
    out = subprocess.run([sys.executable, "-m", "lockaudit", "serve", "--help"], capture_output=True, text=True,
                         env=clean_env(tmp_path), timeout=60).stdout  # fmt: skip
    for flag in (
        "--host",
        "--port",
        "--workers",
        "--index-url",
        "--cache",
        "--tokens-file",
        "--allow-index-url",
        "--max-body-bytes",
        "--max-files",
        "--max-lines",
        "--request-timeout",
        "--max-resolutions",
    ):
        assert flag in out


def test_index_limits_from_the_environment_and_flags():
    from lockaudit.service.settings import ServiceSettings, SettingsError

    s = ServiceSettings.from_env({"LOCKAUDIT_INDEX_DEADLINE": "5", "LOCKAUDIT_MAX_RESPONSE_BYTES": "1000"})
    assert (s.index_deadline, s.max_response_bytes) == (5.0, 1000)
    assert ServiceSettings.from_env(s.to_env()) == s
    assert s.merged_with(index_deadline=2.5).index_deadline == 2.5
    import pytest

    with pytest.raises(SettingsError, match="LOCKAUDIT_INDEX_DEADLINE"):
        ServiceSettings.from_env({"LOCKAUDIT_INDEX_DEADLINE": "0"})
    with pytest.raises(SettingsError, match="LOCKAUDIT_MAX_RESPONSE_BYTES"):
        ServiceSettings.from_env({"LOCKAUDIT_MAX_RESPONSE_BYTES": "lots"})
