"""``PlanValidator``: is a drafted plan a DAG the mesh can run? And in what order?

Structural problems (duplicate or malformed ids, self- and missing dependencies, cycles,
unknown agent roles or tools, too many tasks, complexity out of range) are INVALID_ARGUMENT
with one field violation per problem, each naming the task by its path in the request
(``plan.tasks[2].depends_on[0]``) and its id. A plan that does not fit the tenant's budget is
FAILED_PRECONDITION (reason ``PLAN_OVER_BUDGET``).
"""

from __future__ import annotations

import dataclasses
import heapq
import re
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence

from services.task_planner.core.models import PlanDraft, Task, TaskState
from shared.errors import FailedPrecondition, FieldViolation, InvalidArgument

DEFAULT_ROLES = frozenset({"planner", "executor", "critic", "summarizer"})
"""Agent roles every deployment knows; custom roles are registered on top."""

_TASK_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

BudgetCheck = Callable[[str, PlanDraft], Awaitable[bool]]
"""``(tenant, draft) -> whether the plan's estimated cost fits the tenant's budget``."""

ToolCheck = Callable[[str], bool]
"""``tool name -> whether the tool is known``."""


async def always_fits(tenant: str, draft: PlanDraft) -> bool:
    """The default budget check: every plan fits."""
    return True


@dataclasses.dataclass(frozen=True)
class PlanLimits:
    """Size limits of a plan."""

    max_tasks: int = 100
    min_complexity: int = 1
    max_complexity: int = 10


class PlanValidator:
    """Checks drafted plans before they are stored.

    Args:
        known_tools: Names of the tools tasks may use, or a predicate over a tool name. The
            default (an empty set) allows no tools at all.
        custom_roles: Agent roles known besides :data:`DEFAULT_ROLES`.
        limits: Task count and complexity limits.
        budget: Whether a tenant can afford a plan; the default says every plan fits.
        field: Path of the plan in the request, the prefix of every violation's field.
    """

    def __init__(self, known_tools: Collection[str] | ToolCheck = frozenset(),
                 custom_roles: Iterable[str] = (), limits: PlanLimits | None = None,
                 budget: BudgetCheck = always_fits, field: str = "plan") -> None:
        self._tool_known: ToolCheck = (known_tools if callable(known_tools)
                                       else frozenset(known_tools).__contains__)
        self._roles = set(DEFAULT_ROLES) | set(custom_roles)
        self._limits = limits or PlanLimits()
        self._budget = budget
        self._field = field

    @property
    def roles(self) -> frozenset[str]:
        """The agent roles plans may use."""
        return frozenset(self._roles)

    def register_role(self, role: str) -> None:
        """Allow tasks for the custom agent role ``role`` from now on."""
        self._roles.add(role)

    async def validate(self, tenant: str, draft: PlanDraft) -> None:
        """Check ``draft`` structurally, then against ``tenant``'s budget.

        Raises:
            InvalidArgument: The plan is malformed; a violation names each bad task.
            FailedPrecondition: The plan does not fit the tenant's budget (PLAN_OVER_BUDGET).
        """
        self.check(draft)
        if not await self._budget(tenant, draft):
            raise FailedPrecondition(
                f"the plan ({len(draft.tasks)} tasks, complexity {draft.complexity}) does not "
                f"fit the budget of tenant {tenant!r}", reason="PLAN_OVER_BUDGET",
                metadata={"tasks": str(len(draft.tasks)), "complexity": str(draft.complexity)})

    def check(self, draft: PlanDraft) -> None:
        """Check ``draft``'s structure only.

        Raises:
            InvalidArgument: The plan is malformed; a violation names each bad task.
        """
        violations = self._limit_violations(draft)
        violations += self._task_violations(draft.tasks)
        if not violations:  # a cycle is only meaningful between tasks that all exist
            violations += self._cycle_violations(draft.tasks)
        if violations:
            summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
            raise InvalidArgument(f"invalid plan: {summary}", violations, reason="INVALID_PLAN")

    def _path(self, index: int, rest: str = "") -> str:
        return f"{self._field}.tasks[{index}]{'.' + rest if rest else ''}"

    def _limit_violations(self, draft: PlanDraft) -> list[FieldViolation]:
        limits = self._limits
        found = []
        if not draft.tasks:
            found.append(FieldViolation(f"{self._field}.tasks", "a plan needs at least one task",
                                        "PLAN_EMPTY"))
        if len(draft.tasks) > limits.max_tasks:
            found.append(FieldViolation(
                f"{self._field}.tasks",
                f"{len(draft.tasks)} tasks; at most {limits.max_tasks} are allowed",
                "TOO_MANY_TASKS"))
        if not limits.min_complexity <= draft.complexity <= limits.max_complexity:
            found.append(FieldViolation(
                f"{self._field}.complexity",
                f"{draft.complexity} is outside {limits.min_complexity}..{limits.max_complexity}",
                "COMPLEXITY_OUT_OF_RANGE"))
        return found

    def _task_violations(self, tasks: Sequence[Task]) -> list[FieldViolation]:
        found = []
        first_index: dict[str, int] = {}
        for i, task in enumerate(tasks):
            if not _TASK_ID.match(task.id):
                found.append(FieldViolation(
                    self._path(i, "name"),
                    f"task id {task.id!r} must match {_TASK_ID.pattern}", "BAD_TASK_ID"))
            elif task.id in first_index:
                found.append(FieldViolation(
                    self._path(i, "name"),
                    f"task id {task.id!r} is already used by plan.tasks[{first_index[task.id]}]",
                    "DUPLICATE_TASK_ID"))
            else:
                first_index[task.id] = i
        ids = set(first_index)
        for i, task in enumerate(tasks):
            found += self._dependency_violations(i, task, ids)
            if task.agent_role not in self._roles:
                found.append(FieldViolation(
                    self._path(i, "agent_role"),
                    f"task {task.id!r}: unknown agent role {task.agent_role!r} (known: "
                    f"{', '.join(sorted(self._roles))})", "UNKNOWN_AGENT_ROLE"))
            for j, tool in enumerate(task.tools):
                if not self._tool_known(tool):
                    found.append(FieldViolation(
                        self._path(i, f"tools[{j}]"),
                        f"task {task.id!r}: unknown tool {tool!r}", "UNKNOWN_TOOL"))
        return found

    def _dependency_violations(self, i: int, task: Task, ids: set[str]) -> list[FieldViolation]:
        found = []
        for j, dependency in enumerate(task.depends_on):
            if dependency == task.id:
                found.append(FieldViolation(
                    self._path(i, f"depends_on[{j}]"),
                    f"task {task.id!r} depends on itself", "SELF_DEPENDENCY"))
            elif dependency not in ids:
                found.append(FieldViolation(
                    self._path(i, f"depends_on[{j}]"),
                    f"task {task.id!r} depends on {dependency!r}, which is not in the plan",
                    "MISSING_DEPENDENCY"))
            elif dependency in task.depends_on[:j]:
                found.append(FieldViolation(
                    self._path(i, f"depends_on[{j}]"),
                    f"task {task.id!r} lists dependency {dependency!r} twice",
                    "DUPLICATE_DEPENDENCY"))
        return found

    def _cycle_violations(self, tasks: Sequence[Task]) -> list[FieldViolation]:
        cycle = find_cycle(tasks)
        if cycle is None:
            return []
        index = {t.id: i for i, t in enumerate(tasks)}
        start, closing = cycle[0], cycle[-2]  # the edge closing->start closes the cycle
        j = tasks[index[closing]].depends_on.index(start)
        return [FieldViolation(
            self._path(index[closing], f"depends_on[{j}]"),
            f"task {closing!r} is in a dependency cycle: {' -> '.join(cycle)}",
            "DEPENDENCY_CYCLE")]


