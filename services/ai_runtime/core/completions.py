"""``CompletionService``: completions for agent roles, embeddings, usage and prompt versions.

One completion: pick the prompt version (an experiment's variant when one runs for the role,
else the role's default), render it, check the tenant's budget, route to the providers, check
the output against the caller's schema, price it, and record the completion together with its
charge. A completion asked again with the same request id is returned as recorded, never made
or charged twice.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from services.ai_runtime.core.experiments import assign_variant
from services.ai_runtime.core.models import (
    ChatMessage,
    Completion,
    Embeddings,
    Experiment,
    PromptVersion,
    Usage,
    UsageGroupBy,
    UsageRow,
)
from services.ai_runtime.core.pricing import Budgets, PriceTable
from services.ai_runtime.core.prompts import PromptLibrary, render
from services.ai_runtime.core.providers.base import (
    ProviderRequest,
    cassette_key,
    estimate_prompt_tokens,
    estimate_tokens,
)
from services.ai_runtime.core.providers.replay import CassetteRecorder
from services.ai_runtime.core.router import ProviderRouter, Routed
from services.ai_runtime.core.schema import parse_schema, schema_errors
from shared.errors import FailedPrecondition, InvalidArgument, NotFound
from shared.resources import names
from shared.resources.entity import utc_now
from shared.resources.pages import PageRequest
from shared.resources.standard import Readable
from shared.resources.store import ReadStore
from shared.values.documents import parse_json

log = logging.getLogger(__name__)

class CompletionStore(ReadStore[Completion], Protocol):
    """Where completions (and, with them, their charges) are kept."""

    async def record(self, completion: Completion) -> Completion: ...
    async def find_by_request_id(self, tenant: str, request_id: str) -> Completion | None: ...


class UsageStore(Protocol):
    """The usage ledger."""

    async def spent(self, tenant: str) -> int: ...
    async def summarize(self, tenant: str, group_by: UsageGroupBy, start: dt.datetime | None,
                        end: dt.datetime | None) -> list[UsageRow]: ...
    async def charge_embedding(self, tenant: str, id_: str, provider: str, model: str,
                               usage: Usage) -> None: ...


class RunningExperiments(Protocol):
    """Which experiment runs for a role."""

    async def running_for(self, tenant: str, role: str) -> Experiment | None: ...


@dataclasses.dataclass(frozen=True)
class CompletionRequest:
    """A validated Complete or StreamComplete request."""

    tenant: str
    role: str
    messages: list[ChatMessage]
    max_output_tokens: int = 0
    temperature: float | None = None
    response_schema: str = ""
    goal: str = ""
    agent: str = ""
    request_id: str = ""


@dataclasses.dataclass(frozen=True)
class _Prepared:
    request: ProviderRequest
    experiment: Experiment | None
    variant: str


# The prompt size of a typical agent call, for budget estimates before anything is rendered.
TYPICAL_PROMPT_TOKENS = 1000


@dataclasses.dataclass(frozen=True)
class BudgetStatus:
    """Where a tenant's spending stands against its limit (0 = unlimited), in micro-dollars."""

    tenant: str
    limit_micros: int
    spent_micros: int
    call_estimate_micros: dict[str, int]

    @property
    def remaining_micros(self) -> int:
        return max(0, self.limit_micros - self.spent_micros) if self.limit_micros else 0


