"""Process of the audit-log: its database, domain and servicer on the shared bootstrap, and the
background task that applies the tenants' retention policies."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import pathlib

from cognition.audit.v1 import audit_service_pb2_grpc as pb_grpc
from services.audit_log.config import DEFAULT_PURGE_INTERVAL_SECONDS, SPEC, Settings
from services.audit_log.core.log import AuditLog
from services.audit_log.core.retention import RetentionPolicies
from services.audit_log.repository import AuditEntryRepository, RetentionPolicyRepository
from services.audit_log.servicer import AuditServicer
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.rpc.server import Register, RunningServer, start_service

log = logging.getLogger(__name__)

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


async def create_server(settings: ServiceSettings, *, schema: str | None = None) -> RunningServer:
    """Start the audit-log (port 0 in settings = any free port) and its retention purges.

    Args:
        settings: Its settings (:class:`services.audit_log.config.Settings` for its own).
        schema: PostgreSQL schema to use instead of ``audit_log`` (tests, benchmarks).
    """
    spec = dataclasses.replace(SPEC, package=schema) if schema else SPEC
    interval = (settings.purge_interval_seconds if isinstance(settings, Settings)
                else DEFAULT_PURGE_INTERVAL_SECONDS)
    logs: list[AuditLog] = []

    def build(db: DatabaseConnection) -> Register:
        policies = RetentionPolicyRepository(db)
        logs.append(AuditLog(AuditEntryRepository(db), policies))
        servicer = AuditServicer(logs[0], RetentionPolicies(policies))
        return lambda server: pb_grpc.add_AuditServiceServicer_to_server(servicer, server)

    running = await start_service(spec, settings, MIGRATIONS, build)
    purges = asyncio.get_running_loop().create_task(purge_periodically(logs[0], interval),
                                                    name="audit-log-purge")

    async def stop_purges() -> None:
        purges.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purges

    running.on_stop.append(stop_purges)
    return running


async def purge_periodically(audit_log: AuditLog, interval: float) -> None:
    """Every ``interval`` seconds, purge what the tenants' retention policies let go."""
    while True:
        await asyncio.sleep(interval)
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