def find_cycle(tasks: Sequence[Task]) -> list[str] | None:
    """One dependency cycle as ``[a, b, ..., a]`` (each depends on the next), or None.

    Dependencies on ids that are not in ``tasks`` are ignored.
    """
    by_id = {t.id: t for t in tasks}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = fully explored
    for root in tasks:
        if state.get(root.id):
            continue
        path: list[str] = [root.id]
        pending = [iter(root.depends_on)]
        state[root.id] = 1
        while pending:
            step = next(pending[-1], None)
            if step is None:
                state[path.pop()] = 2
                pending.pop()
            elif step in by_id and state.get(step) == 1:
                return [*path[path.index(step):], step]
            elif step in by_id and not state.get(step):
                state[step] = 1
                path.append(step)
                pending.append(iter(by_id[step].depends_on))
    return None


def dependency_order(tasks: Sequence[Task]) -> list[Task]:
    """``tasks`` in topological order: each after all its dependencies, and otherwise in
    their original order (stable by position).

    Raises:
        ValueError: The tasks have a dependency cycle (validated plans never do).
    """
    position = {t.id: i for i, t in enumerate(tasks)}
    waiting = {t.id: sum(1 for d in set(t.depends_on) if d in position) for t in tasks}
    dependents: dict[str, list[str]] = {t.id: [] for t in tasks}
    for task in tasks:
        for dependency in set(task.depends_on):
            if dependency in position:
                dependents[dependency].append(task.id)
    heap = [position[t.id] for t in tasks if waiting[t.id] == 0]
    heapq.heapify(heap)
    ordered: list[Task] = []
    while heap:
        task = tasks[heapq.heappop(heap)]
        ordered.append(task)
        for dependent in dependents[task.id]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(heap, position[dependent])
    if len(ordered) != len(tasks):
        raise ValueError("the tasks have a dependency cycle")
    return ordered


def ready_tasks(tasks: Sequence[Task],
                states: Mapping[str, TaskState] | None = None) -> list[Task]:
    """The tasks that may start now, in position order: not started yet (BLOCKED or READY)
    and every dependency SUCCEEDED or SKIPPED. Independent ones can run in parallel.

    Args:
        tasks: The plan's tasks.
        states: Current state per task id; a task missing here has its own ``state``.
    """
    current = {t.id: t.state for t in tasks}
    current.update(states or {})
    return [
        t for t in tasks
        if current[t.id] in (TaskState.BLOCKED, TaskState.READY)
        and all(current.get(d, TaskState.BLOCKED).satisfies_dependents for d in t.depends_on)
    ]
