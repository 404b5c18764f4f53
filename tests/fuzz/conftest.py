"""Fuzzing fixtures: one whole mesh per storage profile (SQLite, PostgreSQL) for the module,
a tenant of its own per service fuzzed, and a tally of what was sent and answered, printed at
the end of the run."""

from __future__ import annotations

import collections
import pathlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import grpc
import pytest

from cognos.credentials import ensure_tenant, issue_token, read_secret
from cognos.mesh.supervisor import Mesh, MeshLayout
from shared.database.admin import drop_schemas
from shared.mesh.registry import SERVICES, ServiceSpec
from tests.fuzz.names import KnownNames
from tests.fuzz.transports import Answer, GrpcRoute, RestRoute
from tests.helpers import service_metadata

PROFILES = (pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
# The fuzz run's own database on the PostgreSQL server, apart from other tests' schemas.
FUZZ_DATABASE = "cognos_fuzz"


@dataclass(frozen=True)
class Target:
    """One service under fuzz: the tenant its requests act in, the routes they take, and a
    channel to the service's own port for the checks."""

    spec: ServiceSpec
    tenant: str
    routes: tuple[GrpcRoute | RestRoute, ...]
    port: grpc.aio.Channel


class FuzzedMesh:
    """A running mesh, the targets made on it so far, and the names its services gave."""

    def __init__(self, profile: str, mesh: Mesh) -> None:
        self.profile = profile
        self._mesh = mesh
        self._secret = read_secret(mesh.layout.bootstrap_key_file)
        self._envoy = grpc.aio.insecure_channel(mesh.envoy_address)
        self._targets: dict[str, Target] = {}
        self.known = KnownNames()
        self._channels: list[grpc.aio.Channel] = [self._envoy]

    async def target(self, spec: ServiceSpec) -> Target:
        """The target for ``spec``, its tenant (``fuzz-<service>``) created on first use."""
        if spec.name not in self._targets:
            tenant = f"fuzz-{spec.name}"
            address = self._mesh.envoy_address
            await ensure_tenant(address, await issue_token(address, self._secret), tenant)
            token = await issue_token(address, self._secret, tenant=tenant)
            port = grpc.aio.insecure_channel(self._mesh.replicas_of(spec.name)[0].address)
            self._channels.append(port)
            self._targets[spec.name] = Target(spec, tenant, (
                GrpcRoute("direct", port, lambda: service_metadata(tenant)),
                GrpcRoute("envoy", self._envoy, lambda: [("authorization", f"Bearer {token}")]),
                RestRoute(f"http://{address}", {"authorization": f"Bearer {token}"}),
            ), port)
        return self._targets[spec.name]

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()


async def _fuzz_database(server_url: str) -> str:
    """The URL of :data:`FUZZ_DATABASE` on ``server_url``'s server, created if need be and
    emptied of the services' schemas."""
    base, _, _ = server_url.rpartition("/")
    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(f'CREATE DATABASE "{FUZZ_DATABASE}"')
    except asyncpg.DuplicateDatabaseError:
        pass
    finally:
        await conn.close()
    url = f"{base}/{FUZZ_DATABASE}"
    await drop_schemas(url, *(spec.package for spec in SERVICES))
    return url


@pytest.fixture(scope="module", params=PROFILES)
async def fuzzed_mesh(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                      ) -> AsyncIterator[FuzzedMesh]:
    """Every service and Envoy on one storage profile, for the module."""
    # The fuzz tokens outlive a long run.
    env = {"COGNOS_AUTH_ACCESS_TOKEN_TTL_SECONDS": "86400"}
    if request.param == "postgres":
        env["COGNOS_DATABASE_URL"] = await _fuzz_database(request.getfixturevalue("postgres_url"))
    mesh = Mesh(MeshLayout.ephemeral(pathlib.Path(tmp_path_factory.mktemp("fuzz")), env=env))
    await mesh.start(timeout=120)
    fuzzed = FuzzedMesh(request.param, mesh)
    try:
        yield fuzzed
    finally:
        await fuzzed.close()
        await mesh.stop()


class Tally:
    """How many requests each route sent to each service, and how they were answered."""

    def __init__(self) -> None:
        self.examples: collections.Counter[tuple[str, str]] = collections.Counter()
        self.answers: collections.Counter[tuple[str, str, str, str]] = collections.Counter()

    def example(self, profile: str, service: str) -> None:
        self.examples[profile, service] += 1

    def answer(self, profile: str, service: str, answer: Answer) -> None:
        code = answer.code or f"HTTP {answer.http_status} (not JSON)"
        self.answers[profile, service, answer.route, code] += 1

    def lines(self) -> list[str]:
        """Per profile and service: examples, calls per route, and the answers by code."""
        lines = []
        for (profile, service), examples in sorted(self.examples.items()):
            routes, codes = collections.Counter[str](), collections.Counter[str]()
            for (p, s, route, code), count in self.answers.items():
                if (p, s) == (profile, service):
                    routes[route] += count
                    codes[code] += count
            calls = " ".join(f"{r}={routes[r]}" for r in ("direct", "envoy", "rest"))
            answers = ", ".join(f"{code} {count}" for code, count in codes.most_common())
            lines.append(f"{profile} {service}: examples={examples} {calls}; {answers}")
        return lines


TALLY = Tally()


@pytest.fixture(scope="session")
def tally() -> Tally:
    return TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.examples:
        terminalreporter.section("fuzzed requests")
        for line in TALLY.lines():
            terminalreporter.write_line(line)
