"""PlanValidator: each kind of bad plan is refused naming the task; DAG order and READY sets."""

from __future__ import annotations

import pytest

from services.task_planner.core.models import PlanDraft, TaskState
from services.task_planner.core.validation import (
    PlanLimits,
    PlanValidator,
    dependency_order,
    find_cycle,
    ready_tasks,
)
from shared.errors import FailedPrecondition, FieldViolation, InvalidArgument
from tests.unit.task_planner.conftest import task


def violations(validator: PlanValidator, draft: PlanDraft) -> list[FieldViolation]:
    with pytest.raises(InvalidArgument) as caught:
        validator.check(draft)
    return list(caught.value.violations)


def only(found: list[FieldViolation]) -> FieldViolation:
    assert len(found) == 1, found
    return found[0]


def test_a_valid_plan_passes() -> None:
    PlanValidator(known_tools={"web.search"}).check(PlanDraft(tasks=(
        task("a", tools=("web.search",)), task("b", "a", role="critic")), complexity=3))


def test_a_cycle_is_reported_naming_its_tasks() -> None:
    draft = PlanDraft(tasks=(task("a"), task("b", "a", "d"), task("c", "b"), task("d", "c")))
    bad = only(violations(PlanValidator(), draft))
    assert bad.reason == "DEPENDENCY_CYCLE"
    assert bad.field == "plan.tasks[2].depends_on[0]"  # c -> b closes b -> d -> c -> b
    assert "'c'" in bad.description
    assert "b -> d -> c -> b" in bad.description
    assert "a ->" not in bad.description


def test_find_cycle_returns_one_closed_cycle() -> None:
    assert find_cycle((task("x", "y"), task("y", "x"))) == ["x", "y", "x"]
    assert find_cycle((task("x"), task("y", "x"))) is None


def test_a_missing_dependency_names_the_task_and_the_missing_id() -> None:
    bad = only(violations(PlanValidator(), PlanDraft(tasks=(task("a"), task("b", "a", "zz")))))
    assert (bad.field, bad.reason) == ("plan.tasks[1].depends_on[1]", "MISSING_DEPENDENCY")
    assert "'b'" in bad.description and "'zz'" in bad.description


def test_a_self_dependency_is_refused() -> None:
    bad = only(violations(PlanValidator(), PlanDraft(tasks=(task("a", "a"),))))
    assert (bad.field, bad.reason) == ("plan.tasks[0].depends_on[0]", "SELF_DEPENDENCY")


def test_duplicate_task_ids_are_refused() -> None:
    bad = only(violations(PlanValidator(), PlanDraft(tasks=(task("a"), task("b"), task("a")))))
    assert (bad.field, bad.reason) == ("plan.tasks[2].name", "DUPLICATE_TASK_ID")
    assert "'a'" in bad.description and "plan.tasks[0]" in bad.description


def test_a_malformed_task_id_is_refused() -> None:
    bad = only(violations(PlanValidator(), PlanDraft(tasks=(task("Not/an-id"),))))
    assert (bad.field, bad.reason) == ("plan.tasks[0].name", "BAD_TASK_ID")


def test_an_unknown_role_is_refused_until_registered() -> None:
    validator = PlanValidator()
    draft = PlanDraft(tasks=(task("a"), task("b", role="translator")))
    bad = only(violations(validator, draft))
    assert (bad.field, bad.reason) == ("plan.tasks[1].agent_role", "UNKNOWN_AGENT_ROLE")
    assert "'b'" in bad.description and "'translator'" in bad.description
    validator.register_role("translator")
    validator.check(draft)
    PlanValidator(custom_roles=["translator"]).check(draft)


def test_an_unknown_tool_is_refused_and_no_tools_are_known_by_default() -> None:
    draft = PlanDraft(tasks=(task("a", tools=("web.search", "shell")),))
    bad = only(violations(PlanValidator(known_tools={"web.search"}), draft))
    assert (bad.field, bad.reason) == ("plan.tasks[0].tools[1]", "UNKNOWN_TOOL")
    assert "'a'" in bad.description and "'shell'" in bad.description
    assert len(violations(PlanValidator(), draft)) == 2
    PlanValidator(known_tools=lambda name: name in {"web.search", "shell"}).check(draft)


def test_task_count_and_complexity_limits() -> None:
    validator = PlanValidator(limits=PlanLimits(max_tasks=2))
    too_many = PlanDraft(tasks=(task("a"), task("b"), task("c")))
    assert only(violations(validator, too_many)).reason == "TOO_MANY_TASKS"
    assert only(violations(validator, PlanDraft(tasks=()))).reason == "PLAN_EMPTY"
    for complexity in (0, 11):
        bad = only(violations(validator, PlanDraft(tasks=(task("a"),), complexity=complexity)))
        assert (bad.field, bad.reason) == ("plan.complexity", "COMPLEXITY_OUT_OF_RANGE")


async def test_a_plan_over_budget_is_a_failed_precondition() -> None:
    seen: list[tuple[str, int]] = []

    async def budget(tenant: str, draft: PlanDraft) -> bool:
        seen.append((tenant, len(draft.tasks)))
        return len(draft.tasks) <= 1

    validator = PlanValidator(budget=budget)
    await validator.validate("acme", PlanDraft(tasks=(task("a"),)))
    with pytest.raises(FailedPrecondition) as caught:
        await validator.validate("acme", PlanDraft(tasks=(task("a"), task("b"))))
    assert caught.value.reason == "PLAN_OVER_BUDGET"
    assert seen == [("acme", 1), ("acme", 2)]


async def test_the_budget_is_not_asked_about_a_malformed_plan() -> None:
    async def budget(tenant: str, draft: PlanDraft) -> bool:
        raise AssertionError("must not be called")

    with pytest.raises(InvalidArgument):
        await PlanValidator(budget=budget).validate("acme", PlanDraft(tasks=(task("a", "a"),)))


DIAMOND = (task("join", "left", "right"), task("right", "root"), task("left", "root"),
           task("root"))


def test_dependency_order_of_a_diamond() -> None:
    assert [t.id for t in dependency_order(DIAMOND)] == ["root", "right", "left", "join"]


def test_dependency_order_is_stable_for_independent_tasks() -> None:
    assert [t.id for t in dependency_order((task("c"), task("a"), task("b")))] == ["c", "a", "b"]


def test_dependency_order_refuses_a_cycle() -> None:
    with pytest.raises(ValueError):
        dependency_order((task("x", "y"), task("y", "x")))


def test_ready_sets_of_a_diamond() -> None:
    def ready(**states: TaskState) -> list[str]:
        return [t.id for t in ready_tasks(DIAMOND, states)]

    assert ready() == ["root"]
    assert ready(root=TaskState.RUNNING) == []
    assert ready(root=TaskState.SUCCEEDED) == ["right", "left"]
    assert ready(root=TaskState.SUCCEEDED, left=TaskState.SUCCEEDED) == ["right"]
    assert ready(root=TaskState.SUCCEEDED, left=TaskState.SUCCEEDED,
                 right=TaskState.SKIPPED) == ["join"]
    assert ready(root=TaskState.SUCCEEDED, left=TaskState.FAILED,
                 right=TaskState.SUCCEEDED) == []


def test_independent_tasks_are_all_ready_at_once() -> None:
    tasks = (task("a"), task("b"), task("c"))
    assert [t.id for t in ready_tasks(tasks)] == ["a", "b", "c"]
    assert [t.id for t in ready_tasks(tasks, {"b": TaskState.RUNNING})] == ["a", "c"]
