"""The service is a face over the library, as the CLI is: it never reaches into the CLI's commands."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import lockaudit.service

SERVICE = Path(lockaudit.service.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports made absolute."""
    package = "lockaudit." + ".".join(path.relative_to(SERVICE.parent).with_suffix("").parts[:-1])
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
                # ``from .. import commands`` names the module in the alias
                out.update(f"{module}.{alias.name}" for alias in node.names)
            else:
                module = node.module or ""
            out.add(module)
    return out


def test_no_service_module_imports_the_commands() -> None:
    modules = sorted(SERVICE.rglob("*.py"))
    assert len(modules) > 10 and any(p.parent.name == "routes" for p in modules)
    offenders = {
        str(p.relative_to(SERVICE)): sorted(m for m in _imported_modules(p) if m.startswith("lockaudit.commands"))
        for p in modules
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_scan_sees_relative_imports() -> None:
    # The check above would be worthless if it missed the spelling the routes used before.
    sample = SERVICE / "routes" / "check.py"
    found = _imported_modules(sample)
    assert "lockaudit.audit.lock_check" in found and "lockaudit.service.routes._inputs" in found


def test_building_the_app_loads_no_command() -> None:
    code = (
        "import sys\n"
        "from lockaudit.service.app import create_app\n"
        "from lockaudit.service.settings import ServiceSettings\n"
        "create_app(ServiceSettings())\n"
        "print(sorted(m for m in sys.modules if m.startswith('lockaudit.commands')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
