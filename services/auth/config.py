"""Settings of the auth service (``COGNOS_AUTH_*``)."""

from __future__ import annotations

import datetime as dt
import pathlib

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings
from shared.mesh.registry import by_name

SPEC = by_name("auth")


class Settings(ServiceSettings):
    """The shared service settings plus the auth service's own: signing keys and tokens."""

    model_config = SettingsConfigDict(env_prefix=SPEC.env_prefix, extra="ignore", frozen=True)

    # Directory of the signing keys (COGNOS_AUTH_KEY_DIR): one PEM and one JSON file per key.
    # Keep it out of the repository; unset means <COGNOS_DATA_DIR>/keys.
    key_dir: pathlib.Path | None = None
    # How long a retired signing key keeps verifying (COGNOS_AUTH_KEY_OVERLAP_SECONDS);
    # unset means the access token lifetime plus 60 s, so no token outlives its key.
    key_overlap_seconds: float | None = Field(default=None, gt=0)
    # Lifetime of access tokens (COGNOS_AUTH_ACCESS_TOKEN_TTL_SECONDS).
    access_token_ttl_seconds: int = Field(default=900, gt=0)
    # Lifetime of refresh tokens (COGNOS_AUTH_REFRESH_TOKEN_TTL_SECONDS), 7 days.
    refresh_token_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    # The `iss` claim of the tokens (COGNOS_AUTH_ISSUER).
    issuer: str = Field(default="cognitionos", min_length=1)
    # Failed password sign-ins for one (tenant, email) within the window that lock it out for
    # the window (COGNOS_AUTH_LOGIN_FAILURE_LIMIT / _LOGIN_FAILURE_WINDOW_SECONDS).
    login_failure_limit: int = Field(default=5, ge=1)
    login_failure_window_seconds: float = Field(default=300.0, gt=0)
    # The tenant of the platform operators (COGNOS_AUTH_PLATFORM_TENANT): its users and API
    # keys create tenants, see every tenant, and may get tokens acting in any tenant.
    platform_tenant: str = Field(default="system", pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    # Where the first start writes the secret of a platform API key holding every scope
    # (COGNOS_AUTH_BOOTSTRAP_KEY_FILE), so a fresh mesh is usable at once; nothing is done
    # while the file exists. Unset: no bootstrap key.
    bootstrap_key_file: pathlib.Path | None = None

    @property
    def resolved_key_dir(self) -> pathlib.Path:
        """Where the signing keys live."""
        return self.key_dir if self.key_dir is not None else self.mesh.data_dir / "keys"

    @property
    def access_token_ttl(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.access_token_ttl_seconds)

    @property
    def refresh_token_ttl(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.refresh_token_ttl_seconds)

    @property
    def key_overlap(self) -> dt.timedelta:
        """How long a retired key keeps verifying."""
        if self.key_overlap_seconds is None:
            return self.access_token_ttl + dt.timedelta(seconds=60)
        return dt.timedelta(seconds=self.key_overlap_seconds)

    @property
    def login_failure_window(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.login_failure_window_seconds)
