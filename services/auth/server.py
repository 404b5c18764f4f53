"""Process of the auth service: its database, signing keys, domain and servicer on the shared
bootstrap, and on a fresh mesh the bootstrap API key."""

from __future__ import annotations

import dataclasses
import pathlib

from cognition.auth.v1 import auth_service_pb2_grpc as pb_grpc
from services.auth.config import SPEC, Settings
from services.auth.core.access_tokens import TokenSigner, TokenVerifier
from services.auth.core.api_keys import ApiKeyService
from services.auth.core.bootstrap import BootstrapKey
from services.auth.core.clock import Clock, system_clock
from services.auth.core.login_throttle import LoginThrottle
from services.auth.core.passwords import PasswordHashing
from services.auth.core.principals import Principals
from services.auth.core.signing_keys import PublishedKeys, SigningKeys
from services.auth.core.tenants import TenantService
from services.auth.core.token_service import TokenService
from services.auth.core.users import UserService
from services.auth.key_directory import KeyDirectory
from services.auth.repository import (
    LoginFailureRepository,
    RefreshTokenRepository,
    RevokedTokenRepository,
    api_key_repository,
    tenant_repository,
    user_repository,
)
from services.auth.servicer import AuthServicer
from shared.database import DatabaseConnection
from shared.database.migration_child import run_migrations
from shared.private_files import FILE_MODE, tighten
from shared.rpc.composition import Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


@dataclasses.dataclass(frozen=True)
class AuthDomain:
    """The auth service's domain objects, wired to one database and key directory."""

    users: UserService
    tenants: TenantService
    api_keys: ApiKeyService
    tokens: TokenService
    verifier: TokenVerifier
    keys: SigningKeys


def build_domain(db: DatabaseConnection, settings: Settings, *, clock: Clock = system_clock,
                 passwords: PasswordHashing | None = None) -> AuthDomain:
    """Wire the domain; loads the signing keys, generating the first one if there is none.

    Args:
        db: The service's (migrated) database.
        settings: Its settings.
        clock: The current time (tests move it).
        passwords: Password hashing (tests use cheap parameters).
    """
    passwords = passwords or PasswordHashing()
    keys = SigningKeys(KeyDirectory(settings.resolved_key_dir), settings.key_overlap, clock)
    keys.ensure_active()
    users = user_repository(db)
    tenants = tenant_repository(db)
    api_keys = ApiKeyService(api_key_repository(db), clock)
    principals = Principals(users, api_keys, tenants, settings.platform_tenant)
    revoked = RevokedTokenRepository(db)
    verifier = TokenVerifier(keys, revoked, settings.issuer, clock, subjects=principals,
                             platform_tenant=settings.platform_tenant)
    tokens = TokenService(
        signer=TokenSigner(keys, settings.issuer, settings.access_token_ttl, clock),
        verifier=verifier, principals=principals, users=users, api_keys=api_keys,
        passwords=passwords,
        throttle=LoginThrottle(LoginFailureRepository(db), clock, settings.login_failure_limit,
                               settings.login_failure_window),
        refresh_tokens=RefreshTokenRepository(db), revoked=revoked,
        refresh_ttl=settings.refresh_token_ttl, clock=clock)
    return AuthDomain(users=UserService(users, passwords, tokens),
                      tenants=TenantService(tenants, settings.platform_tenant),
                      api_keys=api_keys, tokens=tokens, verifier=verifier, keys=keys)


async def bootstrap(settings: Settings) -> None:
    """On a fresh mesh, create the bootstrap API key (see :mod:`core.bootstrap`).

    Does nothing unless ``bootstrap_key_file`` is set and missing (an existing one is
    tightened to 0600). Runs before the server serves (with its own short-lived connection, as
    the shared bootstrap wires servicers synchronously), so once the service reports SERVING
    the file is there.
    """
    path = settings.bootstrap_key_file
    if path is None:
        return
    if path.exists():
        tighten(path, FILE_MODE)
        return
    db = DatabaseConnection(settings.resolved_database_url(SPEC), schema=SPEC.package)
    try:
        await run_migrations(db, MIGRATIONS)
        domain = build_domain(db, settings)
        await BootstrapKey(domain.tenants, domain.api_keys, settings.platform_tenant).ensure(path)
    finally:
        await db.dispose()


def compose(settings: Settings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The auth service's parts: its domain over the database and the signing keys."""
    domain = build_domain(db, settings)
    servicer = AuthServicer(domain.users, domain.tenants, domain.api_keys, domain.tokens,
                            domain.verifier, domain.keys)
    return ServiceParts(lambda server: pb_grpc.add_AuthServiceServicer_to_server(servicer, server))


async def create_server(settings: Settings) -> RunningServer:
    """Start the auth service (port 0 in settings = any free port)."""
    await bootstrap(settings)
    keys = SigningKeys(KeyDirectory(settings.resolved_key_dir), settings.key_overlap)
    return await start_service(SPEC, settings, MIGRATIONS, compose,
                               public_keys=PublishedKeys(keys))
