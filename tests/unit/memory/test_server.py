"""The memory service's real server on a free port, driven over a gRPC channel."""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import duration_pb2, field_mask_pb2

from cognition.memory.v1 import lifecycle_policy_pb2, memory_job_pb2, memory_pb2, namespace_pb2
from cognition.memory.v1 import memory_service_pb2 as pb
from cognition.memory.v1 import memory_service_pb2_grpc as pb_grpc
from services.ai_runtime.config import Settings as RuntimeSettings
from services.ai_runtime.server import create_server as create_runtime
from services.memory.config import Settings
from services.memory.server import create_server
from tests.helpers import mesh_channel


@contextlib.asynccontextmanager
async def memory_stub(var: pathlib.Path) -> AsyncIterator[pb_grpc.MemoryServiceStub]:
    """A memory service on a free port, embedding through an ai-runtime with the offline
    hash, and a client of it."""
    mesh = {"data_dir": str(var)}
    runtime = await create_runtime(RuntimeSettings(port=0, mesh=mesh, embed_route=["offline"]))
    running = await create_server(Settings(
        port=0, mesh={**mesh, "peers": {"ai-runtime": f"127.0.0.1:{runtime.port}"}},
        embedding_model="offline-hash-embedding-v1", embedding_dimensions=64))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            yield pb_grpc.MemoryServiceStub(channel)
    finally:
        await running.stop(0)
        await runtime.stop(0)


async def test_memory_crud_search_and_namespaces_over_grpc(tmp_path: pathlib.Path) -> None:
    async with memory_stub(tmp_path) as stub:

        namespace = (await stub.CreateNamespace(pb.CreateNamespaceRequest(
            parent="tenants/acme", namespace_id="agents.executor",
            namespace=namespace_pb2.Namespace(display_name="Executors")))).namespace
        assert namespace.name == "tenants/acme/namespaces/agents.executor"
        got_namespace = await stub.GetNamespace(pb.GetNamespaceRequest(name=namespace.name))
        assert got_namespace.namespace == namespace
        namespaces = await stub.ListNamespaces(pb.ListNamespacesRequest(
            parent="tenants/acme"))
        assert [n.name for n in namespaces.namespaces] == [namespace.name]

        created = (await stub.CreateMemory(pb.CreateMemoryRequest(
            parent="tenants/acme", memory_id="m1", memory=memory_pb2.Memory(
                namespace="agents.executor", content="Ada likes tea.",
                metadata={"source": "chat"})))).memory
        assert created.name == "tenants/acme/memories/m1"
        assert created.kind == memory_pb2.MEMORY_KIND_EPISODIC
        assert not created.HasField("expire_time")

        got = (await stub.GetMemory(pb.GetMemoryRequest(name=created.name))).memory
        assert got == created

        listed = await stub.ListMemories(pb.ListMemoriesRequest(
            parent="tenants/acme", filter='namespace = "agents.executor"'))
        assert [m.name for m in listed.memories] == [created.name]
        elsewhere = await stub.ListMemories(pb.ListMemoriesRequest(
            parent="tenants/acme", filter='namespace = "agents.planner"'))
        assert list(elsewhere.memories) == []

        updated = (await stub.UpdateMemory(pb.UpdateMemoryRequest(
            memory=memory_pb2.Memory(name=created.name, namespace="agents.executor",
                                     content="Ada likes green tea.",
                                     kind=memory_pb2.MEMORY_KIND_SEMANTIC,
                                     etag=created.etag),
            update_mask=field_mask_pb2.FieldMask(paths=["content"])))).memory
        assert updated.content == "Ada likes green tea."
        assert updated.kind == memory_pb2.MEMORY_KIND_EPISODIC

        await stub.DeleteMemory(pb.DeleteMemoryRequest(name=created.name))
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await stub.GetMemory(pb.GetMemoryRequest(name=created.name))
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND

        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await stub.CreateMemory(pb.CreateMemoryRequest(
                parent="tenants/acme",
                memory=memory_pb2.Memory(namespace="Bad Namespace", content="x")))
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT

        with pytest.raises(grpc.aio.AioRpcError) as bad_filter:
            await stub.ListMemories(pb.ListMemoriesRequest(parent="tenants/acme",
                                                           filter="kind = 1"))
        assert bad_filter.value.code() == grpc.StatusCode.INVALID_ARGUMENT

        await stub.CreateMemory(pb.CreateMemoryRequest(
            parent="tenants/acme", memory_id="m2", memory=memory_pb2.Memory(
                namespace="agents.executor", content="Ada likes green tea.")))
        found = await stub.SearchMemories(pb.SearchMemoriesRequest(
            parent="tenants/acme", query="green tea", top_k=3))
        assert [r.memory.name for r in found.results] == ["tenants/acme/memories/m2"]
        assert found.results[0].memory.embedding_model == "offline-hash-embedding-v1"

        with pytest.raises(grpc.aio.AioRpcError) as wrong_dimension:
            await stub.CreateMemory(pb.CreateMemoryRequest(
                parent="tenants/acme", memory=memory_pb2.Memory(
                    namespace="agents.executor", content="x", embedding=[0.1] * 3)))
        assert wrong_dimension.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "memory.embedding" in str(wrong_dimension.value.trailing_metadata())


