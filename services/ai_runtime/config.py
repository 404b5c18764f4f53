"""Settings of the ai-runtime (``COGNOS_AI_RUNTIME_*``).

Structured settings are JSON in the environment, e.g.
``COGNOS_AI_RUNTIME_ROUTES='{"executor": ["openai", "offline"]}'`` or
``COGNOS_AI_RUNTIME_PRICES='{"openai/gpt-4o-mini": {"input": 150, "output": 600}}'``.
"""

from __future__ import annotations

import pathlib

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings
from shared.mesh.registry import by_name

SPEC = by_name("ai-runtime")

# The repository's prompts/ folder: services/ai_runtime/config.py -> ../../prompts.
DEFAULT_PROMPTS_DIR = pathlib.Path(__file__).resolve().parents[2] / "prompts"


class Price(BaseModel):
    """What one provider model costs, in millionths of a US dollar per 1000 tokens."""

    model_config = {"frozen": True}

    input: int = Field(default=0, ge=0)
    output: int = Field(default=0, ge=0)


class Settings(ServiceSettings):
    """The ai-runtime's settings: providers, routes, prices, budgets, prompts, cassettes."""

    model_config = SettingsConfigDict(env_prefix=SPEC.env_prefix, extra="ignore", frozen=True)

    # Ordered provider chain per agent role; roles not listed use default_route.
    routes: dict[str, list[str]] = Field(default_factory=dict)
    default_route: list[str] = Field(default_factory=lambda: ["offline"])
    # Providers tried, in order, for Embed: the local embedding model, else the offline hash.
    embed_route: list[str] = Field(default_factory=lambda: ["local-embeddings", "offline"])
    # Seconds one provider call may take before the router falls back to the next provider.
    provider_timeout_seconds: float = Field(default=60.0, gt=0)
    # Retries the provider SDKs make themselves (429 and 5xx) before the router falls back.
    provider_max_retries: int = Field(default=2, ge=0)
    # Output tokens asked for when a request leaves max_output_tokens at 0.
    default_max_output_tokens: int = Field(default=1024, gt=0)

    # Simulated latency of the offline provider, for benchmarks.
    offline_latency_ms: int = Field(default=0, ge=0)

    openai_api_key: SecretStr | None = None
    # None means the SDK's default (api.openai.com).
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_embedding_model: str = "text-embedding-3-small"
    # Any server speaking OpenAI's chat completions API: Ollama, vLLM, llama.cpp.
    openai_compatible_base_url: str = "http://127.0.0.1:11434/v1"
    openai_compatible_api_key: SecretStr | None = None
    openai_compatible_model: str = "llama3.1"
    openai_compatible_embedding_model: str = "nomic-embed-text"
    # The local model server the mesh runs (llama.cpp's OpenAI-compatible server), routed to
    # as "local": its endpoint, the model_alias to call, how many requests it generates for at
    # once (the others wait their turn in the runtime, unbounded but by the caller's deadline),
    # and the seconds one call may take once it runs.
    local_base_url: str = "http://127.0.0.1:8091/v1"
    local_model: str = "qwen2.5-coder-0.5b"
    local_slots: int = Field(default=1, gt=0)
    local_timeout_seconds: float = Field(default=300.0, gt=0)
    # Whether the local model is offered tools (as structured output). Off by default: the
    # small models the mesh ships spend their turns on calls that fail; turn it on for a
    # model that uses tools well.
    local_tools: bool = False
    # The embedding model the runtime runs itself on the CPU, routed to as "local-embeddings":
    # its registry name (`cognos models install <name>` copies it to
    # <COGNOS_DATA_DIR>/models/<name>), its folder when elsewhere (None: that one), and the
    # texts of one forward pass. It runs one batch at a time; the first call loads it.
    local_embedding_model: str = "all-minilm-l6-v2"
    local_embedding_dir: pathlib.Path | None = None
    local_embedding_batch_size: int = Field(default=32, gt=0)
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    anthropic_model: str = "claude-sonnet-4-5"

    # JSON-lines cassette the replay provider answers from.
    replay_cassette: pathlib.Path | None = None
    # When set, every completion is appended to this cassette.
    record_cassette: pathlib.Path | None = None

    # "provider/model" (or "provider/*") -> price; unlisted models cost nothing.
    prices: dict[str, Price] = Field(default_factory=dict)
    # Spend limit of a tenant in micro-dollars; 0 means unlimited.
    default_budget_micros: int = Field(default=0, ge=0)
    tenant_budgets: dict[str, int] = Field(default_factory=dict)

    # Folder of prompts/<role>/vN.md; None means the repository's prompts/ folder.
    prompts_dir: pathlib.Path | None = None
    # Role -> prompt version used outside experiments; unlisted roles use their newest.
    prompt_versions: dict[str, str] = Field(default_factory=dict)

    def resolved_local_embedding_dir(self) -> pathlib.Path:
        """Where the local embedding model is installed."""
        if self.local_embedding_dir is not None:
            return self.local_embedding_dir
        return self.mesh.data_dir / "models" / self.local_embedding_model

    def resolved_prompts_dir(self) -> pathlib.Path:
        """Where the prompt templates are."""
        return self.prompts_dir if self.prompts_dir is not None else DEFAULT_PROMPTS_DIR

    def budget_of(self, tenant: str) -> int:
        """The tenant's spend limit in micro-dollars (0 = unlimited)."""
        return self.tenant_budgets.get(tenant, self.default_budget_micros)
