"""NamespaceService against a real, migrated SQLite database."""

from __future__ import annotations

import pytest

from services.memory.core.models import Namespace
from services.memory.core.namespaces import NamespaceService
from services.memory.repository import namespace_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import AlreadyExists, InvalidArgument, NotFound


@pytest.fixture
def service(db: DatabaseConnection) -> NamespaceService:
    return NamespaceService(namespace_repository(db))


async def test_create_and_get_a_namespace_with_a_long_dotted_id(service: NamespaceService
                                                                ) -> None:
    long_id = "agents." + "x" * 100
    created = await service.create(Namespace(
        tenant="acme", id=long_id, display_name="Executors", readers=["role:executor"],
        writers=["role:executor", "role:planner"],
        lifecycle_policy="tenants/acme/lifecyclePolicies/short"))

    assert await service.get("acme", long_id) == created
    assert created.writers == ["role:executor", "role:planner"]
    with pytest.raises(AlreadyExists):
        await service.create(Namespace(tenant="acme", id=long_id))


async def test_create_refuses_another_tenants_lifecycle_policy(service: NamespaceService
                                                               ) -> None:
    with pytest.raises(InvalidArgument) as error:
        await service.create(Namespace(tenant="acme", id="n1",
                                       lifecycle_policy="tenants/other/lifecyclePolicies/p"))

    assert error.value.violations[0].field == "namespace.lifecycle_policy"
    with pytest.raises(NotFound):
        await service.get("acme", "n1")


async def test_list_pages_by_id_within_the_tenant(service: NamespaceService) -> None:
    for namespace_id in ("c.x", "a.x", "b.x"):
        await service.create(Namespace(tenant="acme", id=namespace_id))
    await service.create(Namespace(tenant="other", id="a.a"))

    first = await service.list("acme", PageRequest(size=2))
    rest = await service.list("acme", PageRequest.of(2, first.next_page_token))

    assert [n.id for n in first.items] == ["a.x", "b.x"]
    assert [n.id for n in rest.items] == ["c.x"]
    assert rest.next_page_token == ""