async def test_lifecycle_policies_and_jobs_over_grpc(tmp_path: pathlib.Path) -> None:
    async with memory_stub(tmp_path) as stub:
        policy = (await stub.CreateLifecyclePolicy(pb.CreateLifecyclePolicyRequest(
            parent="tenants/acme", lifecycle_policy_id="short",
            lifecycle_policy=lifecycle_policy_pb2.LifecyclePolicy(
                max_memories=1, decay=0.5)))).lifecycle_policy
        assert policy.name == "tenants/acme/lifecyclePolicies/short"
        updated = (await stub.UpdateLifecyclePolicy(pb.UpdateLifecyclePolicyRequest(
            lifecycle_policy=lifecycle_policy_pb2.LifecyclePolicy(
                name=policy.name, ttl=duration_pb2.Duration(seconds=3600)),
            update_mask=field_mask_pb2.FieldMask(paths=["ttl"])))).lifecycle_policy
        assert (updated.ttl.seconds, updated.max_memories) == (3600, 1)
        listed = await stub.ListLifecyclePolicies(pb.ListLifecyclePoliciesRequest(
            parent="tenants/acme"))
        assert [p.name for p in listed.lifecycle_policies] == [policy.name]
        await stub.CreateNamespace(pb.CreateNamespaceRequest(
            parent="tenants/acme", namespace_id="ns",
            namespace=namespace_pb2.Namespace(lifecycle_policy=policy.name)))
        for memory_id in ("m1", "m2"):
            await stub.CreateMemory(pb.CreateMemoryRequest(
                parent="tenants/acme", memory_id=memory_id,
                memory=memory_pb2.Memory(namespace="ns", content=f"Memory {memory_id}.")))

        ran = (await stub.RunMemoryJob(pb.RunMemoryJobRequest(
            parent="tenants/acme", memory_job_id="gc-1", memory_job=memory_job_pb2.MemoryJob(
                kind=memory_job_pb2.MEMORY_JOB_KIND_GC, dry_run=True)))).memory_job
        assert ran.name == "tenants/acme/memoryJobs/gc-1"
        assert ran.state == memory_job_pb2.MEMORY_JOB_STATE_SUCCEEDED
        assert list(ran.report.deleted) == ["tenants/acme/memories/m1"]
        got = await stub.GetMemoryJob(pb.GetMemoryJobRequest(name=ran.name))
        assert got.memory_job == ran
        jobs = await stub.ListMemoryJobs(pb.ListMemoryJobsRequest(parent="tenants/acme"))
        assert [j.name for j in jobs.memory_jobs] == [ran.name]

        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await stub.RunMemoryJob(pb.RunMemoryJobRequest(
                parent="tenants/acme", memory_job=memory_job_pb2.MemoryJob(
                    kind=memory_job_pb2.MEMORY_JOB_KIND_GC, namespace="nowhere")))
        assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "memory_job.namespace" in str(unknown.value.trailing_metadata())
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await stub.CreateNamespace(pb.CreateNamespaceRequest(
                parent="tenants/acme", namespace=namespace_pb2.Namespace(
                    lifecycle_policy="tenants/acme/lifecyclePolicies/nope")))
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
