from __future__ import annotations

import pytest

from services.workflow_engine.core.models import Workflow, WorkflowState
from services.workflow_engine.core.workflows import WorkflowService
from services.workflow_engine.repository import WorkflowRepository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import Aborted, AlreadyExists, InvalidArgument, NotFound

V1 = "steps:\n  - run: fetch\n"
V2 = "steps:\n  - run: fetch\n  - run: summarise\n"


def _workflow(workflow_id: str = "daily", **changes: object) -> Workflow:
    fields: dict[str, object] = {"display_name": "Daily", "definition_yaml": V1,
                                 "schedule": "0 6 * * *", **changes}
    return Workflow(tenant="acme", id=workflow_id, **fields)  # type: ignore[arg-type]


async def test_create_starts_at_version_one_with_a_revision(db: DatabaseConnection) -> None:
    service = WorkflowService(WorkflowRepository(db))
    created = await service.create(_workflow(version=7))
    assert created.version == 1 and created.state is WorkflowState.ACTIVE
    assert await service.get("acme", "daily") == created
    revisions = await service.revisions("acme", "daily", PageRequest())
    assert [(r.version, r.definition_yaml) for r in revisions.items] == [(1, V1)]


async def test_create_refuses_bad_definition_and_taken_id(db: DatabaseConnection) -> None:
    service = WorkflowService(WorkflowRepository(db))
    with pytest.raises(InvalidArgument):
        await service.create(_workflow(definition_yaml="- not a mapping"))
    with pytest.raises(InvalidArgument):
        await service.create(_workflow(schedule="hourly"))
    await service.create(_workflow())
    with pytest.raises(AlreadyExists):
        await service.create(_workflow())
    assert len((await service.revisions("acme", "daily", PageRequest())).items) == 1


async def test_only_definition_changes_make_versions(db: DatabaseConnection) -> None:
    service = WorkflowService(WorkflowRepository(db))
    created = await service.create(_workflow())
    renamed = await service.update("acme", "daily", {"display_name": "Every day"}, created.etag)
    assert renamed.version == 1
    same = await service.update("acme", "daily", {"definition_yaml": V1})
    assert same.version == 1
    v2 = await service.update("acme", "daily", {"definition_yaml": V2,
                                                "state": WorkflowState.DISABLED})
    assert (v2.version, v2.state) == (2, WorkflowState.DISABLED)
    v3 = await service.update("acme", "daily", {"definition_yaml": V1})
    assert v3.version == 3

    revisions = await service.revisions("acme", "daily", PageRequest())
    assert [(r.version, r.definition_yaml) for r in revisions.items] == [
        (3, V1), (2, V2), (1, V1)]
    assert revisions.items[1].display_name == "Every day"
    assert revisions.items[-1].display_name == "Daily"
    assert all(r.etag == "" and r.create_time == created.create_time for r in revisions.items)


async def test_bad_update_changes_nothing(db: DatabaseConnection) -> None:
    service = WorkflowService(WorkflowRepository(db))
    created = await service.create(_workflow())
    with pytest.raises(InvalidArgument):
        await service.update("acme", "daily", {"definition_yaml": "steps: ["})
    with pytest.raises(Aborted):
        await service.update("acme", "daily", {"definition_yaml": V2}, etag="stale")
    assert await service.get("acme", "daily") == created
    assert len((await service.revisions("acme", "daily", PageRequest())).items) == 1


async def test_revisions_page_newest_first(db: DatabaseConnection) -> None:
    service = WorkflowService(WorkflowRepository(db))
    await service.create(_workflow())
    for i in range(2, 6):
        await service.update("acme", "daily", {"definition_yaml": f"steps: [{i}]"})
    first = await service.revisions("acme", "daily", PageRequest(size=2))
    assert [r.version for r in first.items] == [5, 4]
    second = await service.revisions("acme", "daily", PageRequest.of(2, first.next_page_token))
    third = await service.revisions("acme", "daily", PageRequest.of(2, second.next_page_token))
    assert [r.version for r in second.items + third.items] == [3, 2, 1]
    assert third.next_page_token == ""


async def test_delete_removes_the_workflow_and_its_revisions(db: DatabaseConnection) -> None:
    service = WorkflowService(WorkflowRepository(db))
    await service.create(_workflow())
    await service.update("acme", "daily", {"definition_yaml": V2})
    await service.delete("acme", "daily")
    with pytest.raises(NotFound):
        await service.get("acme", "daily")
    with pytest.raises(NotFound):
        await service.revisions("acme", "daily", PageRequest())
    recreated = await service.create(_workflow())
    assert recreated.version == 1
    assert [r.version for r in (await service.revisions("acme", "daily", PageRequest())).items
            ] == [1]


async def test_list_is_per_tenant_and_pages(db: DatabaseConnection) -> None:
    service = WorkflowService(WorkflowRepository(db))
    for i in range(3):
        await service.create(_workflow(f"w{i}"))
    await service.create(Workflow(tenant="globex", id="w9", display_name="G",
                                  definition_yaml=V1))
    page = await service.list("acme", PageRequest(size=2))
    assert [w.id for w in page.items] == ["w2", "w1"]
    rest = await service.list("acme", PageRequest.of(2, page.next_page_token))
    assert [w.id for w in rest.items] == ["w0"]
