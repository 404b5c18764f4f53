"""Process of the ai-runtime: its database, providers, domain and servicer on the shared
bootstrap."""

from __future__ import annotations

import functools
import pathlib

from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from services.ai_runtime.config import SPEC, Settings
from services.ai_runtime.core.admission import CallLimits
from services.ai_runtime.core.completions import CompletionService
from services.ai_runtime.core.experiments import ExperimentService
from services.ai_runtime.core.pricing import Budgets, ModelPrice, PriceTable
from services.ai_runtime.core.prompts import PromptLibrary
from services.ai_runtime.core.providers.base import Provider
from services.ai_runtime.core.providers.offline import OfflineProvider
from services.ai_runtime.core.providers.replay import CassetteRecorder, ReplayProvider
from services.ai_runtime.core.router import ProviderRouter
from services.ai_runtime.peers.quality import MeshQualityMetrics
from services.ai_runtime.repository import (
    ExperimentRepository,
    UsageRepository,
    completion_repository,
    experiment_repository,
)
from services.ai_runtime.servicer import RuntimeServicer
from shared.database import DatabaseConnection
from shared.rpc.composition import Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def _secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    return str(getter()) if getter is not None else None


def build_providers(settings: Settings) -> dict[str, Provider]:
    """The providers the settings' routes name (offline always). The SDK-backed ones are
    imported only when routed to: the SDKs cost the process tens of MiB it may never need (and
    the local embedding model imports torch only on its first embed)."""
    timeout, retries = settings.provider_timeout_seconds, settings.provider_max_retries
    routed = {"offline", *settings.default_route, *settings.embed_route,
              *(name for chain in settings.routes.values() for name in chain)}
    providers: dict[str, Provider] = {"offline": OfflineProvider(settings.offline_latency_ms)}
    if routed & {"openai", "openai-compatible"}:
        from services.ai_runtime.core.providers.openai_chat import OpenAIChatProvider

        providers["openai"] = OpenAIChatProvider(
            "openai", settings.openai_model, settings.openai_embedding_model,
            _secret(settings.openai_api_key), settings.openai_base_url, timeout, retries)
        providers["openai-compatible"] = OpenAIChatProvider(
            "openai-compatible", settings.openai_compatible_model,
            settings.openai_compatible_embedding_model,
            _secret(settings.openai_compatible_api_key), settings.openai_compatible_base_url,
            timeout, retries)
    if "local" in routed:
        from services.ai_runtime.core.providers.local import LocalProvider

        providers["local"] = LocalProvider(settings.local_model, settings.local_base_url,
                                           settings.local_timeout_seconds, retries,
                                           tools=settings.local_tools)
    if "local-embeddings" in routed:
        from services.ai_runtime.core.providers.sentence_embeddings import (
            SentenceEmbeddingProvider,
        )

        providers["local-embeddings"] = SentenceEmbeddingProvider(
            settings.local_embedding_model, settings.resolved_local_embedding_dir(),
            settings.local_embedding_batch_size)
    if "anthropic" in routed:
        from services.ai_runtime.core.providers.anthropic_messages import AnthropicProvider

        providers["anthropic"] = AnthropicProvider(settings.anthropic_model,
                                                   _secret(settings.anthropic_api_key),
                                                   settings.anthropic_base_url, timeout, retries)
    if settings.replay_cassette is not None:
        providers["replay"] = ReplayProvider(settings.replay_cassette)
    return providers


def build_router(settings: Settings, providers: dict[str, Provider] | None = None
                 ) -> ProviderRouter:
    """The router of ``settings``' routes over ``providers`` (default: build_providers).

    Raises:
        ValueError: A route names a provider that is not configured.
    """
    # One embedding batch at a time: a batch uses every core (the provider holds to it too).
    limits = {"local": CallLimits(settings.local_slots, settings.local_timeout_seconds),
              "local-embeddings": CallLimits(1)}
    return ProviderRouter(providers if providers is not None else build_providers(settings),
                          settings.routes, settings.default_route, settings.embed_route,
                          settings.provider_timeout_seconds, limits)


def build_completions(settings: Settings, db: DatabaseConnection, router: ProviderRouter,
                      experiments: ExperimentRepository | None = None) -> CompletionService:
    """The completion service of ``settings`` over ``db``."""
    prices = {key: ModelPrice(p.input, p.output) for key, p in settings.prices.items()}
    return CompletionService(
        completion_repository(db), UsageRepository(db),
        experiments or experiment_repository(db), router,
        PromptLibrary(settings.resolved_prompts_dir(), settings.prompt_versions),
        PriceTable(prices), Budgets(settings.default_budget_micros, settings.tenant_budgets),
        CassetteRecorder(settings.record_cassette) if settings.record_cassette else None,
        settings.default_max_output_tokens)


def compose(settings: Settings, db: DatabaseConnection, peers: Peers,
            providers: dict[str, Provider] | None = None) -> ServiceParts:
    """The ai-runtime's parts: experiments (their variants' quality read from the quality
    gate) and completions over the providers ``settings`` describe (or ``providers``, for tests
    and benches), whose clients close with it."""
    router = build_router(settings, providers)
    experiments = experiment_repository(db)  # one, so its writes refresh what runs
    quality = MeshQualityMetrics(peers.client("ai-quality-gate", deadline=5.0))
    servicer = RuntimeServicer(ExperimentService(experiments, quality),
                               build_completions(settings, db, router, experiments))
    return ServiceParts(
        lambda server: pb_grpc.add_RuntimeServiceServicer_to_server(servicer, server),
        on_stop=(router.close,))


async def create_server(settings: Settings,
                        providers: dict[str, Provider] | None = None) -> RunningServer:
    """Start the ai-runtime (port 0 in settings = any free port).

    Args:
        settings: Its settings.
        providers: Providers to use instead of those the settings describe (tests, benches).
    """
    return await start_service(SPEC, settings, MIGRATIONS,
                               functools.partial(compose, providers=providers))
