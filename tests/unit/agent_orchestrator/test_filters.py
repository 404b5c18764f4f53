"""ListAgents and ListAssignments filters: the contract's terms, read by the shared grammar."""

from __future__ import annotations

import pytest

from services.agent_orchestrator.convert import AGENT_FILTER, ASSIGNMENT_FILTER
from services.agent_orchestrator.core.models import AgentState, AssignmentState
from shared.errors import InvalidArgument


def test_state_task_and_agent_terms_are_read() -> None:
    parsed = ASSIGNMENT_FILTER.parse('state = ASSIGNMENT_STATE_RUNNING AND task = "tenants/a/'
                                     'goals/g/tasks/t" AND agent = "tenants/a/agents/x"', "a")
    assert {t.field: t.value for t in parsed.terms} == {
        "state": AssignmentState.RUNNING, "task": "tenants/a/goals/g/tasks/t", "agent": "x"}
    assert ASSIGNMENT_FILTER.parse("  ", "a").terms == ()
    agents = AGENT_FILTER.parse('role = "executor" AND state != AGENT_STATE_HEALTHY', "a")
    assert [(t.field, t.operator, t.value) for t in agents.terms] == [
        ("role", "=", "executor"), ("state", "!=", AgentState.HEALTHY)]


@pytest.mark.parametrize("text", [
    'state = "ASSIGNMENT_STATE_RUNNING"',  # an enum value is not quoted
    "task = t1",  # text is quoted
    'colour = "red"',
    'task = "a" AND task = "b"',
    'task = "a" agent = "b"',
    'agent = "tenants/other/agents/x"',  # an agent of another tenant
    "state = ASSIGNMENT_STATE_UNSPECIFIED",
    "state = ASSIGNMENT_STATE_NAPPING",
])
def test_other_terms_are_refused_naming_the_filter(text: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        ASSIGNMENT_FILTER.parse(text, "a")
    assert [v.field for v in refused.value.violations] == ["filter"]
