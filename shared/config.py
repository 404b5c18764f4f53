"""Typed settings read from ``COGNOS_*`` environment variables, with embedded-profile defaults.

``MeshSettings`` (prefix ``COGNOS_``) holds what every process shares: the profile, where data
lives, where peers and the trace collector are. ``ServiceSettings`` (prefix
``COGNOS_<SERVICE>_``, e.g. ``COGNOS_TASK_PLANNER_PORT``) holds one service's own: its listen
address, database and limits. Settings are built once in ``__main__`` and passed down by
constructor; nothing else reads the environment.
"""

from __future__ import annotations

import pathlib
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.mesh.keys import MeshKeys
from shared.mesh.registry import ServiceSpec


class MeshSettings(BaseSettings):
    """Settings every process of the mesh shares."""

    model_config = SettingsConfigDict(env_prefix="COGNOS_", extra="ignore", frozen=True)

    profile: Literal["embedded", "production"] = "embedded"
    data_dir: pathlib.Path = pathlib.Path("var")
    # PostgreSQL (or other) URL shared by all services in production; each uses its own schema.
    database_url: SecretStr | None = None
    # host:port of the OTLP/gRPC trace receiver (the observability service); empty disables export.
    otlp_endpoint: str = ""
    peer_host: str = "127.0.0.1"
    # Service name -> host:port, for peers not at peer_host and their registry port
    # (COGNOS_PEERS='{"audit-log": "10.0.0.7:50059"}').
    peers: dict[str, str] = Field(default_factory=dict)
    # The issuer (``iss``) of the access tokens the auth service signs.
    token_issuer: str = "cognitionos"
    # The secret every process of the mesh shares (hex); unset: <data_dir>/secrets/mesh.key,
    # created by the first process that starts.
    mesh_secret: SecretStr | None = None
    log_format: Literal["json", "text"] = "text"
    log_level: str = "INFO"

    def mesh_keys(self) -> MeshKeys:
        """The keys derived from the mesh secret."""
        if self.mesh_secret is not None:
            return MeshKeys.from_text(self.mesh_secret.get_secret_value())
        return MeshKeys.from_file(self.data_dir)

    def peer_address(self, spec: ServiceSpec) -> str:
        """Where to reach service ``spec`` directly."""
        return self.peers.get(spec.name) or f"{self.peer_host}:{spec.port}"


class ServiceSettings(BaseSettings):
    """One service's own settings. Subclass per service with its ``env_prefix``."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    # 0 picks a free port (tests); None means the registry's default port.
    port: int | None = None
    # Overrides the mesh database; by default SQLite at <data_dir>/<service>.db.
    database_url: SecretStr | None = None
    grace_seconds: float = 10.0
    # Applied to calls that arrive without a deadline.
    default_deadline_seconds: float = 30.0
    max_message_bytes: int = 4 * 1024 * 1024
    max_concurrent_rpcs: int | None = None
    mesh: MeshSettings = Field(default_factory=MeshSettings)

    def listen_port(self, spec: ServiceSpec) -> int:
        """The port to bind: the configured one, else the registry default."""
        return spec.port if self.port is None else self.port

    def resolved_database_url(self, spec: ServiceSpec) -> str:
        """The SQLAlchemy URL of this service's database."""
        for url in (self.database_url, self.mesh.database_url):
            if url is not None:
                return url.get_secret_value()
        path = (self.mesh.data_dir / f"{spec.package}.db").resolve()
        return f"sqlite+aiosqlite:///{path}"


def settings_class(spec: ServiceSpec) -> type[ServiceSettings]:
    """A ``ServiceSettings`` subclass reading ``COGNOS_<SERVICE>_*`` for ``spec``."""
    return type(
        f"{spec.package.title().replace('_', '')}Settings",
        (ServiceSettings,),
        {"model_config": SettingsConfigDict(env_prefix=spec.env_prefix, extra="ignore",
                                            frozen=True)},
    )


