"""Log output: readable lines by default, or one JSON object a line.

`PAIRPAD_LOG_FORMAT=json` is for log pipelines. Each object has `time`,
`level`, `logger`, `pid`, `message`, and `event`, `room`, `client` (a client
id), `peer` (a client address) and `code` when the call site knows them; they
come from the log call's `extra=`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(process)d %(name)s %(message)s"
_FIELDS = ("event", "room", "client", "peer", "code")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def uvicorn_config(log_format: str) -> dict[str, Any] | None:
    """uvicorn's `log_config`: None keeps its own (readable) one."""
    if log_format != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "service.logs.JsonFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["default"], "level": "INFO"},
    }


class _SocketChatter(logging.Filter):
    """uvicorn's INFO lines for every WebSocket: two or three a socket, with its path,
    which holds the room id (the edit link's secret). Pairpad's own `socket_open`
    and `socket_close` lines say the same with the client, role and close code."""

    _DROPPED = frozenset(('%s - "WebSocket %s" [accepted]', "connection open", "connection closed"))

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.INFO and record.msg in self._DROPPED)


def quiet_socket_chatter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _SocketChatter) for f in logger.filters):
        logger.addFilter(_SocketChatter())


def configure(log_format: str) -> None:
    """Set up the root logger of this process, unless something already has."""
    root = logging.getLogger()
    if root.handlers:
        return
    if log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    else:
        logging.basicConfig(level=logging.INFO, format=TEXT_FORMAT)
