"""``AgentType``: what an agent role declares, and the registry of roles."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from google.protobuf import json_format
from google.protobuf.message import Message

from cognition.agents.v1 import agent_io_pb2
from shared.proto.message_schema import message_schema
from shared.rpc.validation import violations_of
from shared.values.documents import parse_model_json


class AgentFailure(Exception):
    """An attempt failed in a way the task's failure strategy decides about.

    Args:
        reason: UPPER_SNAKE cause (``OUTPUT_INVALID``, ``QUALITY_REJECTED``, ``CRITIC_FAILED``).
        message: What went wrong.
        retryable: Whether another attempt may succeed.
    """

    def __init__(self, reason: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.reason = reason
        self.retryable = retryable


class AgentType:
    """One agent role. Subclass in its own module under ``shared/agents/types`` and decorate
    with :func:`register`.

    Attributes:
        role: The role name tasks ask for (``executor``).
        output: The proto message the model's answer must parse into.
        required: Output fields the answer must contain.
        policy: Id of the tenant's quality-gate policy the outputs are checked against
            after parsing; by default ``<role>-output``. A tenant that has no such policy
            gets no check.
        failure_strategy: What the orchestrator does when an attempt fails (``retry``,
            ``skip``, ``reassign``, ``escalate``).
        max_output_tokens: Output tokens its answer may take; 0 means the runtime's default.
        context_tokens: Most tokens of memory its prompt is given as context (memory's
            estimate, four characters a token).
        uses_tools: Whether its model is offered the tools its role and tenant may use.
    """

    role: ClassVar[str]
    output: ClassVar[type[Message]]
    required: ClassVar[tuple[str, ...]] = ()
    policy: ClassVar[str] = ""
    failure_strategy: ClassVar[str] = "retry"
    max_output_tokens: ClassVar[int] = 0
    context_tokens: ClassVar[int] = 1000
    uses_tools: ClassVar[bool] = False

    @property
    def policy_id(self) -> str:
        """The id of the quality-gate policy of this role's outputs."""
        return self.policy or f"{self.role}-output"

    def context_query(self, task: agent_io_pb2.AgentInput) -> str:
        """What to search memory for."""
        return f"{task.title}\n{task.instructions}"

    def variables(self, task: agent_io_pb2.AgentInput) -> dict[str, str]:
        """Values for the prompt template's placeholders."""
        upstream = "\n".join(f"- {k}: {v}" for k, v in sorted(task.upstream_results.items()))
        return {
            "goal": task.goal,
            "task": f"{task.title}\n{task.instructions}".strip(),
            "criteria": "\n".join(f"- {c}" for c in task.acceptance_criteria),
            "context": "\n".join(f"- {c}" for c in task.context),
            "upstream": upstream,
        }

    def output_schema(self) -> dict[str, Any]:
        """The JSON Schema of the output message with its contract's rules
        (:mod:`shared.proto.message_schema`)."""
        return message_schema(self.output.DESCRIPTOR)

    def response_schema(self) -> str:
        """:meth:`output_schema` as the text a model call carries, for providers that
        constrain generation by it."""
        return json.dumps(self.output_schema())

    def result_schema(self) -> str:
        """The JSON Schema of :meth:`result_text`, for the quality gate: the output message's
        when the result is that message as JSON; empty when a role writes its result as text
        of its own."""
        if type(self).result_text is AgentType.result_text:
            return self.response_schema()
        return ""

    def normalize(self, answer: dict[str, Any]) -> dict[str, Any]:
        """Adjust a model's JSON before parsing (e.g. enum spellings); identity by default."""
        return answer

    def parse(self, text: str) -> Message:
        """The model's answer as this type's output message.

        Raises:
            AgentFailure: OUTPUT_INVALID — not JSON, not the message, or breaking its rules.
        """
        try:
            answer = parse_model_json(text)
            if not isinstance(answer, dict):
                raise ValueError("the answer is not a JSON object")
            output = json_format.ParseDict(self.normalize(answer), self.output(),
                                           ignore_unknown_fields=True)
        except (ValueError, json_format.ParseError) as error:
            raise AgentFailure("OUTPUT_INVALID", f"{self.role}: {error}") from error
        missing = [f for f in self.required if not _present(output, f)]
        problems = [f"{v.field}: {v.description}" for v in violations_of(output)]
        problems += [f"{f}: missing" for f in missing]
        if problems:
            raise AgentFailure("OUTPUT_INVALID", f"{self.role}: " + "; ".join(problems))
        return output

    def accept(self, output: Message) -> None:
        """Reject an output that parsed but says the work failed (a critic's FAIL).

        Raises:
            AgentFailure: The output itself reports a failure.
        """

    def result_text(self, output: Message) -> str:
        """What is stored as the task's result."""
        return json_format.MessageToJson(output, indent=None, sort_keys=True)


def _present(message: Message, field: str) -> bool:
    descriptor = message.DESCRIPTOR.fields_by_name[field]
    if descriptor.is_repeated:
        return len(getattr(message, field)) > 0
    return bool(getattr(message, field))


_REGISTRY: dict[str, AgentType] = {}


def register(cls: type[AgentType]) -> type[AgentType]:
    """Class decorator: make ``cls`` the agent type of its role."""
    _REGISTRY[cls.role] = cls()
    return cls


def agent_type(role: str) -> AgentType:
    """The registered agent type of ``role``.

    Raises:
        KeyError: No agent type has that role.
    """
    from shared.agents import types  # noqa: F401 - registers the built-in roles

    return _REGISTRY[role]


def known_roles() -> frozenset[str]:
    """Every registered role."""
    from shared.agents import types  # noqa: F401 - registers the built-in roles

    return frozenset(_REGISTRY)
