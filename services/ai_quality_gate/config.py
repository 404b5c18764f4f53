"""Settings of the ai-quality-gate (``COGNOS_AI_QUALITY_GATE_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings
from shared.mesh.registry import by_name

SPEC = by_name("ai-quality-gate")


class Settings(ServiceSettings):
    """The shared service settings plus the cross-check's calls to the AI runtime (whose
    address is the mesh's: ``COGNOS_PEERS`` / ``COGNOS_PEER_HOST``)."""

    model_config = SettingsConfigDict(env_prefix=SPEC.env_prefix, extra="ignore", frozen=True)

    # Deadline of a cross-check's Complete call to the AI runtime: a model's answer, which on
    # a small CPU may queue behind other calls.
    cross_check_deadline_seconds: float = Field(default=120.0, gt=0)