class CompletionService(Readable[Completion]):
    """Completions, embeddings and their costs for every tenant.

    Args:
        completions: Completions and their charges.
        usage: The usage ledger.
        experiments: Running prompt experiments.
        router: The providers per role.
        prompts: The prompt versions.
        prices: What provider models cost.
        budgets: Spend limits per tenant.
        recorder: Appends every completion to a cassette, when set.
        default_max_output_tokens: Output limit of requests that leave it at 0.
    """

    def __init__(self, completions: CompletionStore, usage: UsageStore,
                 experiments: RunningExperiments, router: ProviderRouter,
                 prompts: PromptLibrary, prices: PriceTable, budgets: Budgets,
                 recorder: CassetteRecorder | None = None,
                 default_max_output_tokens: int = 1024) -> None:
        super().__init__(completions)
        self._completions = completions
        self._usage = usage
        self._experiments = experiments
        self._router = router
        self.prompts = prompts
        self._prices = prices
        self._budgets = budgets
        self._recorder = recorder
        self._default_max_output_tokens = default_max_output_tokens

    async def _prompt_for(self, request: CompletionRequest
                          ) -> tuple[PromptVersion, Experiment | None, str]:
        default = self.prompts.default_for(request.role)  # INVALID_ARGUMENT for unknown roles
        experiment = await self._experiments.running_for(request.tenant, request.role)
        if experiment is None or not experiment.variants:
            return default, None, ""
        sticky = request.goal or request.agent or cassette_key(request.role, "",
                                                               request.messages)
        variant = assign_variant(experiment, sticky)
        try:
            return self.prompts.get(variant.prompt_version), experiment, variant.name
        except NotFound as error:
            raise FailedPrecondition(
                f"experiment {experiment.id!r} variant {variant.name!r} uses prompt version "
                f"{variant.prompt_version!r}, which does not exist",
                reason="PROMPT_VERSION_NOT_FOUND",
                metadata={"prompt_version": variant.prompt_version}) from error

    async def _prepare(self, request: CompletionRequest) -> _Prepared:
        schema = parse_schema(request.response_schema)
        prompt, experiment, variant = await self._prompt_for(request)
        messages = render(prompt.template, request.messages)
        max_output = request.max_output_tokens or self._default_max_output_tokens
        first = self._router.chain(request.role)[0]
        estimate = self._prices.cost(first.name, first.model, estimate_prompt_tokens(messages),
                                     max_output)
        await self._check_budget(request.tenant, estimate)
        return _Prepared(ProviderRequest(request.role, prompt.id, messages, max_output,
                                         request.temperature, schema), experiment, variant)

    async def _check_budget(self, tenant: str, estimate: int) -> None:
        """Refuse a call over the tenant's budget; a tenant without one costs no query."""
        if self._budgets.limit(tenant):
            self._budgets.check(tenant, await self._usage.spent(tenant), estimate)

    async def _finish(self, request: CompletionRequest, prepared: _Prepared,
                      routed: Routed) -> Completion:
        response = routed.response
        if prepared.request.response_schema is not None:
            # Off the event loop: patterns run in RE2, which releases the GIL as it matches.
            await asyncio.to_thread(check_output, response.output,
                                    prepared.request.response_schema)
        cost = self._prices.cost(routed.provider, response.model, response.input_tokens,
                                 response.output_tokens)
        experiment = prepared.experiment
        completion = Completion(
            tenant=request.tenant, id=names.new_id(), role=request.role,
            provider=routed.provider, model=response.model,
            prompt_version=prepared.request.prompt_version,
            messages=list(prepared.request.messages), output=response.output,
            input_tokens=response.input_tokens, output_tokens=response.output_tokens,
            cost_micros=cost, attempts=routed.attempts, goal=request.goal, agent=request.agent,
            experiment=(names.format_name(experiment.tenant, "experiments", experiment.id)
                        if experiment else ""),
            variant=prepared.variant, request_id=request.request_id or None)
        stored = await self._completions.record(completion)
        if self._recorder is not None and stored.id == completion.id:
            self._recorder.record(prepared.request, response)
        return stored

    async def complete(self, request: CompletionRequest) -> Completion:
        """Make, charge and record a completion (or return the one of its request id).

        Raises:
            InvalidArgument: Unknown role or a bad response_schema.
            ResourceExhausted: The tenant's budget would be exceeded; nothing was called.
            FailedPrecondition: The output does not match response_schema, or a provider
                refused the request, or a replayed conversation was never recorded.
            Unavailable: Every provider failed.
        """
        if request.request_id:
            first = await self._completions.find_by_request_id(request.tenant,
                                                               request.request_id)
            if first is not None:
                return first
        prepared = await self._prepare(request)
        return await self._finish(request, prepared, await self._router.complete(
            prepared.request))

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str | Completion]:
        """Output deltas as they arrive, then the recorded completion; raises like complete."""
        if request.request_id:
            first = await self._completions.find_by_request_id(request.tenant,
                                                               request.request_id)
            if first is not None:
                yield first.output
                yield first
                return
        prepared = await self._prepare(request)
        async for item in self._router.stream(prepared.request):
            if isinstance(item, Routed):
                yield await self._finish(request, prepared, item)
            elif item.delta:
                yield item.delta

    async def embed(self, tenant: str, texts: Sequence[str]) -> Embeddings:
        """Vectors of ``texts``, charged to ``tenant``.

        Raises:
            ResourceExhausted: The tenant's budget would be exceeded.
            Unavailable: Every embedding provider failed.
        """
        estimate = sum(estimate_tokens(t) for t in texts)
        first = self._router.embed_chain()[0]
        await self._check_budget(tenant, self._prices.cost(first.name, first.model, estimate, 0))
        routed = await self._router.embed(texts)
        embeddings = routed.embeddings
        cost = self._prices.cost(routed.provider, embeddings.model,
                                 embeddings.usage.input_tokens, 0)
        usage = Usage(embeddings.usage.input_tokens, 0, cost)
        await self._usage.charge_embedding(tenant, names.new_id(), routed.provider,
                                           embeddings.model, usage)
        return dataclasses.replace(embeddings, usage=usage)

    async def usage(self, tenant: str, group_by: UsageGroupBy, start: dt.datetime | None,
                    end: dt.datetime | None) -> list[UsageRow]:
        """Summed usage of ``tenant`` in [start, end), per group, costliest first.

        Raises:
            InvalidArgument: ``end`` is not after ``start``.
        """
        if start is not None and end is not None and end <= start:
            raise InvalidArgument.for_field("end_time", "must be after start_time")
        return await self._usage.summarize(tenant, group_by, start,
                                           end if end is not None else utc_now())

    async def budget(self, tenant: str) -> BudgetStatus:
        """The tenant's limit, spending, remainder and the estimated cost of one call per role
        (a typical prompt of TYPICAL_PROMPT_TOKENS and the default output limit)."""
        limit = self._budgets.limit(tenant)
        spent = await self._usage.spent(tenant)
        estimates = {}
        for role in self.prompts.roles:
            first = self._router.chain(role)[0]
            estimates[role] = self._prices.cost(first.name, first.model, TYPICAL_PROMPT_TOKENS,
                                                self._default_max_output_tokens)
        return BudgetStatus(tenant=tenant, limit_micros=limit, spent_micros=spent,
                            call_estimate_micros=estimates)

    def prompt_versions(self, role: str) -> list[PromptVersion]:
        """The role's prompt versions, newest first.

        Raises:
            NotFound: The role has no prompt.
        """
        return self.prompts.versions(role)


