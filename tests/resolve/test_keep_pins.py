"""``lockaudit lock -o existing.txt`` keeps the existing pins that still satisfy
the inputs, as ``uv pip compile -o existing.txt`` does; ``--upgrade`` and
``--upgrade-package NAME`` let them move. Each case states the pins it expects
and, where uv is installed (the ``bench`` extra), uv on the same local index
and the same existing file gives the same pins.

The index (tests/fixtures/resolve/index.toml): web 1.0 (util>=1) and 2.0
(util>=1.5, log-kit>=1); util 1.0, 1.5, 1.6; log-kit 1.0, 1.1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lockaudit.cli import main

CASES = [
    # (id, requirements.in, existing lock, flags, expected pins)
    ("kept-when-still-satisfied", "web\n", "web==1.0\nutil==1.5\n", [], {"web": "1.0", "util": "1.5"}),
    ("no-existing-file-takes-newest", "web\n", None, [], {"web": "2.0", "util": "1.6", "log-kit": "1.1"}),
    (
        "upgrade-moves-everything",
        "web\n",
        "web==1.0\nutil==1.5\n",
        ["--upgrade"],
        {"web": "2.0", "util": "1.6", "log-kit": "1.1"},
    ),
    (
        "upgrade-package-moves-one",
        "web\n",
        "web==1.0\nutil==1.5\n",
        ["--upgrade-package", "util"],
        {"web": "1.0", "util": "1.6"},
    ),
    (
        "upgrade-package-keeps-what-still-fits",
        "web\n",
        "web==1.0\nutil==1.5\n",
        ["--upgrade-package", "web"],
        {"web": "2.0", "util": "1.5", "log-kit": "1.1"},
    ),
    (
        "a-pin-that-no-longer-fits-moves",
        "web\n",
        "web==2.0\nutil==1.0\nlog-kit==1.0\n",
        [],
        {"web": "2.0", "util": "1.6", "log-kit": "1.0"},
    ),
    (
        "changed-input-moves-its-pin",
        "web>=2\n",
        "web==1.0\nutil==1.5\n",
        [],
        {"web": "2.0", "util": "1.5", "log-kit": "1.1"},
    ),
    ("pins-no-longer-needed-are-dropped", "util\n", "web==1.0\nutil==1.5\nbase==1.0\n", [], {"util": "1.5"}),
]


def _pins(text: str) -> dict[str, str]:
    return dict(re.findall(r"^([a-z0-9-]+)(?:\[[^\]]*\])?==(\S+)", text, re.MULTILINE))


def _uv() -> str | None:
    local = Path(sys.executable).parent / "uv"
    return str(local) if local.exists() else shutil.which("uv")


@pytest.mark.parametrize(("case_id", "inputs", "existing", "flags", "expected"), CASES, ids=[c[0] for c in CASES])
def test_lock_keeps_existing_pins(
    cli_args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    case_id: str, inputs: str, existing: str | None, flags: list[str], expected: dict[str, str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    Path("requirements.in").write_text(inputs)
    if existing is not None:
        Path("requirements.txt").write_text(existing)
    code = main(
        [
            "lock",
            "requirements.in",
            "-o",
            "requirements.txt",
            "--no-hashes",
            *flags,
            *cli_args,
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert _pins(Path("requirements.txt").read_text()) == expected
    err = capsys.readouterr().err
    if existing is not None and "--upgrade" not in flags:
        assert "kept " in err and "of the existing pins" in err


UV = _uv()


@pytest.mark.skipif(UV is None, reason="uv is not installed (pip install '.[bench]')")
@pytest.mark.parametrize(("case_id", "inputs", "existing", "flags", "expected"), CASES, ids=[c[0] for c in CASES])
def test_uv_keeps_the_same_pins(
    resolve_server,
    tmp_path: Path,
    case_id: str,
    inputs: str,
    existing: str | None,
    flags: list[str],
    expected: dict[str, str],
) -> None:
    (tmp_path / "requirements.in").write_text(inputs)
    if existing is not None:
        (tmp_path / "requirements.txt").write_text(existing)
    cmd = [
        UV, "pip", "compile", str(tmp_path / "requirements.in"), "-o", str(tmp_path / "requirements.txt"),
        "--index-url", resolve_server.url, "--python-version", "3.11", "--python-platform", "x86_64-unknown-linux-gnu",
        "--cache-dir", str(tmp_path / "uv-cache"), "--no-header", "--no-annotate", "--quiet", *flags,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    env.update(UV_NO_CONFIG="1", UV_PYTHON_DOWNLOADS="never")
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert _pins((tmp_path / "requirements.txt").read_text()) == expected


def test_an_unreadable_existing_file_is_an_error_unless_upgrading(
    resolve_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("requirements.in").write_text("web\n")
    Path("requirements.txt").write_text("web==1.0\nthis is not a pin!!\n")
    common = [
        "--no-hashes",
        "--index-url",
        resolve_server.url,
        "--cache",
        str(tmp_path / "c.sqlite3"),
        "--python",
        "3.11",
    ]
    assert main(["lock", "requirements.in", "-o", "requirements.txt", *common]) == 2
    err = capsys.readouterr().err
    assert "requirements.txt" in err and "--upgrade" in err
    assert main(["lock", "requirements.in", "-o", "requirements.txt", "--upgrade", *common]) == 0
    assert _pins(Path("requirements.txt").read_text())["web"] == "2.0"
