"""``CompletionService``: completions for agent roles, embeddings, usage and prompt versions.

One completion: pick the prompt version (an experiment's variant when one runs for the role,
else the role's default), render it, check the tenant's budget, route to the providers, check
the output against the caller's schema, price it, and record the completion together with its
charge. A completion asked again with the same request id is returned as recorded, never made
or charged twice.

An answer of Complete that does not match the schema is asked for once more: the model gets
its answer back with what is wrong with it (:func:`.schema.correction`), within the budget.
The completion then records the conversation of that second call, the attempts and tokens of
both calls, and their summed cost; a second answer that does not match fails the call as the
first would have, recording nothing. A stream's deltas are already sent when its answer is
checked, so StreamComplete is not asked again.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncGenerator, Sequence
from typing import Protocol, TypeVar

from services.ai_runtime.core.experiments import assign_variant
from services.ai_runtime.core.models import (
    Attempt,
    AttemptOutcome,
    ChatMessage,
    Completion,
    Embeddings,
    Experiment,
    MessageRole,
    PromptVersion,
    ProviderLoad,
    Usage,
    UsageGroupBy,
    UsageRow,
)
from services.ai_runtime.core.pricing import Budgets, PriceTable
from services.ai_runtime.core.prompts import PromptLibrary, render
from services.ai_runtime.core.providers.base import (
    ProviderRequest,
    ToolDefinition,
    cassette_key,
    estimate_prompt_tokens,
    estimate_tokens,
)
from services.ai_runtime.core.providers.replay import CassetteRecorder
from services.ai_runtime.core.router import ProviderRouter, Routed
from services.ai_runtime.core.schema import (
    ERRORS_SHOWN,
    correction,
    mismatch,
    output_errors,
    parse_schema,
)
from shared.errors import FailedPrecondition, InvalidArgument, NotFound
from shared.resources import names
from shared.resources.entity import utc_now
from shared.resources.pages import PageRequest
from shared.resources.standard import Readable
from shared.resources.store import ReadStore

log = logging.getLogger(__name__)
T = TypeVar("T")


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
    tools: tuple[ToolDefinition, ...] = ()
    tool_choice: str = "auto"


@dataclasses.dataclass(frozen=True)
class _Prepared:
    request: ProviderRequest
    experiment: Experiment | None
    variant: str
    # A second call's: the request first made (the cassette's key), and the usage (cost
    # included) and attempts of the first call.
    first: ProviderRequest | None = None
    earlier: Usage = dataclasses.field(default_factory=Usage)
    earlier_attempts: tuple[Attempt, ...] = ()


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
        messages = render(prompt.template, request.messages, request.response_schema)
        max_output = request.max_output_tokens or self._default_max_output_tokens
        asked = ProviderRequest(request.role, prompt.id, messages, max_output,
                                request.temperature, schema, request.tools,
                                request.tool_choice)
        await self._check_budget(request.tenant, self._estimate(asked))
        return _Prepared(asked, experiment, variant)

    def _estimate(self, request: ProviderRequest) -> int:
        """The most ``request`` may cost at the price of its role's first provider."""
        first = self._router.chain(request.role)[0]
        return self._prices.cost(first.name, first.model,
                                 estimate_prompt_tokens(request.messages),
                                 request.max_output_tokens)

    async def _check_budget(self, tenant: str, estimate: int) -> None:
        """Refuse a call over the tenant's budget; a tenant without one costs no query."""
        if self._budgets.limit(tenant):
            self._budgets.check(tenant, await self._usage.spent(tenant), estimate)

    @staticmethod
    async def _output_errors(prepared: _Prepared, routed: Routed) -> list[str]:
        """What is wrong with the answer against the request's schema (none without one)."""
        schema = prepared.request.response_schema
        if schema is None or routed.response.tool_calls:
            return []  # a turn that calls tools answers later
        # Off the event loop: patterns run in RE2, which releases the GIL as it matches.
        return await asyncio.to_thread(output_errors, routed.response.output, schema)

    async def _asked_again(self, request: CompletionRequest, prepared: _Prepared,
                           routed: Routed, errors: list[str]) -> tuple[_Prepared, Routed]:
        """The second call after an answer with ``errors``: the conversation goes on with that
        answer and what is wrong with it.

        Raises:
            ResourceExhausted: The second call would exceed the tenant's budget.
        """
        assert prepared.request.response_schema is not None
        response = routed.response
        cost = self._prices.cost(routed.provider, response.model, response.input_tokens,
                                 response.output_tokens)
        answered = routed.attempts[-1]  # the call that answered: its answer was refused
        refused = dataclasses.replace(
            answered, outcome=AttemptOutcome.FAILED,
            reason=f"output does not match response_schema: "
                   f"{'; '.join(errors[:ERRORS_SHOWN])}")
        messages = [*prepared.request.messages,
                    ChatMessage(MessageRole.ASSISTANT, response.output),
                    ChatMessage(MessageRole.USER,
                                correction(errors, prepared.request.response_schema))]
        again = dataclasses.replace(
            prepared, request=dataclasses.replace(prepared.request, messages=messages),
            first=prepared.request,
            earlier=Usage(response.input_tokens, response.output_tokens, cost),
            earlier_attempts=(*routed.attempts[:-1], refused))
        # The first call is not charged yet: the budget must hold both.
        await self._check_budget(request.tenant, cost + self._estimate(again.request))
        return again, await self._router.complete(again.request)

    async def _checked(self, prepared: _Prepared, routed: Routed) -> Routed:
        """``routed``, its output checked against the request's schema.

        Raises:
            FailedPrecondition: The output does not match it.
        """
        errors = await self._output_errors(prepared, routed)
        if errors:
            raise mismatch(errors)
        return routed

    async def _record(self, request: CompletionRequest, prepared: _Prepared,
                      routed: Routed) -> Completion:
        """Record the completion of ``routed`` (and of the first call, after a second)."""
        response = routed.response
        earlier = prepared.earlier
        cost = earlier.cost_micros + self._prices.cost(
            routed.provider, response.model, response.input_tokens, response.output_tokens)
        experiment = prepared.experiment
        completion = Completion(
            tenant=request.tenant, id=names.new_id(), role=request.role,
            provider=routed.provider, model=response.model,
            prompt_version=prepared.request.prompt_version,
            messages=list(prepared.request.messages), output=response.output,
            input_tokens=earlier.input_tokens + response.input_tokens,
            output_tokens=earlier.output_tokens + response.output_tokens,
            cost_micros=cost, attempts=[*prepared.earlier_attempts, *routed.attempts],
            goal=request.goal, agent=request.agent,
            experiment=(names.format_name(experiment.tenant, "experiments", experiment.id)
                        if experiment else ""),
            variant=prepared.variant, request_id=request.request_id or None,
            tool_calls=list(response.tool_calls))
        stored = await self._completions.record(completion)
        if self._recorder is not None and stored.id == completion.id:
            # Under the conversation first asked: replaying it gives the answer that fits.
            self._recorder.record(prepared.first or prepared.request, response)
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
        routed = await self._router.complete(prepared.request)
        errors = await self._output_errors(prepared, routed)
        if errors:
            prepared, routed = await self._asked_again(request, prepared, routed, errors)
            routed = await self._checked(prepared, routed)
        return await self._record(request, prepared, routed)

    async def stream(self, request: CompletionRequest
                     ) -> AsyncGenerator[str | Completion, None]:
        """Output deltas as they arrive, then the recorded completion; raises like complete.
        Closing it (or cancelling its consumer) closes the provider's stream at once."""
        if request.request_id:
            first = await self._completions.find_by_request_id(request.tenant,
                                                               request.request_id)
            if first is not None:
                yield first.output
                yield first
                return
        prepared = await self._prepare(request)
        # Closed the moment this stream is (its caller gone): the provider's stream with it.
        async with contextlib.aclosing(self._router.stream(prepared.request)) as routed:
            async for item in routed:
                if isinstance(item, Routed):
                    yield await self._record(request, prepared,
                                             await self._checked(prepared, item))
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

    def providers(self) -> list[ProviderLoad]:
        """Every configured provider, by name: its model, slots, queue and recent speed."""
        return self._router.loads()


def page_of(items: Sequence[T], page_size: int, page_token: str) -> tuple[list[T], str]:
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
