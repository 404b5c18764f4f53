"""Settings of the memory service (``COGNOS_MEMORY_*``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings
from shared.mesh.registry import by_name

SPEC = by_name("memory")


class Settings(ServiceSettings):
    """The shared service settings plus the vector index and the embedding model."""

    model_config = SettingsConfigDict(env_prefix=SPEC.env_prefix, extra="ignore", frozen=True)

    # The vector index: a milvus-lite file or a Milvus server's URI (http://host:19530);
    # empty means <data_dir>/memory/vectors.db.
    vector_uri: str = ""
    vector_token: SecretStr = SecretStr("")
    # The embedding model the AI runtime serves and its dimension: a caller's own embedding
    # must have this dimension.
    embedding_model: str = "all-minilm-l6-v2"
    embedding_dimensions: int = 384
    # Seconds between passes of the index sync (rows whose vector write did not finish).
    index_sync_interval_seconds: float = 2.0
    # Seconds between writes of the read statistics.
    read_log_interval_seconds: float = 1.0
    # Deadline of an Embed call to the AI runtime.
    embed_deadline_seconds: float = 60.0
    # Seconds between passes of the scheduled lifecycle jobs (GC, archive-stale, compress of
    # every namespace with a lifecycle policy); 0 disables them.
    lifecycle_interval_seconds: float = Field(default=3600.0, ge=0)

    def resolved_vector_uri(self) -> str:
        """The vector index's URI or file."""
        if self.vector_uri:
            return self.vector_uri
        return str((self.mesh.data_dir / "memory" / "vectors.db").resolve())
