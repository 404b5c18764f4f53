"""Conversion between the memory service's protobuf messages and its domain models."""

from __future__ import annotations

from cognition.memory.v1 import memory_pb2, namespace_pb2
from cognition.memory.v1 import memory_service_pb2 as pb
from services.memory.core.models import Memory, MemoryKind, Namespace
from shared.proto.fields import (
    datetime_of,
    enum_from_proto,
    enum_to_proto,
    masked_changes,
    timestamp,
)
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec, MapEntry, Text
from shared.rpc.standard_methods import StandardResource

COLLECTION = "memories"
NAMESPACES = "namespaces"

# The fields of ListMemories' filter, as its contract documents them.
MEMORY_FILTER = FilterSpec(namespace=Text(),
                           kind=EnumValue(memory_pb2.MemoryKind, MemoryKind),
                           metadata=MapEntry())


def memory_to_proto(memory: Memory) -> memory_pb2.Memory:
    return memory_pb2.Memory(
        name=names.format_name(memory.tenant, COLLECTION, memory.id),
        namespace=memory.namespace,
        content=memory.content,
        kind=enum_to_proto(memory_pb2.MemoryKind, memory.kind),
        importance=memory.importance,
        metadata=memory.metadata,
        expire_time=timestamp(memory.expire_time),
        create_time=timestamp(memory.create_time),
        update_time=timestamp(memory.update_time),
        etag=memory.etag,
    )


def kind_from_proto(value: int) -> MemoryKind:
    """Proto kind to domain; UNSPECIFIED means EPISODIC."""
    return enum_from_proto(memory_pb2.MemoryKind, value, MemoryKind, MemoryKind.EPISODIC)


def new_memory(tenant: str, memory_id: str, message: memory_pb2.Memory) -> Memory:
    """The domain memory to store from a CreateMemory request's memory."""
    return Memory(
        tenant=tenant,
        id=memory_id,
        namespace=message.namespace,
        content=message.content,
        kind=kind_from_proto(message.kind),
        importance=message.importance,
        metadata=dict(message.metadata),
        expire_time=datetime_of(message.expire_time, message.HasField("expire_time")),
    )


def memory_changes(message: memory_pb2.Memory, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateMemory request sets, for the masked paths."""
    return masked_changes(paths, {
        "content": lambda: message.content,
        "kind": lambda: kind_from_proto(message.kind),
        "importance": lambda: message.importance,
        "metadata": lambda: dict(message.metadata),
        "expire_time": lambda: datetime_of(message.expire_time, message.HasField("expire_time")),
    })


def namespace_to_proto(namespace: Namespace) -> namespace_pb2.Namespace:
    return namespace_pb2.Namespace(
        name=names.format_name(namespace.tenant, NAMESPACES, namespace.id),
        display_name=namespace.display_name,
        readers=namespace.readers,
        writers=namespace.writers,
        lifecycle_policy=namespace.lifecycle_policy,
        create_time=timestamp(namespace.create_time),
        update_time=timestamp(namespace.update_time),
    )


def new_namespace(tenant: str, namespace_id: str,
                  message: namespace_pb2.Namespace) -> Namespace:
    """The domain namespace to create from a CreateNamespace request's namespace."""
    return Namespace(
        tenant=tenant,
        id=namespace_id,
        display_name=message.display_name,
        readers=list(message.readers),
        writers=list(message.writers),
        lifecycle_policy=message.lifecycle_policy,
    )


def _namespace_id(requested: str, field: str) -> str:
    # Namespace ids may hold '.' and '_' (the contract's pattern, already validated), which
    # names.choose_id would refuse.
    return requested or names.new_id()


MEMORIES = StandardResource(pb, "Memory", "Memories", COLLECTION, to_proto=memory_to_proto,
                            from_proto=new_memory, changes=memory_changes, filter=MEMORY_FILTER)
NAMESPACE_RESOURCE = StandardResource(pb, "Namespace", "Namespaces", NAMESPACES,
                                      to_proto=namespace_to_proto, from_proto=new_namespace,
                                      choose_id=_namespace_id)
