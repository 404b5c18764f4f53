"""Logging set-up for a service process: key=value or JSON lines, with the call's trace id."""

from __future__ import annotations

import json
import logging
import re
import sys
import time

from shared import context

_SECRET = re.compile(r"(?i)(bearer\s+|api[_-]?key[=:]\s*|password[=:]\s*)[^\s,;\"']+")


def redact(text: str) -> str:
    """Replace bearer tokens, API keys and passwords in ``text`` with ``***``."""
    return _SECRET.sub(lambda m: m.group(1) + "***", text)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = context.current()
        record.trace_id = ctx.trace_id
        record.tenant = ctx.tenant
        record.rpc = ctx.method
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, trace id, tenant, rpc."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in ("trace_id", "tenant", "rpc"):
            value = getattr(record, key, "")
            if value:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time level logger message trace_id=… rpc=…`` lines."""

    def format(self, record: logging.LogRecord) -> str:
        line = (f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: "
                f"{redact(record.getMessage())}")
        for key in ("trace_id", "rpc"):
            value = getattr(record, key, "")
            if value:
                line += f" {key}={value}"
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        return line


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """Send the root logger to stderr in ``fmt`` (``json`` or ``text``) at ``level``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
