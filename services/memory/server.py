"""Process of the memory service: its database, vector index, domain and servicer on the
shared bootstrap."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import pathlib

from cognition.memory.v1 import memory_service_pb2_grpc as pb_grpc
from services.memory.config import SPEC, Settings
from services.memory.core.debug import MemoryDebug
from services.memory.core.index_sync import IndexSync
from services.memory.core.jobs import MemoryJobs
from services.memory.core.memories import MemoryService
from services.memory.core.namespaces import NamespaceService
from services.memory.core.policies import LifecyclePolicies
from services.memory.core.reads import ReadBuffer
from services.memory.core.schedule import LifecycleSchedule
from services.memory.core.search import MemorySearch
from services.memory.peers.embeddings import MeshEmbedder
from services.memory.peers.summarizer import MeshSummarizer
from services.memory.repository import (
    NamespaceRepository,
    ReadLog,
    job_repository,
    memory_repository,
    namespace_repository,
    policy_repository,
)
from services.memory.servicer import MemoryServicer
from services.memory.vector_index import MilvusIndex
from shared.database import DatabaseConnection
from shared.resources.entity import utc_now
from shared.rpc.composition import LoopTask, Peers, ServiceParts
from shared.rpc.server import RunningServer, start_service

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
# Seconds a write has to index its own rows before the index sync takes them over.
INDEX_SYNC_GRACE_SECONDS = 30.0

log = logging.getLogger(__name__)


def compose(settings: Settings, db: DatabaseConnection, peers: Peers) -> ServiceParts:
    """The memory service's parts: memories, namespaces and search over the vector index,
    lifecycle policies and jobs; the index sync (rows whose vector write did not finish, from
    a crash included), the read statistics and the scheduled lifecycle jobs as background
    loops."""
    memories = memory_repository(db)
    namespaces = namespace_repository(db)
    index = MilvusIndex(settings.resolved_vector_uri(),
                        settings.vector_token.get_secret_value())
    embedder = MeshEmbedder(peers.client("ai-runtime",
                                         deadline=settings.embed_deadline_seconds))
    sync = IndexSync(memories, index)
    read_log = ReadLog(db)
    reads = ReadBuffer(read_log, settings.read_log_interval_seconds)
    memory_service = MemoryService(memories, namespaces, embedder, sync,
                                   settings.embedding_model, settings.embedding_dimensions)
    policies = policy_repository(db)
    jobs = MemoryJobs(job_repository(db), memories, namespaces, policies, memory_service,
                      embedder, MeshSummarizer(peers.client("ai-runtime")), sync, index,
                      settings.embedding_model)
    servicer = MemoryServicer(
        memory_service, NamespaceService(namespaces, policies),
        MemorySearch(memories, namespaces, embedder, index, reads, settings.embedding_model,
                     settings.embedding_dimensions),
        MemoryDebug(memory_service, memories, namespaces, index, read_log),
        policies=LifecyclePolicies(policies), jobs=jobs)

    async def keep_index_in_step(stopping: asyncio.Event) -> None:
        grace = dt.timedelta(0)  # at start, every pending row: a crash left it
        while not stopping.is_set():
            try:
                caught_up = await sync.catch_up(grace)
                # Later, only rows a write did not finish applying itself.
                grace = dt.timedelta(seconds=INDEX_SYNC_GRACE_SECONDS)
                if caught_up:
                    log.info("vector index caught up with %d memories", caught_up)
                await index.flush()
            except Exception:
                log.warning("vector index sync failed; retrying", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), settings.index_sync_interval_seconds)

    return ServiceParts(
        lambda server: pb_grpc.add_MemoryServiceServicer_to_server(servicer, server),
        loops={"index-sync": LoopTask("memory-index-sync", keep_index_in_step, grace=5.0),
               "access-log": LoopTask("memory-read-log", reads.run, grace=2.0),
               **lifecycle_loop(settings, jobs, namespaces)},
        on_stop=[index.close])


def lifecycle_loop(settings: Settings, jobs: MemoryJobs,
                   namespaces: NamespaceRepository) -> dict[str, LoopTask]:
    """The scheduled lifecycle jobs, a pass at start and every lifecycle interval (none
    when the interval is 0). A job stopped with the service resumes at the next pass of its
    interval."""
    interval = settings.lifecycle_interval_seconds
    if not interval:
        return {}
    schedule = LifecycleSchedule(jobs, namespaces, dt.timedelta(seconds=interval))

    async def run_scheduled_jobs(stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await schedule.run_due(utc_now())
            except Exception:
                log.warning("scheduled lifecycle jobs failed; next pass in %.0fs", interval,
                            exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), interval)

    return {"lifecycle": LoopTask("memory-lifecycle", run_scheduled_jobs, grace=5.0)}


async def create_server(settings: Settings) -> RunningServer:
    """Start the memory service (port 0 in settings = any free port)."""
    return await start_service(SPEC, settings, MIGRATIONS, compose)
