"""ListAssignments filters: the contract's terms, parsed by the shared filter grammar."""

from __future__ import annotations

import pytest

from services.agent_orchestrator.convert import assignment_filter, assignment_state_of
from services.agent_orchestrator.core.models import AssignmentState
from shared.errors import InvalidArgument


def test_state_task_and_agent_terms_are_read() -> None:
    terms = assignment_filter('state = ASSIGNMENT_STATE_RUNNING AND task = "tenants/a/goals/'
                              'g/tasks/t" AND agent = "tenants/a/agents/x\\"y"')
    assert terms == {"state": "ASSIGNMENT_STATE_RUNNING", "task": "tenants/a/goals/g/tasks/t",
                     "agent": 'tenants/a/agents/x"y'}
    assert assignment_state_of(terms["state"]) is AssignmentState.RUNNING
    assert assignment_state_of("") is None
    assert assignment_filter("  ") == {}


@pytest.mark.parametrize("text", [
    'state = "ASSIGNMENT_STATE_RUNNING"',  # an enum value is not quoted
    "task = t1",  # text is quoted
    'colour = "red"',
    'task = "a" AND task = "b"',
    'task = "a" agent = "b"',
])
def test_other_terms_are_refused_naming_the_filter(text: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        assignment_filter(text)
    assert [v.field for v in refused.value.violations] == ["filter"]


@pytest.mark.parametrize("value", ["ASSIGNMENT_STATE_UNSPECIFIED", "ASSIGNMENT_STATE_NAPPING"])
def test_an_unknown_or_unspecified_state_is_refused(value: str) -> None:
    with pytest.raises(InvalidArgument):
        assignment_state_of(value)
