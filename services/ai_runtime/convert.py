"""Conversion between the runtime's protobuf messages and its domain models."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from google.protobuf import duration_pb2

from cognition.runtime.v1 import (
    completion_pb2,
    experiment_pb2,
    prompt_version_pb2,
    runtime_service_pb2,
)
from services.ai_runtime.core.completions import CompletionRequest
from services.ai_runtime.core.models import (
    COMPLETIONS,
    Attempt,
    ChatMessage,
    Completion,
    Experiment,
    ExperimentState,
    MessageRole,
    PromptVersion,
    ProviderLoad,
    ToolCall,
    Usage,
    UsageGroupBy,
    UsageRow,
    Variant,
    VariantQuality,
)
from services.ai_runtime.core.providers.base import TOOL_CHOICES, ToolDefinition
from shared.errors import InvalidArgument
from shared.proto.fields import enum_from_proto, enum_to_proto, masked_changes, timestamp
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec, Text
from shared.rpc.standard_methods import StandardResource
from shared.values.json_schema import schema_problems

COLLECTION = "experiments"

# The fields of the List filters, as their contracts document them.
EXPERIMENT_FILTER = FilterSpec(
    role=Text(), state=EnumValue(experiment_pb2.ExperimentState, ExperimentState))
COMPLETION_FILTER = FilterSpec(**{field: Text() for field in (
    "role", "provider", "model", "prompt_version", "goal", "agent", "experiment", "variant")})


def _quality(quality: VariantQuality | None) -> experiment_pb2.VariantQuality | None:
    if quality is None:
        return None
    return experiment_pb2.VariantQuality(
        validations=quality.validations, passed=quality.passed, mean_score=quality.mean_score,
        repairs=quality.repairs, escalations=quality.escalations)


def experiment_to_proto(experiment: Experiment) -> experiment_pb2.Experiment:
    return experiment_pb2.Experiment(
        name=names.format_name(experiment.tenant, COLLECTION, experiment.id),
        display_name=experiment.display_name,
        role=experiment.role,
        variants=[experiment_pb2.Variant(name=v.name, prompt_version=v.prompt_version,
                                         weight=v.weight, quality=_quality(v.quality))
                  for v in experiment.variants],
        state=enum_to_proto(experiment_pb2.ExperimentState, experiment.state),
        create_time=timestamp(experiment.create_time),
        update_time=timestamp(experiment.update_time),
        etag=experiment.etag,
    )


def variants_from_proto(variants: Iterable[experiment_pb2.Variant]) -> list[Variant]:
    return [Variant(v.name, v.prompt_version, v.weight) for v in variants]


def new_experiment(tenant: str, experiment_id: str,
                   message: experiment_pb2.Experiment) -> Experiment:
    """The domain experiment to start from a CreateExperiment request's experiment."""
    return Experiment(
        tenant=tenant,
        id=experiment_id,
        display_name=message.display_name,
        role=message.role,
        variants=variants_from_proto(message.variants),
        state=ExperimentState.RUNNING,
    )


