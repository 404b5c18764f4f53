"""Domain models of the ai-runtime."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from shared.resources.entity import Entity


class ExperimentState(enum.StrEnum):
    """Whether an experiment routes traffic."""

    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


@dataclasses.dataclass(frozen=True)
class VariantQuality:
    """How the quality gate judged a variant's outputs."""

    validations: int = 0
    passed: int = 0
    mean_score: float = 0.0
    repairs: int = 0
    escalations: int = 0


@dataclasses.dataclass(frozen=True)
class Variant:
    """One arm of an experiment: a prompt version (``executor/v2``) and its share of traffic;
    ``quality`` is read from the quality gate, never stored."""

    name: str
    prompt_version: str
    weight: int
    quality: VariantQuality | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Experiment(Entity):
    """An A/B test of prompt versions for one agent role."""

    display_name: str
    role: str
    variants: list[Variant] = dataclasses.field(default_factory=list)
    state: ExperimentState = ExperimentState.RUNNING


class MessageRole(enum.StrEnum):
    """The speaker of a message."""

    SYSTEM = "SYSTEM"
    USER = "USER"
    ASSISTANT = "ASSISTANT"
    TOOL = "TOOL"


@dataclasses.dataclass(frozen=True)
class ToolCall:
    """A call the model asks for: the provider's id of the call, the tool, and the arguments
    as the JSON text the model wrote (not checked against the tool's schema)."""

    id: str
    name: str
    arguments: str


@dataclasses.dataclass(frozen=True)
class ChatMessage:
    """One message of a conversation with a model: an assistant turn may carry the tool
    calls the model made, and a tool message names the call it answers."""

    role: MessageRole
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str = ""


class AttemptOutcome(enum.StrEnum):
    """How one provider call ended."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    RATE_LIMITED = "RATE_LIMITED"
    SKIPPED = "SKIPPED"


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One call to one provider while making a completion."""

    provider: str
    outcome: AttemptOutcome
    reason: str = ""
    latency_seconds: float = 0.0


@dataclasses.dataclass(frozen=True)
class Usage:
    """Tokens used and what they cost (micro-dollars)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_micros: int = 0


COMPLETIONS = "completions"  # the collection in completions' resource names


@dataclasses.dataclass(frozen=True, kw_only=True)
class Completion(Entity):
    """The record of one model call for an agent role, and its charge."""

    role: str
    provider: str
    model: str
    prompt_version: str
    messages: list[ChatMessage] = dataclasses.field(default_factory=list)
    output: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_micros: int = 0
    attempts: list[Attempt] = dataclasses.field(default_factory=list)
    goal: str = ""
    agent: str = ""
    experiment: str = ""
    variant: str = ""
    # The caller's idempotency key; None when the call had none.
    request_id: str | None = None
    # The tools the model asked to call instead of (or along with) answering.
    tool_calls: list[ToolCall] = dataclasses.field(default_factory=list)

    @property
    def usage(self) -> Usage:
        return Usage(self.input_tokens, self.output_tokens, self.cost_micros)


class UsageGroupBy(enum.StrEnum):
    """What usage sums are grouped by; NONE gives one row for the tenant."""

    NONE = "NONE"
    ROLE = "ROLE"
    PROVIDER = "PROVIDER"
    MODEL = "MODEL"
    PROMPT_VERSION = "PROMPT_VERSION"
    GOAL = "GOAL"
    AGENT = "AGENT"
    VARIANT = "VARIANT"


@dataclasses.dataclass(frozen=True)
class UsageRow:
    """Summed usage of one group."""

    key: str
    usage: Usage
    completion_count: int


@dataclasses.dataclass(frozen=True)
class PromptVersion:
    """One version of a role's prompt template."""

    role: str
    version: str
    digest: str
    template: str
    create_time: dt.datetime

    @property
    def id(self) -> str:
        """``executor/v2``."""
        return f"{self.role}/{self.version}"


@dataclasses.dataclass(frozen=True)
class Embeddings:
    """Vectors of some texts and what making them cost."""

    vectors: list[list[float]]
    model: str
    usage: Usage


@dataclasses.dataclass(frozen=True)
class ProviderLoad:
    """What one configured provider is doing now, and how fast it was lately.

    ``slots`` is how many calls it runs at once (0: the runtime sets no limit), ``queued`` how
    many wait for a slot; ``completions`` counts the completions it served since the runtime
    started; ``output_tokens_per_second`` is the output tokens of its recent completions over
    their generation time (from the start of each call, after any wait; 0 before the first).
    """

    name: str
    model: str
    slots: int
    in_flight: int
    queued: int
    completions: int
    output_tokens_per_second: float
