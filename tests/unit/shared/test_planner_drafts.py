"""A small model's plan keeps its tasks: repeated ids are made unique and dependencies on
tasks that do not exist are dropped before the plan is parsed; a cycle is left for the planner
to refuse."""

from __future__ import annotations

import json

from shared.agents.types.planner import PlannerAgent


def _task(task_id: str, *depends_on: str) -> dict[str, object]:
    return {"id": task_id, "title": task_id, "instructions": "do it", "agent_role": "executor",
            "depends_on": list(depends_on), "tools": [], "acceptance_criteria": [],
            "critical": True}


def test_repeated_ids_become_unique_and_made_up_dependencies_go() -> None:
    plan = PlannerAgent().parse(json.dumps({"complexity": 2, "tasks": [
        _task("research"), _task("research", "research", "1.0.0.1"),
        _task("research", "research-2", "research-2")]}))
    assert [t.id for t in plan.tasks] == ["research", "research-2", "research-3"]
    assert [list(t.depends_on) for t in plan.tasks] == [[], ["research"], ["research-2"]]


def test_a_cycle_is_kept_for_the_planner_to_refuse() -> None:
    plan = PlannerAgent().parse(json.dumps({"complexity": 2, "tasks": [
        _task("a", "b"), _task("b", "a")]}))
    assert [list(t.depends_on) for t in plan.tasks] == [["b"], ["a"]]


def test_the_plans_schema_names_only_the_worker_roles() -> None:
    schema = json.loads(PlannerAgent().response_schema())
    draft = schema["properties"]["tasks"]["items"]["properties"]
    assert draft["agent_role"]["enum"] == ["executor", "critic", "summarizer"]
    assert draft["tools"]["maxItems"] == 0


def test_a_line_break_written_inside_a_string_still_parses() -> None:
    text = ('{"complexity": 1, "tasks": [{"id": "a", "title": "A", "instructions": '
            '"first line\nsecond line", "agent_role": "executor", "depends_on": [], '
            '"tools": [], "acceptance_criteria": [], "critical": true}]}')
    plan = PlannerAgent().parse(text)
    assert plan.tasks[0].instructions == "first line\nsecond line"


def test_the_plans_texts_and_lists_are_bounded_to_fit_its_tokens() -> None:
    agent = PlannerAgent()
    draft = json.loads(agent.response_schema())["properties"]["tasks"]["items"]["properties"]
    assert (draft["title"]["maxLength"], draft["instructions"]["maxLength"]) == (80, 200)
    assert draft["acceptance_criteria"]["maxItems"] == 2
    assert agent.max_output_tokens == 2048
