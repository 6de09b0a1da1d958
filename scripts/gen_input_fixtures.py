#!/usr/bin/env python3
"""Lock one same input with every real tool and keep the results as fixtures.

tests/inputs/test_tool_agreement.py reads every file this writes and checks that
lockaudit sees the same (name, version) pairs in each. The tools run against the
live index, so this is run by hand, once, and the output is committed; the tests
never need the network.

    python3 -m venv /tmp/tools
    /tmp/tools/bin/pip install uv pip-tools poetry pipenv
    python3 scripts/gen_input_fixtures.py --tools /tmp/tools/bin [--poetry-index URL]

``--poetry-index`` gives Poetry the index's simple (PEP 503) URL as its primary
source, for mirrors that do not serve the per-version JSON API Poetry reads by
default; the lock then names that source on every package (as it does for any
private index), which the tests read as "from an index" all the same.

Every URL in the output is rewritten to https://example.com/... (hashes, names,
versions and markers are kept): fixtures must not name a public registry.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "inputs" / "tools"

#: The one input, as (PEP 508 requirement) lines; written below in each tool's format.
REQUIREMENTS = [
    "requests>=2.31",
    "flask>=3.0",
    "pydantic>=2.6",
    "sqlalchemy>=2.0",
    "click>=8.1",
    "python-dateutil>=2.8",
    "attrs>=23.1",
    "httpx[http2]>=0.27",
    'uvloop>=0.19; sys_platform != "win32"',
]
PYTHON = "3.11"

PYPROJECT = """\
[project]
name = "tool-agreement"
version = "0.1.0"
requires-python = ">={python}"
dependencies = [
{deps}
]

[tool.poetry]
package-mode = false
"""

POETRY_SOURCE = """
[[tool.poetry.source]]
name = "simple"
url = "{url}"
priority = "primary"
"""

PIPFILE = """\
[packages]
requests = ">=2.31"
flask = ">=3.0"
pydantic = ">=2.6"
sqlalchemy = ">=2.0"
click = ">=8.1"
python-dateutil = ">=2.8"
attrs = ">=23.1"
httpx = {{version = ">=0.27", extras = ["http2"]}}
uvloop = {{version = ">=0.19", markers = "sys_platform != 'win32'"}}

[dev-packages]

[requires]
python_version = "{python}"
"""

# Any scheme://host, so this file never has to spell out a registry's host name.
_URL_HOST = re.compile(r"\bhttps?://[A-Za-z0-9.-]+(?::\d+)?")


def sanitize(text: str) -> str:
    """Point every URL at example.com, keeping its path (and so the file name)."""
    return _URL_HOST.sub("https://example.com", text)


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
    print("+", " ".join(cmd), f"(in {cwd.name})", flush=True)
    subprocess.run(cmd, cwd=cwd, env=env, check=True)


def clean_env(tools: Path, home: Path) -> dict[str, str]:
    """The tools' environment: only the real index, no machine-wide pip config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "POETRY_", "PIPENV_"))}
    env.update(
        PATH=f"{tools}{os.pathsep}{env.get('PATH', '')}",
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        UV_NO_CONFIG="1",
        UV_PYTHON_DOWNLOADS="never",
        POETRY_VIRTUALENVS_IN_PROJECT="true",
        PIPENV_VENV_IN_PROJECT="1",
        PIPENV_YES="1",
        PIPENV_NOSPIN="1",
        PIPENV_IGNORE_VIRTUALENVS="1",
        XDG_CACHE_HOME=str(home / "cache"),
    )
    return env


UV_SPLIT = """\
[project]
name = "uv-split"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["numpy>=1.26"]
"""


