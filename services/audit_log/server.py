"""Process of the audit-log: its database, domain and servicer on the shared bootstrap, and the
background task that applies the tenants' retention policies."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import pathlib

from cognition.audit.v1 import audit_service_pb2_grpc as pb_grpc
from services.audit_log.config import SPEC, Settings
from services.audit_log.core.log import AuditLog
from services.audit_log.core.retention import RetentionPolicies
from services.audit_log.repository import AuditEntryRepository, RetentionPolicyRepository
from services.audit_log.servicer import AuditServicer
from shared.database import DatabaseConnection
from shared.rpc.composition import LoopTask, Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

log = logging.getLogger(__name__)

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def compose(settings: Settings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The audit-log's parts: the log and its retention policies, and the loop that purges
    what the policies let go."""
    policies = RetentionPolicyRepository(db)
    audit_log = AuditLog(AuditEntryRepository(db), policies)
    servicer = AuditServicer(audit_log, RetentionPolicies(policies))
    purges = LoopTask("audit-log-purge", functools.partial(
        purge_periodically, audit_log, settings.purge_interval_seconds))
    return ServiceParts(
        lambda server: pb_grpc.add_AuditServiceServicer_to_server(servicer, server),
        loops={"retention-purge": purges})


async def create_server(settings: Settings, *, schema: str | None = None) -> RunningServer:
    """Start the audit-log (port 0 in settings = any free port) and its retention purges.

    Args:
        settings: Its settings.
        schema: PostgreSQL schema to use instead of ``audit_log`` (tests, benchmarks).
    """
    spec = dataclasses.replace(SPEC, package=schema) if schema else SPEC
    return await start_service(spec, settings, MIGRATIONS, compose)


async def purge_periodically(audit_log: AuditLog, interval: float, stop: asyncio.Event
                             ) -> None:
    """Every ``interval`` seconds until ``stop``, purge what the tenants' retention policies
    let go."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
        if stop.is_set():
            return
        try:
            results = await audit_log.purge_expired()
        except Exception:
            log.exception("retention purge failed; next attempt in %.0fs", interval)
            continue
        for result in results:
            if result.refused:
                log.warning("retention purge of tenant %s refused, chain kept as evidence: %s",
                            result.tenant, result.refused)
            elif result.purged:
                log.info("retention purge of tenant %s: %d entries, checkpoint at %d",
                         result.tenant, result.purged,
                         result.checkpoint.sequence if result.checkpoint else 0)
