"""The route class of the ``/v1`` routers: request bodies parsed with orjson.

orjson is strict where the standard library is lenient (a lone UTF-16
surrogate such as ``"\\ud800"`` is malformed JSON, not a string that breaks
rendering later), and faster on the bulk bodies of ``/v1/match``. Its
JSONDecodeError is the standard one, so FastAPI answers it as malformed JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute

__all__ = ["JsonRoute"]


class _OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


class JsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            return await handler(_OrjsonRequest(request.scope, request.receive))

        return route_handler