def check_output(output: str, schema: dict[str, Any]) -> None:
    """Refuse output that is not JSON valid against ``schema``.

    Raises:
        FailedPrecondition: It is not JSON, or not valid against the schema.
    """
    try:
        value = parse_json(output)
    except ValueError as error:
        raise FailedPrecondition("the model's output is not JSON",
                                 reason="OUTPUT_SCHEMA_MISMATCH") from error
    errors = schema_errors(value, schema)
    if errors:
        raise FailedPrecondition(
            f"the model's output does not match response_schema: {'; '.join(errors[:5])}",
            reason="OUTPUT_SCHEMA_MISMATCH")


def page_of(items: Sequence[PromptVersion], page_size: int, page_token: str
            ) -> tuple[list[PromptVersion], str]:
    """One page of a short in-memory list; the token is the offset of the next page.

    Raises:
        InvalidArgument: A negative page size or a token that is not one of ours.
    """
    size = PageRequest.of(page_size, "").size
    offset = 0
    if page_token:
        try:
            offset = int(base64.urlsafe_b64decode(page_token.encode()).decode().removeprefix("o:"))
        except (ValueError, UnicodeDecodeError) as error:
            raise InvalidArgument.for_field("page_token", "not a valid page token") from error
        if offset < 0:
            raise InvalidArgument.for_field("page_token", "not a valid page token")
    end = offset + size
    token = base64.urlsafe_b64encode(f"o:{end}".encode()).decode() if end < len(items) else ""
    return list(items[offset:end]), token
