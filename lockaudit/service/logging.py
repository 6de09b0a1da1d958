"""Structured logs: one JSON object a line on stderr, each with the request id.

The request id comes from the caller's ``X-Request-ID`` (when it is a short,
plain token) or is generated, and is returned in the response. Log records
carry what happened (method, route, status, duration, counts), never request
bodies, headers or credentials: URLs are redacted before they get here, and
messages pass through :func:`lockaudit.index.settings.redact_text` once more.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import os
import random
import re
import time
from types import TracebackType
from typing import Any

import orjson

from ..index.settings import redact_text

__all__ = [
    "ACCESS_LOG",
    "REQUEST_ID_HEADER",
    "AccessLog",
    "JsonFormatter",
    "current_request_id",
    "log_config",
    "log_everything_as_json",
    "new_request_id",
    "request_id_var",
    "sanitize_request_id",
]

REQUEST_ID_HEADER = "X-Request-ID"
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("lockaudit_request_id", default=None)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
# Standard LogRecord attributes: everything else a record carries is an "extra" field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def sanitize_request_id(value: str | None) -> str | None:
    """The caller's request id if it is safe to echo and log (no spaces, quotes, control characters)."""
    if value and _REQUEST_ID.match(value):
        return value
    return None


_ids = random.Random()  # seeded from the OS; ids need to be unique, not secret
os.register_at_fork(after_in_child=_ids.seed)  # a forked worker must not repeat its parent's ids


def new_request_id() -> str:
    """32 random hex digits (a correlation id: unique, not a secret; no system call)."""
    return f"{_ids.getrandbits(128):032x}"


def current_request_id() -> str | None:
    return request_id_var.get()


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", "request_id", ...extra fields}``."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if "@" in message or self.secrets:  # URL user info, or a secret that might be quoted
            message = redact_text(message, self.secrets)
        doc: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": message,
        }
        rid = getattr(record, "request_id", None) or request_id_var.get()
        if rid:
            doc["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in doc and not key.startswith("_") and key != "color_message":
                doc[key] = value
        if record.exc_info:
            doc["exception"] = redact_text(self.formatException(record.exc_info), self.secrets)
        return orjson.dumps(doc, default=str).decode("utf-8")


class AccessLog:
    """The one line per request, on the ``lockaudit.access`` logger.

    With the service's own logging configuration (JSON handlers, see
    :func:`log_config`) the line is serialized once and written to those
    handlers' streams directly, under each handler's lock: a LogRecord, the
    caller lookup and the generic formatter cost more than the rest of a
    ``/v1/match`` request's own bookkeeping. With any other configuration it is
    an ordinary log record, so handlers, filters and levels apply as usual.
    """

    #: How long a look at the logging configuration is trusted (it seldom changes).
    RECHECK_SECONDS = 1.0

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger("lockaudit.access")
        self._checked_at = -1e9
        self._handlers: list[logging.StreamHandler] | None = None
        self._second = -1
        self._second_text = ""

    def _fast_handlers(self) -> list[logging.StreamHandler] | None:
        now = time.monotonic()
        if now - self._checked_at > self.RECHECK_SECONDS:
            self._handlers = self._find_fast_handlers()
            self._checked_at = now
        return self._handlers

    def _timestamp(self) -> str:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._second_text}.{int((now - second) * 1000):03d}+00:00"

    def _find_fast_handlers(self) -> list[logging.StreamHandler] | None:
        handlers: list[logging.Handler] = []
        logger: logging.Logger | None = self.logger
        while logger is not None:
            if logger.filters:
                return None
            handlers += logger.handlers
            if not logger.propagate:
                break
            logger = logger.parent
        fast = [
            h
            for h in handlers
            if isinstance(h, logging.StreamHandler)
            and type(h) is logging.StreamHandler
            and isinstance(h.formatter, JsonFormatter)
            and not h.filters
        ]
        return fast if handlers and len(fast) == len(handlers) else None

    def write(self, fields: dict[str, Any]) -> None:
        logger = self.logger
        if not logger.isEnabledFor(logging.INFO):
            return
        handlers = self._fast_handlers()
        if handlers is None or any(h.level > logging.INFO for h in handlers):
            record = logger.makeRecord(logger.name, logging.INFO, __file__, 0, "request", (), None, extra=fields)
            logger.handle(record)
            return
        doc: dict[str, Any] = {"ts": self._timestamp(), "level": "info", "logger": logger.name, "message": "request"}
        rid = request_id_var.get()
        if rid:
            doc["request_id"] = rid
        doc.update(fields)
        line = orjson.dumps(doc, default=str).decode("utf-8") + "\n"
        for h in handlers:
            with h.lock:  # type: ignore[union-attr]  # Handler.__init__ always makes it
                try:
                    h.stream.write(line)
                    h.flush()
                except Exception:
                    h.handleError(logging.makeLogRecord({"msg": "request"}))


#: The service's access log (the middleware writes it).
ACCESS_LOG = AccessLog()


def log_config(level: str = "info", secrets: tuple[str, ...] = ()) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn and lockaudit: JSON on stderr.

    uvicorn's own access log is off (the service writes its own, with the
    request id); its error log goes through the same formatter.
    """
    lvl = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter, "secrets": tuple(secrets)}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": lvl, "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": lvl, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "lockaudit": {"handlers": ["stderr"], "level": lvl, "propagate": False},
            # Python warnings (see log_everything_as_json) are log lines like any other.
            "py.warnings": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }


def log_everything_as_json() -> None:
    """Send what would bypass the JSON log to it: Python warnings (a library's
    deprecation, a failing cache's warning) and uncaught errors in threads.

    A worker process calls this once (``app_from_env``): stderr then carries JSON
    lines only. The cache's own warning is already a log line of the
    ``lockaudit.index.cache.interface`` logger, so its Python warning is not repeated.
    """
    import sys
    import threading
    import warnings

    from ..index.cache import CacheUnavailableWarning

    warnings.simplefilter("ignore", CacheUnavailableWarning)
    logging.captureWarnings(True)
    thread_logger = logging.getLogger(__name__)

    def log_thread_error(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        thread_logger.error("uncaught error in thread %s", name, exc_info=args.exc_value)

    def log_uncaught(exc_type: type[BaseException], exc_value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc_value, tb)
            return
        thread_logger.critical("uncaught error", exc_info=(exc_type, exc_value, tb))

    threading.excepthook = log_thread_error
    sys.excepthook = log_uncaught