def experiment_changes(message: experiment_pb2.Experiment, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateExperiment request sets, for the masked paths."""
    return masked_changes(paths, {
        "display_name": lambda: message.display_name,
        "variants": lambda: variants_from_proto(message.variants),
    })


def _calls_from_proto(calls: Iterable[completion_pb2.ToolCall]) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(c.id, c.name, c.arguments) for c in calls)


def _calls_to_proto(calls: Iterable[ToolCall]) -> list[completion_pb2.ToolCall]:
    return [completion_pb2.ToolCall(id=c.id, name=c.name, arguments=c.arguments) for c in calls]


def messages_from_proto(messages: Iterable[completion_pb2.Message]) -> list[ChatMessage]:
    return [ChatMessage(enum_from_proto(completion_pb2.MessageRole, m.role, MessageRole,
                                        MessageRole.USER), m.content,
                        _calls_from_proto(m.tool_calls), m.tool_call_id) for m in messages]


def tools_from_proto(tools: Sequence[completion_pb2.ToolDefinition],
                     tool_choice: str) -> tuple[tuple[ToolDefinition, ...], str]:
    """The tools offered and the tool choice of a request.

    Raises:
        InvalidArgument: A tool's parameters are not a JSON object schema, two tools share a
            name, or tool_choice is neither auto, none, required nor a tool's name.
    """
    offered: list[ToolDefinition] = []
    for index, tool in enumerate(tools):
        field = f"tools[{index}].parameters"
        try:
            parameters = json.loads(tool.parameters) if tool.parameters else {"type": "object"}
        except json.JSONDecodeError as error:
            raise InvalidArgument.for_field(field, f"not valid JSON: {error.msg}") from error
        if not isinstance(parameters, dict):
            raise InvalidArgument.for_field(field, "must be a JSON object (a JSON Schema)")
        problems = schema_problems(parameters)
        if problems:
            raise InvalidArgument.for_field(field, "; ".join(problems[:5]))
        if any(t.name == tool.name for t in offered):
            raise InvalidArgument.for_field(f"tools[{index}].name",
                                            f"{tool.name!r} is offered twice")
        offered.append(ToolDefinition(tool.name, tool.description, parameters))
    choice = tool_choice or "auto"
    if choice not in TOOL_CHOICES and choice not in {t.name for t in offered}:
        raise InvalidArgument.for_field(
            "tool_choice", "must be auto, none, required or the name of an offered tool")
    return tuple(offered), choice


def _same_tenant(tenant: str, name: str, field: str) -> str:
    if name and name.split("/")[1] != tenant:
        raise InvalidArgument.for_field(field, f"must belong to tenants/{tenant}")
    return name


def completion_request(tenant: str, request: Any) -> CompletionRequest:
    """The domain request of a CompleteRequest or StreamCompleteRequest (same fields)."""
    return CompletionRequest(
        tenant=tenant, role=request.role, messages=messages_from_proto(request.messages),
        max_output_tokens=request.max_output_tokens,
        temperature=request.temperature if request.HasField("temperature") else None,
        response_schema=request.response_schema,
        goal=_same_tenant(tenant, request.goal, "goal"),
        agent=_same_tenant(tenant, request.agent, "agent"),
        request_id=request.request_id,
        **_tools_of(request))


def _tools_of(request: Any) -> dict[str, Any]:
    """A CompleteRequest's tools and tool choice (a StreamCompleteRequest offers none)."""
    if "tools" not in request.DESCRIPTOR.fields_by_name:
        return {}
    tools, choice = tools_from_proto(request.tools, request.tool_choice)
    return {"tools": tools, "tool_choice": choice}


def usage_to_proto(usage: Usage) -> completion_pb2.Usage:
    return completion_pb2.Usage(input_tokens=usage.input_tokens,
                                output_tokens=usage.output_tokens,
                                cost_micros=usage.cost_micros)


def _attempt_to_proto(attempt: Attempt) -> completion_pb2.ProviderAttempt:
    latency = duration_pb2.Duration()
    latency.FromNanoseconds(int(attempt.latency_seconds * 1e9))
    return completion_pb2.ProviderAttempt(
        provider=attempt.provider,
        outcome=enum_to_proto(completion_pb2.AttemptOutcome, attempt.outcome),
        reason=attempt.reason, latency=latency)


def completion_to_proto(completion: Completion) -> completion_pb2.Completion:
    return completion_pb2.Completion(
        name=names.format_name(completion.tenant, COMPLETIONS, completion.id),
        role=completion.role, provider=completion.provider, model=completion.model,
        prompt_version=completion.prompt_version,
        messages=[completion_pb2.Message(role=enum_to_proto(completion_pb2.MessageRole, m.role),
                                         content=m.content,
                                         tool_calls=_calls_to_proto(m.tool_calls),
                                         tool_call_id=m.tool_call_id)
                  for m in completion.messages],
        tool_calls=_calls_to_proto(completion.tool_calls),
        output=completion.output, usage=usage_to_proto(completion.usage),
        attempts=[_attempt_to_proto(a) for a in completion.attempts],
        goal=completion.goal, agent=completion.agent,
        create_time=timestamp(completion.create_time),
        experiment=completion.experiment, variant=completion.variant)


def group_by_from_proto(value: int) -> UsageGroupBy:
    return enum_from_proto(runtime_service_pb2.UsageGroupBy, value, UsageGroupBy,
                           UsageGroupBy.NONE)


def usage_row_to_proto(row: UsageRow) -> runtime_service_pb2.UsageRow:
    return runtime_service_pb2.UsageRow(key=row.key, usage=usage_to_proto(row.usage),
                                        completion_count=row.completion_count)


def prompt_version_to_proto(version: PromptVersion) -> prompt_version_pb2.PromptVersion:
    return prompt_version_pb2.PromptVersion(
        name=f"prompts/{version.role}/versions/{version.version}", role=version.role,
        version=version.version, digest=version.digest,
        create_time=timestamp(version.create_time))


def provider_to_proto(load: ProviderLoad) -> runtime_service_pb2.Provider:
    return runtime_service_pb2.Provider(
        name=f"providers/{load.name}", model=load.model, slots=load.slots,
        in_flight=load.in_flight, queued=load.queued, completion_count=load.completions,
        output_tokens_per_second=load.output_tokens_per_second)


EXPERIMENTS = StandardResource(runtime_service_pb2, "Experiment", "Experiments", COLLECTION,
                               to_proto=experiment_to_proto, from_proto=new_experiment,
                               changes=experiment_changes, filter=EXPERIMENT_FILTER)
COMPLETION_RESOURCE = StandardResource(runtime_service_pb2, "Completion", "Completions",
                                       COMPLETIONS, to_proto=completion_to_proto,
                                       filter=COMPLETION_FILTER)
