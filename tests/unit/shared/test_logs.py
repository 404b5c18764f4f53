"""Log lines never carry credentials, and carry the call's trace id."""

from __future__ import annotations

import json
import logging

import pytest

from shared import context, logs

JWT = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2Vycy9hZGEifQ.c2lnbmF0dXJl"


@pytest.mark.parametrize(("line", "secret"), [
    (f"authorization: Bearer {JWT}", JWT),
    (f"got token {JWT} from client", JWT),
    ("key cog_k1_AbCdEfGhIjKlMnOpQrStUv issued", "cog_k1_AbCdEfGhIjKlMnOpQrStUv"),
    ("login password=hunter2 failed", "hunter2"),
    ("api_key: s3cr3t-value", "s3cr3t-value"),
    ("connecting to postgresql+asyncpg://cognos:pa55word@db:5432/x", "pa55word"),
])
def test_credentials_are_redacted(line: str, secret: str) -> None:
    cleaned = logs.redact(line)
    assert secret not in cleaned and "***" in cleaned


def test_ordinary_text_is_untouched() -> None:
    line = "goal tenants/acme/goals/g1 created in 12.5ms"
    assert logs.redact(line) == line


def test_json_lines_carry_trace_id_and_no_secret() -> None:
    record = logging.LogRecord("svc", logging.INFO, __file__, 1, "issued %s", (JWT,), None)
    with context.bind(context.CallContext(trace_id="ab" * 16, tenant="acme")):
        logs.ContextFilter().filter(record)
    entry = json.loads(logs.JsonFormatter().format(record))
    assert entry["trace_id"] == "ab" * 16 and entry["tenant"] == "acme"
    assert JWT not in entry["message"]
