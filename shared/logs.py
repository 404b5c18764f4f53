"""Logging set-up for a service process: key=value or JSON lines, with the call's trace id."""

from __future__ import annotations

import json
import logging
import re
import sys
import time

from shared import context

_LABELLED = re.compile(
    r"(?i)(bearer\s+|authorization[=:]\s*|api[_-]?key[=:]\s*|secret[=:]\s*|password[=:]\s*"
    r"|token[=:]\s*)[^\s,;\"']+")
# Credentials recognisable on their own: JWTs, API key (cog_) and refresh token (cogr_) secrets.
_JWT = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*")
_API_KEY = re.compile(r"\bcogr?_[\w-]{8,}")
# Passwords inside database URLs: scheme://user:password@host
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+(@)")


def redact(text: str) -> str:
    """Replace tokens, API keys, passwords and URL credentials in ``text`` with ``***``."""
    text = _LABELLED.sub(lambda m: m.group(1) + "***", text)
    text = _JWT.sub("***", text)
    text = _API_KEY.sub("***", text)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + "***" + m.group(2), text)


class ContextFilter(logging.Filter):
    """Adds the call's trace id, tenant and RPC to every record."""

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
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
