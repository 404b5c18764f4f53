"""``ProviderRouter``: picks the providers of a role in order and falls back between them.

Each role has an ordered chain of providers (settings; ``offline`` by default). A call goes to
the first; on a timeout, a rate limit (429) or a server error (5xx, connection failure) it
goes to the next, and every call made is kept as an :class:`Attempt`. A provider that refuses
the request itself (other 4xx) fails the call at once with FAILED_PRECONDITION: the next
provider would be asked the same thing. A stream falls back only before its first delta.

A provider with slots (:mod:`.admission`) runs that many calls at once; the others wait their
turn before it, and a call's timeout (the provider's own, else the router's) starts when the
call gets its slot: time in the queue is not the provider's. Only the caller's own deadline,
which cancels the call, bounds the wait.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncGenerator, Mapping, Sequence

from services.ai_runtime.core.admission import CallLimits, ProviderGate
from services.ai_runtime.core.models import Attempt, AttemptOutcome, Embeddings, ProviderLoad
from services.ai_runtime.core.providers.base import (
    FailureKind,
    Provider,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
    StreamChunk,
)
from shared.errors import FailedPrecondition, Unavailable

log = logging.getLogger(__name__)

_OUTCOMES = {FailureKind.TIMEOUT: AttemptOutcome.TIMED_OUT,
             FailureKind.RATE_LIMITED: AttemptOutcome.RATE_LIMITED}


@dataclasses.dataclass(frozen=True)
class Routed:
    """The answer of the provider that succeeded, and every attempt made on the way."""

    response: ProviderResponse
    provider: str
    attempts: list[Attempt]


@dataclasses.dataclass(frozen=True)
class RoutedEmbeddings:
    """Embeddings from the provider that succeeded."""

    embeddings: Embeddings
    provider: str
    attempts: list[Attempt]


class ProviderRouter:
    """Ordered provider chains per role, with fallback.

    Args:
        providers: Every configured provider, by name.
        routes: Role -> provider names in order.
        default_route: The chain of roles not in ``routes``.
        embed_route: The chain of Embed.
        timeout: Seconds one provider call may take, unless its limits say otherwise.
        limits: Per provider: its slots and its own timeout (limits of providers that are not
            configured are ignored).

    Raises:
        ValueError: A route names a provider that is not configured.
    """

    def __init__(self, providers: Mapping[str, Provider], routes: Mapping[str, Sequence[str]],
                 default_route: Sequence[str], embed_route: Sequence[str],
                 timeout: float, limits: Mapping[str, CallLimits] | None = None) -> None:
        for chain in (*routes.values(), default_route, embed_route):
            if not chain:
                raise ValueError("a provider route must name at least one provider")
            unknown = [name for name in chain if name not in providers]
            if unknown:
                raise ValueError(f"route names unknown providers {unknown}; "
                                 f"known: {sorted(providers)}")
        self._providers = dict(providers)
        self._routes = {role: list(chain) for role, chain in routes.items()}
        self._default = list(default_route)
        self._embed = list(embed_route)
        limits = limits or {}
        self._gates = {name: ProviderGate(limits.get(name, CallLimits()).slots)
                       for name in providers}
        self._timeouts = {name: limits.get(name, CallLimits()).timeout_seconds or timeout
                          for name in providers}

    def chain(self, role: str) -> list[Provider]:
        """The providers of ``role``, in the order they are tried."""
        return [self._providers[name] for name in self._routes.get(role, self._default)]

    def embed_chain(self) -> list[Provider]:
        """The providers of Embed, in the order they are tried."""
        return [self._providers[name] for name in self._embed]

    def gate(self, name: str) -> ProviderGate:
        """The admission of provider ``name``."""
        return self._gates[name]

    def loads(self) -> list[ProviderLoad]:
        """What every configured provider is doing, by name."""
        loads = []
        for name, provider in sorted(self._providers.items()):
            gate = self._gates[name]
            loads.append(ProviderLoad(name, provider.model, gate.slots, gate.in_flight,
                                      gate.queued, gate.completions,
                                      gate.output_tokens_per_second))
        return loads

    async def close(self) -> None:
        for provider in self._providers.values():
            await provider.close()

    def _failure(self, provider: str, error: BaseException, started: float) -> Attempt:
        latency = time.perf_counter() - started
        if isinstance(error, TimeoutError):
            return Attempt(provider, AttemptOutcome.TIMED_OUT,
                           f"no answer within {self._timeouts[provider]:g}s", latency)
        assert isinstance(error, ProviderError)
        log.warning("provider %s failed (%s): %s", provider, error.kind, error.message)
        return Attempt(provider, _OUTCOMES.get(error.kind, AttemptOutcome.FAILED),
                       error.message, latency)

    @staticmethod
    def _refused(provider: str, error: ProviderError) -> FailedPrecondition:
        return FailedPrecondition(
            f"provider {provider} refused the request: {error.message}",
            reason="PROVIDER_REJECTED_REQUEST",
            metadata={"provider": provider, "status": str(error.status or "")})

    @staticmethod
    def _all_failed(attempts: list[Attempt]) -> Unavailable:
        summary = "; ".join(f"{a.provider}: {a.reason}" for a in attempts)
        return Unavailable(f"every provider failed ({summary})", reason="ALL_PROVIDERS_FAILED",
                           metadata={"providers": ",".join(a.provider for a in attempts)})

    async def complete(self, request: ProviderRequest) -> Routed:
        """The first successful answer along the role's chain.

        Raises:
            FailedPrecondition: A provider refused the request (4xx other than 429).
            Unavailable: Every provider failed.
        """
        attempts: list[Attempt] = []
        for provider in self.chain(request.role):
            gate = self._gates[provider.name]
            async with gate.slot():
                started = time.perf_counter()
                try:
                    response = await asyncio.wait_for(provider.complete(request),
                                                      self._timeouts[provider.name])
                except (ProviderError, TimeoutError) as error:
                    attempts.append(self._failure(provider.name, error, started))
                    if isinstance(error, ProviderError) and not error.kind.falls_back:
                        raise self._refused(provider.name, error) from error
                    continue
            latency = time.perf_counter() - started
            gate.served(response.output_tokens, latency)
            attempts.append(Attempt(provider.name, AttemptOutcome.SUCCEEDED, "", latency))
            return Routed(response, provider.name, attempts)
        raise self._all_failed(attempts)

    async def stream(self, request: ProviderRequest
                     ) -> AsyncGenerator[StreamChunk | Routed, None]:
        """Deltas of the first provider that starts answering, then the :class:`Routed`.

        Raises:
            FailedPrecondition: A provider refused the request.
            Unavailable: Every provider failed, or one failed after its first delta.
        """
        attempts: list[Attempt] = []
        for provider in self.chain(request.role):
            gate = self._gates[provider.name]
            emitted, routed = False, None
            async with gate.slot():  # the provider's stream ends before the slot is given on
                started = time.perf_counter()
                deadline = started + self._timeouts[provider.name]
                iterator = provider.stream(request).__aiter__()
                try:
                    while routed is None:
                        try:
                            chunk = await asyncio.wait_for(
                                anext(iterator), max(0.0, deadline - time.perf_counter()))
                        except StopAsyncIteration:
                            raise ProviderError(FailureKind.UNAVAILABLE,
                                                "stream ended without a final response"
                                                ) from None
                        if chunk.response is not None:
                            latency = time.perf_counter() - started
                            gate.served(chunk.response.output_tokens, latency)
                            attempts.append(Attempt(provider.name, AttemptOutcome.SUCCEEDED,
                                                    "", latency))
                            routed = Routed(chunk.response, provider.name, attempts)
                        else:
                            emitted = True
                            yield chunk
                except (ProviderError, TimeoutError) as error:
                    attempts.append(self._failure(provider.name, error, started))
                    if isinstance(error, ProviderError) and not error.kind.falls_back:
                        raise self._refused(provider.name, error) from error
                    if emitted:
                        raise self._all_failed(attempts) from error
                finally:
                    close = getattr(iterator, "aclose", None)
                    if close is not None:
                        await close()
            if routed is not None:
                yield routed  # its slot is free already: recording it is not the provider's
                return
        raise self._all_failed(attempts)

    async def embed(self, texts: Sequence[str]) -> RoutedEmbeddings:
        """Embeddings from the first provider of the embed chain that answers.

        Raises:
            FailedPrecondition: A provider refused the request.
            Unavailable: Every provider failed.
        """
        attempts: list[Attempt] = []
        for name in self._embed:
            provider = self._providers[name]
            async with self._gates[name].slot():
                started = time.perf_counter()
                try:
                    embeddings = await asyncio.wait_for(provider.embed(texts),
                                                        self._timeouts[name])
                except (ProviderError, TimeoutError) as error:
                    attempts.append(self._failure(name, error, started))
                    if isinstance(error, ProviderError) and not error.kind.falls_back:
                        raise self._refused(name, error) from error
                    continue
            attempts.append(Attempt(name, AttemptOutcome.SUCCEEDED, "",
                                    time.perf_counter() - started))
            return RoutedEmbeddings(embeddings, name, attempts)
        raise self._all_failed(attempts)