class Generator:
    """One step per tool; each returns {output name: produced file}."""

    def __init__(self, tools: Path, scratch: Path, poetry_index: str | None) -> None:
        self.tools, self.scratch, self.poetry_index = tools, scratch, poetry_index
        self.python = str(tools / "python")
        self.env = clean_env(tools, scratch)
        self.deps = "\n".join(f"    {r!r}," if '"' in r else f'    "{r}",' for r in REQUIREMENTS)

    def tool(self, name: str) -> str:
        return str(self.tools / name)

    def workdir(self, name: str) -> Path:
        path = self.scratch / name
        path.mkdir(exist_ok=True)
        return path

    def requirements(self) -> dict[str, Path]:
        req = self.workdir("req")
        (req / "requirements.in").write_text("\n".join(REQUIREMENTS) + "\n")
        run(
            [
                self.tool("pip-compile"),
                "--quiet",
                "--generate-hashes",
                "--strip-extras",
                "--output-file",
                "requirements.pip-compile.txt",
                "requirements.in",
            ],
            req,
            self.env,
        )
        run(
            [
                self.tool("uv"),
                "pip",
                "compile",
                "--quiet",
                "requirements.in",
                "--python-version",
                PYTHON,
                "--python-platform",
                "x86_64-unknown-linux-gnu",
                "-o",
                "requirements.uv.txt",
            ],
            req,
            self.env,
        )
        run([self.python, "-m", "pip", "lock", "--quiet", "-r", "requirements.in", "-o", "pylock.toml"], req, self.env)
        return {
            n: req / n
            for n in ("requirements.in", "requirements.pip-compile.txt", "requirements.uv.txt", "pylock.toml")
        }

    def freeze(self) -> dict[str, Path]:
        req = self.workdir("req")
        if not (req / "requirements.uv.txt").exists():
            self.requirements()
        venv = self.scratch / "freeze-venv"
        run([self.python, "-m", "venv", str(venv)], self.scratch, self.env)
        run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(req / "requirements.uv.txt")],
            self.scratch,
            self.env,
        )
        out = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "freeze"],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (self.scratch / "pip-freeze.txt").write_text(out)
        return {"pip-freeze.txt": self.scratch / "pip-freeze.txt"}

    def uv(self) -> dict[str, Path]:
        uvp = self.workdir("uv")
        (uvp / "pyproject.toml").write_text(PYPROJECT.format(python=PYTHON, deps=self.deps))
        run([self.tool("uv"), "lock", "--quiet"], uvp, self.env)
        run([self.tool("uv"), "export", "--quiet", "--format", "pylock.toml", "-o", "pylock.uv.toml"], uvp, self.env)
        return {n: uvp / n for n in ("pyproject.toml", "uv.lock", "pylock.uv.toml")}

    def poetry(self) -> dict[str, Path]:
        poe = self.workdir("poetry")
        pyproject = PYPROJECT.format(python=PYTHON, deps=self.deps)
        if self.poetry_index:
            pyproject += POETRY_SOURCE.format(url=self.poetry_index)
        (poe / "pyproject.toml").write_text(pyproject)
        run([self.tool("poetry"), "lock", "--no-interaction"], poe, self.env)
        return {"poetry.lock": poe / "poetry.lock"}

    def pipenv(self) -> dict[str, Path]:
        pen = self.workdir("pipenv")
        (pen / "Pipfile").write_text(PIPFILE.format(python=PYTHON))
        run([self.tool("pipenv"), "lock"], pen, self.env)
        return {"Pipfile": pen / "Pipfile", "Pipfile.lock": pen / "Pipfile.lock"}

    def uv_split(self) -> dict[str, Path]:
        """A universal lock that needs two versions of one package (numpy for 3.9 and for 3.10+)."""
        split = self.workdir("uv-split")
        (split / "pyproject.toml").write_text(UV_SPLIT)
        run([self.tool("uv"), "lock", "--quiet"], split, self.env)
        run([self.tool("uv"), "export", "--quiet", "--format", "pylock.toml", "-o", "pylock.toml"], split, self.env)
        return {f"uv-split/{n}": split / n for n in ("pyproject.toml", "uv.lock", "pylock.toml")}


STEPS = ("requirements", "freeze", "uv", "poetry", "pipenv", "uv_split")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tools", type=Path, required=True, help="bin/ of a venv with uv, pip-tools, poetry, pipenv")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--poetry-index", help="simple-API URL for Poetry (see above)")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS), help="run only these tools")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="lockaudit-fixtures-"))
    gen = Generator(args.tools.resolve(), scratch, args.poetry_index)
    try:
        produced: dict[str, Path] = {}
        for step in args.steps:
            produced.update(getattr(gen, step)())
        for name, path in produced.items():
            target = args.out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(sanitize(path.read_text()))
            print("wrote", target)
    finally:
        if args.keep:
            print("scratch kept in", scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
