"""An entry's actor is the verified caller; only a service of the mesh relays the entries of
the calls it served, naming their actor and whom it acted for."""

from __future__ import annotations

import pytest

from services.audit_log.core.attribution import Writer, attributed
from services.audit_log.core.models import AuditEntry, Outcome
from shared.errors import PermissionDenied

USER = Writer("tenants/acme/users/ada", is_service=False)
PLANNER = Writer("services/task-planner", is_service=True)


def entry(actor: str = "", on_behalf_of: str = "") -> AuditEntry:
    return AuditEntry(tenant="acme", id="e1", actor=actor, action="planner.create_goal",
                      resource="tenants/acme/goals/g1", outcome=Outcome.SUCCESS,
                      on_behalf_of=on_behalf_of)


def test_a_caller_writes_in_its_own_name() -> None:
    for actor in ("", USER.subject):
        recorded = attributed(entry(actor), USER)
        assert (recorded.actor, recorded.recorded_by) == (USER.subject, USER.subject)


@pytest.mark.parametrize(("claimed", "field"), [
    (entry("tenants/acme/users/root"), "audit_entry.actor"),
    (entry(on_behalf_of="tenants/acme/users/root"), "audit_entry.on_behalf_of"),
])
def test_a_caller_cannot_write_in_anothers_name(claimed: AuditEntry, field: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        attributed(claimed, USER)
    assert refused.value.metadata == {"field": field}


def test_a_service_relays_the_entries_of_the_calls_it_served() -> None:
    relayed = attributed(entry("services/agent-orchestrator",
                               "tenants/acme/agents/builtin-executor-1"), PLANNER)
    assert (relayed.actor, relayed.on_behalf_of, relayed.recorded_by) == (
        "services/agent-orchestrator", "tenants/acme/agents/builtin-executor-1",
        "services/task-planner")
    assert attributed(entry(), PLANNER).actor == PLANNER.subject
