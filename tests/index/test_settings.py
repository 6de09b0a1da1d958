"""Where index URLs and credentials come from, and that they never leak."""

from __future__ import annotations

import os

from lockaudit.index.settings import (
    DEFAULT_INDEX_URL,
    IndexURL,
    read_pip_config,
    redact_text,
    redact_url,
    resolve_index_settings,
    split_credentials,
)
from lockaudit.model import IndexOptions

FILE = IndexOptions(index_url="https://file.example/simple", extra_index_urls=("https://file-extra.example/simple",))
PIP = {
    "index-url": "https://pip.example/simple",
    "extra-index-url": "https://pip-a.example/simple https://pip-b.example/simple",
}


def test_default_is_the_library_constant():
    s = resolve_index_settings(environ={}, pip_config={})
    assert s.index_url.url == DEFAULT_INDEX_URL and s.source == "default" and s.extra_index_urls == ()


def test_precedence_flags_env_file_pip():
    env = {
        "LOCKAUDIT_INDEX_URL": "https://env.example/simple",
        "LOCKAUDIT_EXTRA_INDEX_URLS": "https://e1.example/simple,https://e2.example/simple",
    }
    s = resolve_index_settings(index_url="https://cli.example/simple", environ=env, file_options=FILE, pip_config=PIP)
    assert (s.index_url.url, s.source) == ("https://cli.example/simple/", "command line")
    assert [i.url for i in s.extra_index_urls] == ["https://e1.example/simple/", "https://e2.example/simple/"]
    s = resolve_index_settings(environ=env, file_options=FILE, pip_config=PIP)
    assert s.source == "LOCKAUDIT_INDEX_URL"
    s = resolve_index_settings(environ={}, file_options=FILE, pip_config=PIP)
    assert (s.index_url.url, s.source) == ("https://file.example/simple/", "requirements file")
    assert [i.url for i in s.extra_index_urls] == ["https://file-extra.example/simple/"]
    s = resolve_index_settings(environ={}, pip_config=PIP)
    assert s.source == "pip configuration" and len(s.extra_index_urls) == 2


def test_pip_configuration_files_and_variables(tmp_path):
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = https://global.example/simple\n"
        "[install]\nextra-index-url =\n  https://x.example/simple\n  https://y.example/simple\n"
    )
    env = {"PIP_CONFIG_FILE": str(conf), "HOME": str(tmp_path), "XDG_CONFIG_DIRS": str(tmp_path / "none")}
    got = read_pip_config(env)
    assert got["index-url"] == "https://global.example/simple"
    assert got["extra-index-url"].split() == ["https://x.example/simple", "https://y.example/simple"]
    env["PIP_INDEX_URL"] = "https://var.example/simple"
    assert read_pip_config(env)["index-url"] == "https://var.example/simple"
    assert read_pip_config({"PIP_CONFIG_FILE": os.devnull}) == {}


def test_credentials_are_split_off_and_redacted():
    assert split_credentials("https://u%40x:p%3Aw@host.example/simple/") == (
        "https://host.example/simple/",
        "u@x",
        "p:w",
    )
    i = IndexURL.parse("https://user:hunter22@host.example/simple")
    assert i.url == "https://host.example/simple/" and i.auth == ("user", "hunter22")
    assert "hunter22" not in repr(i) and "hunter22" not in str(i)
    assert redact_url("https://user:pw@host/simple/") == "https://host/simple/"  # lockaudit.urls: dropped, not masked
    assert (
        redact_text("failed https://user:pw@host/x and token hunter22", ["hunter22"])
        == "failed https://***@host/x and token ***"
    )


def test_environment_credentials_apply_to_the_primary_index_only():
    env = {"LOCKAUDIT_INDEX_USERNAME": "ci", "LOCKAUDIT_INDEX_PASSWORD": "tok"}
    s = resolve_index_settings(
        index_url="https://a.example/simple", extra_index_urls=["https://b.example/simple"], environ=env, pip_config={}
    )
    assert s.index_url.auth == ("ci", "tok") and s.extra_index_urls[0].auth is None


def test_netrc_credentials(tmp_path):
    rc = tmp_path / "netrc"
    rc.write_text("machine private.example login bob password from-netrc\n")
    rc.chmod(0o600)
    s = resolve_index_settings(
        index_url="https://private.example/simple", environ={}, pip_config={}, netrc_file=str(rc)
    )
    assert s.index_url.auth == ("bob", "from-netrc")
    # credentials in the URL win
    s = resolve_index_settings(
        index_url="https://me:mine@private.example/simple", environ={}, pip_config={}, netrc_file=str(rc)
    )
    assert s.index_url.auth == ("me", "mine")


def test_duplicate_indexes_are_asked_once():
    s = resolve_index_settings(
        index_url="https://a.example/simple", extra_index_urls=["https://a.example/simple/"], environ={}, pip_config={}
    )
    assert [i.url for i in s.indexes] == ["https://a.example/simple/"]
