"""The revisions every service shares are defined once and placed in each history once, in
order; no history copies their tables in a revision of its own."""

from __future__ import annotations

import pathlib

import pytest
from alembic.script import ScriptDirectory

from shared.database.migrations import alembic_config
from shared.database.shared_revisions import (
    AUDIT_ON_BEHALF_OF,
    AUDIT_OUTBOX,
    IDEMPOTENCY_KEYS,
    SHARED_REVISIONS,
)

SERVICES = pathlib.Path(__file__).resolve().parents[3] / "services"
HISTORIES = sorted(p.parent for p in SERVICES.glob("*/migrations/env.py"))
# audit-log is where audit entries go: it has no outbox of its own.
EXPECTED = {"audit_log": (IDEMPOTENCY_KEYS,)}
BOUNDARY_TABLES = ("shared.database.idempotency", "shared.database.audit_outbox")


def test_every_service_has_a_history() -> None:
    assert len(HISTORIES) == 11


@pytest.mark.parametrize("history", HISTORIES, ids=lambda p: p.parent.name)
def test_a_history_holds_each_shared_revision_once_in_order(history: pathlib.Path) -> None:
    scripts = ScriptDirectory.from_config(alembic_config(history))
    in_order = list(reversed(list(scripts.walk_revisions())))
    placed = [shared for script in in_order for shared in SHARED_REVISIONS
              if getattr(script.module, "upgrade", None) is shared.upgrade]
    expected = EXPECTED.get(history.parent.name, (IDEMPOTENCY_KEYS, AUDIT_OUTBOX,
                                                  AUDIT_ON_BEHALF_OF))
    assert placed == list(expected)


@pytest.mark.parametrize("history", HISTORIES, ids=lambda p: p.parent.name)
def test_no_revision_copies_the_boundary_tables(history: pathlib.Path) -> None:
    for version in (history / "versions").glob("*.py"):
        text = version.read_text()
        for module in BOUNDARY_TABLES:
            assert module not in text, f"{version.name} changes {module}'s table itself"
