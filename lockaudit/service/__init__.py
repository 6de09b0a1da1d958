"""The HTTP service (``lockaudit serve``): FastAPI over the same library calls as the CLI.

Needs the ``service`` extra (fastapi, uvicorn, prometheus-client).
"""

from __future__ import annotations

from .app import app_from_env, create_app
from .settings import ServiceSettings, SettingsError

__all__ = ["ServiceSettings", "SettingsError", "app_from_env", "create_app"]
