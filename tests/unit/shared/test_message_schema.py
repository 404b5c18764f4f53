"""The JSON Schema of an agent's output message carries its contract's rules, so a model
constrained by it writes only messages that parse."""

from __future__ import annotations

from google.protobuf import json_format

from cognition.agents.v1 import agent_io_pb2
from shared.agents.types.critic import CriticAgent
from shared.proto.message_schema import enum_words, message_schema
from shared.values.json_schema import schema_errors

PLAN = message_schema(agent_io_pb2.PlannerOutput.DESCRIPTOR)


def _plan(**task: object) -> dict[str, object]:
    draft = {"id": "research", "title": "Research", "instructions": "Find facts.",
             "agent_role": "executor", "depends_on": [], "tools": [],
             "acceptance_criteria": ["cites facts"], "critical": True, **task}
    return {"tasks": [draft], "complexity": 2}


def test_a_plan_that_fits_the_schema_parses_into_its_message() -> None:
    plan = _plan()
    assert schema_errors(plan, PLAN) == []
    parsed = json_format.ParseDict(plan, agent_io_pb2.PlannerOutput())
    assert parsed.tasks[0].agent_role == "executor"


def test_the_contracts_rules_are_in_the_schema() -> None:
    assert schema_errors(_plan(id="Not A Slug"), PLAN)  # the id's pattern
    assert schema_errors(_plan(title=""), PLAN)  # min_len
    assert schema_errors({"tasks": [], "complexity": 2}, PLAN)  # min_items
    assert schema_errors({**_plan(), "complexity": 11}, PLAN)  # lte
    assert schema_errors({**_plan(), "extra": 1}, PLAN)  # nothing else
    missing = _plan()
    del missing["complexity"]
    assert schema_errors(missing, PLAN)  # every field


def test_an_enum_is_its_words_as_prompts_spell_them() -> None:
    assert enum_words(agent_io_pb2.CriticVerdict.DESCRIPTOR) == ["pass", "fail"]
    schema = message_schema(agent_io_pb2.CriticOutput.DESCRIPTOR)
    assert schema["properties"]["verdict"] == {"type": "string", "enum": ["pass", "fail"]}
    critic = CriticAgent()
    assert critic.parse('{"verdict": "fail", "issues": ["wrong"]}').verdict == \
        agent_io_pb2.CRITIC_VERDICT_FAIL
