"""The List filter grammar: parsing, refusals, and the same selection in SQL (SQLite and
PostgreSQL) as in memory."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import pathlib
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from cognition.auth.v1 import user_pb2
from cognition.planner.v1 import goal_pb2
from shared.database import (
    DatabaseConnection,
    Entity,
    PageRequest,
    Repository,
    UtcDateTime,
    entity_columns,
    enum_column,
)
from shared.database.filter_sql import filter_where
from shared.errors import InvalidArgument
from shared.resources.filters import (
    MATCH_ALL,
    EnumValue,
    FilterSpec,
    IsSet,
    MapEntry,
    RepeatedEnum,
    ResourceName,
    Text,
)


class State(enum.StrEnum):
    """Values named as goal_pb2.GoalState's without the prefix."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    VIEWER = "VIEWER"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Item(Entity):
    role: str
    state: State = State.PENDING
    owner: str = ""
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    roles: list[Role] = dataclasses.field(default_factory=list)
    end_time: dt.datetime | None = None


class RoleList(sa.types.TypeDecorator[list[Role]]):
    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: list[Role] | None, dialect: object) -> list[str] | None:
        return None if value is None else [r.value for r in value]

    def process_result_value(self, value: list[str] | None,
                             dialect: object) -> list[Role] | None:
        return None if value is None else [Role(r) for r in value]


metadata = sa.MetaData()
items = sa.Table("items", metadata, *entity_columns(),
                 sa.Column("role", sa.String(64), nullable=False),
                 sa.Column("state", enum_column(State), nullable=False),
                 sa.Column("owner", sa.String(64), nullable=False),
                 sa.Column("labels", sa.JSON, nullable=False),
                 sa.Column("roles", RoleList(), nullable=False),
                 sa.Column("end_time", UtcDateTime(), nullable=True))

SPEC = FilterSpec(role=Text(), state=EnumValue(goal_pb2.GoalState, State),
                  owner=ResourceName("owners"), labels=MapEntry(),
                  roles=RepeatedEnum(user_pb2.Role, Role), ended=IsSet("end_time"))

ENDED = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
ITEMS = (
    Item(tenant="acme", id="a", role="executor", state=State.RUNNING, owner="o1",
         labels={"team": "sre"}, roles=[Role.ADMIN]),
    Item(tenant="acme", id="b", role="critic", state=State.SUCCEEDED, owner="o2",
         labels={"team": "web", "tier": "1"}, roles=[Role.VIEWER], end_time=ENDED),
    Item(tenant="acme", id="c", role='say "hi" \\ there', state=State.PENDING,
         roles=[Role.ADMIN, Role.VIEWER]),
)


def refusal(text: str, tenant: str = "acme") -> str:
    with pytest.raises(InvalidArgument) as refused:
        SPEC.parse(text, tenant)
    assert [v.field for v in refused.value.violations] == ["filter"]
    return refused.value.violations[0].description


def test_terms_joined_by_and_are_typed_by_their_kind() -> None:
    parsed = SPEC.parse('state = GOAL_STATE_RUNNING AND role != "a \\"b\\" \\\\ c" AND '
                        'owner = "tenants/acme/owners/o1" AND labels.team = "sre" AND '
                        "roles:ROLE_ADMIN AND ended = false", "acme")
    assert [(t.field, t.key, t.operator, t.value) for t in parsed.terms] == [
        ("state", "", "=", State.RUNNING), ("role", "", "!=", 'a "b" \\ c'),
        ("owner", "", "=", "o1"), ("labels", "team", "=", "sre"),
        ("roles", "", ":", Role.ADMIN), ("ended", "", "=", False)]
    assert SPEC.parse("   ").terms == ()


@pytest.mark.parametrize("text", [
    "garbage", "state", "state =", "state = GOAL_STATE_RUNNING OR role = \"x\"",
    'state = GOAL_STATE_RUNNING role = "x"', "state = GOAL_STATE_RUNNING AND",
    'state = "GOAL_STATE_RUNNING"', "role = executor", 'colour = "red"',
    "state = GOAL_STATE_NAPPING", "state = GOAL_STATE_UNSPECIFIED", "state = TASK_STATE_READY",
    'role = "a" AND role = "b"', 'labels = "sre"', 'role.x = "a"', "roles = ROLE_ADMIN",
    'state:GOAL_STATE_RUNNING', "roles:ROLE_UNSPECIFIED", 'ended = "true"', "ended = yes",
    'owner = "tenants/other/owners/o1"', 'owner = "o1"', 'owner = "tenants/acme/owners/a/b"',
    'labels.te"am = "x"', "(state = GOAL_STATE_RUNNING)", "NOT state = GOAL_STATE_RUNNING",
    'role = "unterminated',
])
def test_anything_else_is_refused_naming_the_filter(text: str) -> None:
    assert refusal(text)


def test_a_refusal_says_what_the_filter_may_hold() -> None:
    problem = refusal("garbage")
    assert 'role = "…"' in problem and "state = GOAL_STATE_…" in problem
    assert "labels.<key>" in problem and "roles:ROLE_…" in problem
    assert "GOAL_STATE_RUNNING" in refusal("state = GOAL_STATE_NAPPING")


def test_a_map_key_outside_the_declared_form_is_refused() -> None:
    strict = FilterSpec(labels=MapEntry(key_pattern=r"[a-z]+"))
    assert strict.parse('labels.team = "x"').terms[0].key == "team"
    with pytest.raises(InvalidArgument):
        strict.parse('labels.Team = "x"')


@pytest.fixture(params=["sqlite", "postgresql"])
async def repo(request: pytest.FixtureRequest,
               tmp_path: pathlib.Path) -> AsyncIterator[Repository[Item]]:
    if request.param == "sqlite":
        db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/items.db")
    else:
        db = DatabaseConnection(request.getfixturevalue("postgres_url"),
                                schema=request.getfixturevalue("postgres_schema"))
    await db.ensure_schema()
    async with db.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    repository = Repository(db, items, Item, "item")
    for item in ITEMS:
        await repository.create(item)
    yield repository
    await db.dispose()


@pytest.mark.parametrize(("text", "expected"), [
    ("", {"a", "b", "c"}),
    ("state = GOAL_STATE_RUNNING", {"a"}),
    ("state != GOAL_STATE_RUNNING", {"b", "c"}),
    ('role = "critic"', {"b"}),
    ('role = "say \\"hi\\" \\\\ there"', {"c"}),
    ('owner = "tenants/acme/owners/o2"', {"b"}),
    ('labels.team = "sre"', {"a"}),
    ('labels.team != "sre"', {"b", "c"}),
    ('labels.tier = "1" AND labels.team = "web"', {"b"}),
    ("roles:ROLE_ADMIN", {"a", "c"}),
    ("roles:ROLE_VIEWER AND state != GOAL_STATE_PENDING", {"b"}),
    ("ended = true", {"b"}),
    ("ended != true", {"a", "c"}),
    ('role = "executor" AND state = GOAL_STATE_SUCCEEDED', set()),
])
async def test_sql_and_memory_select_the_same_items(repo: Repository[Item], text: str,
                                                    expected: set[str]) -> None:
    matching = SPEC.parse(text, "acme")
    listed = await repo.list_matching("acme", PageRequest(), matching)
    assert {item.id for item in listed.items} == expected
    assert {item.id for item in ITEMS if matching.matches(item)} == expected


def test_the_empty_filter_matches_everything() -> None:
    assert all(MATCH_ALL.matches(item) for item in ITEMS)
    assert filter_where(MATCH_ALL, items) == []
