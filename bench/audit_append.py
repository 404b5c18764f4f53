"""Audit-log append throughput on PostgreSQL with the hash chain kept: single CreateAuditEntry
calls one after another (the baseline) vs BatchCreateAuditEntries of 100 entries from 4
concurrent clients, measured in the same run against one tenant's chain.

Usage: python -m bench.audit_append [--url URL] [--singles 1000] [--batches 40]
       [--batch-size 100] [--clients 4]

Target (identity, tenancy and audit issue): batched appends reach at least 2,000 entries/s.
The audit-log runs in this process on port 0, in a throwaway schema dropped at the end; the
run ends by verifying the whole chain.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import secrets
import time

import grpc
from pydantic import SecretStr

from cognition.audit.v1 import audit_entry_pb2
from cognition.audit.v1 import audit_service_pb2 as pb
from cognition.audit.v1 import audit_service_pb2_grpc as pb_grpc
from cognos.credentials import bearer_credentials
from services.audit_log.config import Settings
from services.audit_log.server import create_server
from shared.database.admin import drop_schemas
from shared.rpc.credentials import mesh_call_credential

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET = 2000.0
PARENT = "tenants/bench"


def entry(i: int) -> audit_entry_pb2.AuditEntry:
    return audit_entry_pb2.AuditEntry(
        actor=f"users/u{i % 50}", action="planner.goal.create",
        resource=f"tenants/bench/goals/g{i}", outcome=audit_entry_pb2.OUTCOME_SUCCESS,
        trace_id=secrets.token_hex(16),
        payload_digest=hashlib.sha256(str(i).encode()).hexdigest())


async def singles(stub: pb_grpc.AuditServiceStub, count: int, parent: str = PARENT) -> float:
    """Entries/s of ``count`` CreateAuditEntry calls, one after another."""
    started = time.perf_counter()
    for i in range(count):
        await stub.CreateAuditEntry(pb.CreateAuditEntryRequest(parent=parent,
                                                               audit_entry=entry(i)), timeout=10)
    return count / (time.perf_counter() - started)


async def batched(stubs: list[pb_grpc.AuditServiceStub], batches: int, size: int,
                  parent: str = PARENT) -> float:
    """Entries/s of ``batches`` BatchCreateAuditEntries calls of ``size`` per client, the
    clients (one channel each) sending at the same time."""
    async def client(stub: pb_grpc.AuditServiceStub) -> None:
        for b in range(batches):
            await stub.BatchCreateAuditEntries(pb.BatchCreateAuditEntriesRequest(
                parent=parent, requests=[pb.CreateAuditEntryRequest(audit_entry=entry(b * size + i))
                                         for i in range(size)]), timeout=30)

    started = time.perf_counter()
    await asyncio.gather(*(client(stub) for stub in stubs))
    return len(stubs) * batches * size / (time.perf_counter() - started)



async def run(url: str, count: int, batches: int, size: int, clients: int) -> None:
    schema = f"bench_audit_{secrets.token_hex(4)}"
    settings = Settings(port=0, database_url=SecretStr(url))
    running = await create_server(settings, schema=schema)
    credential = mesh_call_credential(settings.mesh.mesh_keys(), "bench",
                                      ["audit.write", "audit.read"])

    async def bearer(_request: object) -> str:
        return credential

    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{running.port}",
                                          interceptors=bearer_credentials(bearer))
                for _ in range(clients)]
    try:
        stubs = [pb_grpc.AuditServiceStub(channel) for channel in channels]
        await singles(stubs[0], 100, "tenants/warmup")  # connections, caches, JIT-free paths
        await batched(stubs, 2, size, "tenants/warmup")
        single_rate = await singles(stubs[0], count)
        batch_rate = await batched(stubs, batches, size)
        verdict = await stubs[0].VerifyChain(pb.VerifyChainRequest(parent=PARENT), timeout=120)
    finally:
        for channel in channels:
            await channel.close()
        await running.stop(0)
        await drop_schemas(url, schema)
    report(count, single_rate, clients, batches, size, batch_rate, verdict)


def report(count: int, single_rate: float, clients: int, batches: int, size: int,
           batch_rate: float, verdict: pb.VerifyChainResponse) -> None:
    print("audit-log appends on PostgreSQL, one tenant's chain, hashes kept")
    print(f"  (a) single CreateAuditEntry, sequential ({count} calls): "
          f"{single_rate:,.0f} entries/s (baseline)")
    print(f"  (b) BatchCreateAuditEntries of {size}, {clients} concurrent clients "
          f"({clients * batches * size} entries): {batch_rate:,.0f} entries/s")
    print(f"  ratio (b)/(a): {batch_rate / single_rate:.1f}x | target (b) >= {TARGET:,.0f} "
          f"entries/s: {'PASS' if batch_rate >= TARGET else 'MISS'}")
    state = "valid" if verdict.valid else f"INVALID at {verdict.first_bad_entry}: {verdict.reason}"
    print(f"VerifyChain: chain {state}, {verdict.entries_checked} entries checked")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=40, help="per client")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.singles, args.batches, args.batch_size, args.clients))


if __name__ == "__main__":
    main()
