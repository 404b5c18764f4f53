from __future__ import annotations

import datetime as dt

import pytest

from services.tool_runner.core.models import Tool, ToolRuntime, ToolState
from services.tool_runner.core.tools import ToolService
from services.tool_runner.repository import tool_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import Aborted, AlreadyExists, InvalidArgument, NotFound


def _tool(tool_id: str = "search", **changes: object) -> Tool:
    fields: dict[str, object] = {
        "display_name": "Search", "runtime": ToolRuntime.HTTP,
        "entrypoint": "https://tools.example.com/search",
        "input_schema": '{"type": "object"}', "timeout": dt.timedelta(seconds=30),
        "allowed_hosts": ["tools.example.com"], **changes}
    return Tool(tenant="acme", id=tool_id, **fields)  # type: ignore[arg-type]


async def test_create_round_trips_every_field(db: DatabaseConnection) -> None:
    service = ToolService(tool_repository(db))
    created = await service.create(_tool(state=ToolState.DISABLED))
    assert created.state is ToolState.ACTIVE and created.etag
    stored = await service.get("acme", "search")
    assert stored == created
    assert stored.timeout == dt.timedelta(seconds=30)
    assert stored.allowed_hosts == ["tools.example.com"]


async def test_create_refuses_bad_schema_and_taken_id(db: DatabaseConnection) -> None:
    service = ToolService(tool_repository(db))
    with pytest.raises(InvalidArgument):
        await service.create(_tool(input_schema="[1, 2]"))
    await service.create(_tool())
    with pytest.raises(AlreadyExists):
        await service.create(_tool())


async def test_update_applies_changes_and_checks_the_result(db: DatabaseConnection) -> None:
    service = ToolService(tool_repository(db))
    created = await service.create(_tool())
    updated = await service.update("acme", "search", {"timeout": None, "description": "web"},
                                   created.etag)
    assert (updated.timeout, updated.description) == (None, "web")
    assert updated.etag != created.etag
    shell = await service.update("acme", "search",
                                 {"runtime": ToolRuntime.SHELL, "entrypoint": "ls"})
    assert shell.runtime is ToolRuntime.SHELL
    with pytest.raises(InvalidArgument):  # the stored entrypoint `ls` is not a URL
        await service.update("acme", "search", {"runtime": ToolRuntime.HTTP})
    with pytest.raises(Aborted):
        await service.update("acme", "search", {"description": "x"}, created.etag)


async def test_list_pages_and_delete(db: DatabaseConnection) -> None:
    service = ToolService(tool_repository(db))
    for i in range(3):
        await service.create(_tool(f"t{i}"))
    page = await service.list("acme", PageRequest(size=2))
    assert [t.id for t in page.items] == ["t2", "t1"]
    rest = await service.list("acme", PageRequest.of(2, page.next_page_token))
    assert [t.id for t in rest.items] == ["t0"] and rest.next_page_token == ""
    await service.delete("acme", "t1")
    with pytest.raises(NotFound):
        await service.get("acme", "t1")
    with pytest.raises(NotFound):
        await service.delete("acme", "t1")
