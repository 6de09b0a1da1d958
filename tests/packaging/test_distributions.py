"""The wheel and the sdist as users get them, built through setuptools' PEP 517
hooks from a copy of the source tree (no build isolation, so nothing is
downloaded), and the wheel installed into a fresh virtual environment.

- the wheel carries the compiled core and the demo files, never the generated C;
- the sdist carries the sources, the demo files and the packaging files;
- redis is an extra (``lockaudit[redis]``), not a hard dependency;
- from that non-editable install, ``lockaudit --version`` names the compiled
  core and ``lockaudit demo`` runs (against the local test index).
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.index_server import IndexServer
from support.synthetic_index import Project, Release, install

ROOT = Path(__file__).resolve().parents[2]
_SKIP = shutil.ignore_patterns(
    ".venv",
    "build",
    ".git",
    "*.so",
    "*.c",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".hypothesis",
    ".benchmarks",
    "tests",
)


def _build(kind: str, out: Path, tmp: Path) -> Path:
    src = tmp / "src"
    if not src.exists():
        shutil.copytree(ROOT, src, ignore=_SKIP)
    hook = f"build_{kind}"
    code = f"from setuptools import build_meta; print(build_meta.{hook}({str(out)!r}))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=src, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out / proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("dists")
    out = tmp / "dist"
    out.mkdir()
    return {"wheel": _build("wheel", out, tmp), "sdist": _build("sdist", out, tmp)}


def test_wheel_has_the_core_and_the_demo_but_no_generated_c(dists: dict[str, Path]) -> None:
    names = zipfile.ZipFile(dists["wheel"]).namelist()
    assert not [n for n in names if n.endswith(".c")], "generated C files in the wheel"
    assert "lockaudit/data/demo/requirements.in" in names and "lockaudit/data/demo/requirements.txt" in names
    assert any(n.startswith("lockaudit/_fastcmp") and n.endswith((".so", ".pyd")) for n in names)
    assert "lockaudit/schemas/report-v1.schema.json" in names


def test_sdist_has_sources_demo_and_packaging_files(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in (
        "lockaudit/_fastcmp.pyx",
        "lockaudit/index/_fastpage.pyx",
        "lockaudit/data/demo/requirements.in",
        "lockaudit/data/demo/requirements.txt",
        "setup.py",
        "pyproject.toml",
        "action.yml",
    ):
        assert needed in names, needed
    assert not [n for n in names if n.endswith((".c", ".so"))]


def test_redis_is_an_extra(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        meta_name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(wheel.read(meta_name))
    requires = meta.get_all("Requires-Dist") or []
    redis = [r for r in requires if r.lower().startswith("redis")]
    assert redis and all('extra == "redis"' in r for r in redis), redis
    assert "redis" in (meta.get_all("Provides-Extra") or [])


# -- a non-editable install ------------------------------------------------------------

DEMO_PROJECTS = [
    Project("requests", [Release("2.28.0", "2022-06-09"), Release("2.32.3", "2024-05-29")]),
    Project(
        "urllib3", [Release("1.26.9", "2022-03-16"), Release("1.26.20", "2024-08-29"), Release("2.2.3", "2024-09-12")]
    ),
    Project("flask", [Release("2.2.2", "2022-08-08"), Release("3.0.3", "2024-04-07")]),
    Project("certifi", [Release("2022.5.18.1", "2022-05-19"), Release("2024.8.30", "2024-08-30")]),
    Project("charset-normalizer", [Release("2.0.12", "2022-02-12"), Release("3.4.0", "2024-10-09")]),
    Project("click", [Release("8.1.3", "2022-04-28"), Release("8.1.7", "2023-08-17")]),
    Project("idna", [Release("3.3", "2021-10-12"), Release("3.10", "2024-09-15")]),
    Project("itsdangerous", [Release("2.1.2", "2022-03-24"), Release("2.2.0", "2024-04-16")]),
    Project("jinja2", [Release("3.1.2", "2022-04-28"), Release("3.1.4", "2024-05-05")]),
    Project("markupsafe", [Release("2.1.1", "2022-03-15"), Release("3.0.2", "2024-10-18")]),
    Project("werkzeug", [Release("2.2.2", "2022-08-08"), Release("3.0.6", "2024-10-25")]),
]


@pytest.fixture(scope="module")
def installed(dists: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; the dependencies come from this
    environment's site-packages through a .pth path (its editable finder is not loaded)."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "deps-of-the-test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            "--quiet",
            str(dists["wheel"]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_WARN_SCRIPT_LOCATION": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    return env_dir


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LOCKAUDIT_", "PYTHON"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def test_the_install_is_the_wheel_and_uses_the_compiled_core(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import lockaudit; print(lockaudit.__file__)"],
        capture_output=True, text=True, cwd=tmp_path, env=_env(), check=True,
    ).stdout  # fmt: skip
    assert str(installed) in where, where
    version = subprocess.run(
        [str(installed / "bin" / "lockaudit"), "--version"], capture_output=True, text=True, cwd=tmp_path, env=_env()
    )
    assert version.returncode == 0 and "(compiled core;" in version.stdout, version.stdout + version.stderr


@pytest.fixture(scope="module")
def demo_index() -> Iterator[IndexServer]:
    with IndexServer(projects={}, metadata={}) as server:
        install(server, DEMO_PROJECTS)
        yield server


def test_demo_runs_from_a_non_editable_install(installed: Path, demo_index: IndexServer, tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(installed / "bin" / "lockaudit"), "demo", "--index-url", demo_index.url, "--cache", "none"],
        capture_output=True, text=True, cwd=tmp_path, env=_env(), timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "requests" in proc.stdout and "2.32.3" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_redis_cache_without_redis_says_which_extra(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.28.0\n")
    # redis made unimportable, as in an install without the extra
    code = textwrap.dedent(
        """
        import sys
        sys.modules["redis"] = None
        from lockaudit.cli import main
        sys.exit(main(["requirements.txt", "--cache", "redis://127.0.0.1:9/0", "--index-url", "http://127.0.0.1:9/simple/"]))
        """
    )
    proc = subprocess.run(
        [str(installed / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=tmp_path, env=_env()
    )
    assert proc.returncode == 2
    assert "pip install 'lockaudit[redis]'" in proc.stderr and "Traceback" not in proc.stderr
