"""Fixtures of the task-planner's unit tests: a migrated SQLite database and the services."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from services.task_planner.core.goals import GoalService
from services.task_planner.core.models import Goal, Plan, Task
from services.task_planner.core.plans import PlanService
from services.task_planner.core.validation import PlanValidator
from services.task_planner.repository import PlanRepository, goal_repository
from services.task_planner.server import MIGRATIONS
from shared.database import DatabaseConnection
from shared.database.migrations import upgrade

TENANT = "acme"


def task(id_: str, *depends_on: str, role: str = "executor", critical: bool = True,
         tools: tuple[str, ...] = ()) -> Task:
    """A drafted task."""
    return Task(id=id_, title=f"Task {id_}", instructions=f"do {id_}", agent_role=role,
                depends_on=depends_on, tools=tools, critical=critical)



class CountingPlans(PlanRepository):
    """Counts the reads of a goal's current plan from the database."""

    reads = 0

    async def _current(self, conn: AsyncConnection, tenant: str, goal_id: str) -> Plan | None:
        self.reads += 1
        return await super()._current(conn, tenant, goal_id)

@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest,
             tmp_path: pathlib.Path) -> AsyncIterator[DatabaseConnection]:
    """The planner's migrated database, on SQLite and (when reachable) PostgreSQL."""
    if request.param == "sqlite":
        database = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/planner.db")
    else:
        database = DatabaseConnection(request.getfixturevalue("postgres_url"),
                                      schema=request.getfixturevalue("postgres_schema"))
    await upgrade(database, MIGRATIONS)
    yield database
    await database.dispose()


@pytest.fixture
def plans(db: DatabaseConnection) -> PlanService:
    repository = goal_repository(db)
    return PlanService(repository, PlanRepository(db, repository),
                       PlanValidator(known_tools={"web.search"}), watch_interval=0.01)


@pytest.fixture
def goals(db: DatabaseConnection, plans: PlanService) -> GoalService:
    return GoalService(goal_repository(db), plans)


@pytest.fixture
async def goal(goals: GoalService) -> Goal:
    return await goals.create(Goal(tenant=TENANT, id="g1", description="ship it"))
