"""Every service on PostgreSQL (asyncpg, one schema per service, its own Alembic history):
migrations apply from scratch, and a Create/Get/List round trip works."""

from __future__ import annotations

import importlib
import pathlib
from collections.abc import AsyncIterator

import asyncpg
import pytest

from cognition.auth.v1 import auth_service_pb2, tenant_pb2
from shared.database.admin import drop_schemas
from shared.mesh.registry import SERVICES, ServiceSpec
from shared.rpc.server import RunningServer
from tests.helpers import mesh_channel
from tests.integration.resources import SAMPLES, SampleResource


async def _start(spec: ServiceSpec, url: str, peers: dict[str, str],
                 var: pathlib.Path) -> RunningServer:
    config = importlib.import_module(f"services.{spec.package}.config")
    server = importlib.import_module(f"services.{spec.package}.server")
    # The memory service's vectors stay in a milvus-lite file of the test's own.
    own = {"vector_uri": str(var / "vectors.db")} if spec.name == "memory" else {}
    settings = config.Settings(port=0, database_url=url, mesh={"peers": peers}, **own)
    return await server.create_server(settings)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def servers_on_postgres(postgres_url: str, tmp_path_factory: pytest.TempPathFactory
                              ) -> AsyncIterator[dict[str, RunningServer]]:
    await drop_schemas(postgres_url, *(spec.package for spec in SERVICES))
    running: dict[str, RunningServer] = {}
    peers: dict[str, str] = {}
    try:
        # audit-log first: explainability reads from it; ai-runtime before memory, which
        # embeds through it.
        var = tmp_path_factory.mktemp("postgres-services")
        for spec in sorted(SERVICES, key=lambda s: (s.name != "audit-log",
                                                    s.name != "ai-runtime")):
            running[spec.name] = await _start(spec, postgres_url, peers, var)
            peers[spec.name] = f"127.0.0.1:{running[spec.name].port}"
        yield running
    finally:
        for server in running.values():
            await server.stop(0)
        await drop_schemas(postgres_url, *(spec.package for spec in SERVICES))


@pytest.mark.postgres
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.service)
async def test_round_trip_on_postgres(servers_on_postgres: dict[str, RunningServer],
                                      tenant: str, sample: SampleResource) -> None:
    port = servers_on_postgres[sample.service].port
    async with mesh_channel(f"127.0.0.1:{port}") as channel:
        stub = sample.stub(channel)
        if sample.service == "auth":  # users live only in tenants that exist
            await stub.CreateTenant(auth_service_pb2.CreateTenantRequest(
                tenant_id=tenant, tenant=tenant_pb2.Tenant(display_name=tenant)), timeout=10)
        created = getattr(await getattr(stub, f"Create{sample.kind}")(
            sample.create_request(tenant), timeout=10), sample.field)
        got = await getattr(stub, f"Get{sample.kind}")(sample.get_request(created.name),
                                                        timeout=10)
        assert sample.same(getattr(got, sample.field), created)
        listed = await getattr(stub, f"List{sample.plural}")(sample.list_request(tenant),
                                                              timeout=10)
        assert [r.name for r in getattr(listed, sample.list_field)] == [created.name]


@pytest.mark.postgres
async def test_each_service_has_its_own_schema(servers_on_postgres: dict[str, RunningServer],
                                               postgres_url: str) -> None:
    conn = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_name = 'alembic_version'")
    finally:
        await conn.close()
    schemas = {r["table_schema"] for r in rows}
    assert {spec.package for spec in SERVICES} <= schemas
