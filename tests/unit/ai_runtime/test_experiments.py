"""ExperimentService against a real, migrated SQLite database."""

from __future__ import annotations

import datetime as dt

import pytest

from services.ai_runtime.core.experiments import ExperimentService, check_variants
from services.ai_runtime.core.models import Experiment, ExperimentState, Variant, VariantQuality
from services.ai_runtime.repository import experiment_repository
from shared.database import DatabaseConnection, PageRequest
from shared.errors import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    Unavailable,
)

CONTROL = Variant("control", "executor/v1", 50)
CANDIDATE = Variant("candidate", "executor/v2", 50)


def make_experiment(experiment_id: str = "e1", tenant: str = "acme", **fields: object
                    ) -> Experiment:
    values: dict[str, object] = {"display_name": "Terser executor", "role": "executor",
                                 "variants": [CONTROL, CANDIDATE]}
    values.update(fields)
    return Experiment(tenant=tenant, id=experiment_id, **values)  # type: ignore[arg-type]


@pytest.fixture
def service(db: DatabaseConnection) -> ExperimentService:
    return ExperimentService(experiment_repository(db))


def test_check_variants_names_the_repeated_variant() -> None:
    with pytest.raises(InvalidArgument) as error:
        check_variants([CONTROL, CANDIDATE, Variant("control", "executor/v3", 1)])

    assert [v.field for v in error.value.violations] == ["experiment.variants[2].name"]


async def test_create_runs_at_once_and_round_trips_variants(service: ExperimentService) -> None:
    created = await service.create(make_experiment(state=ExperimentState.STOPPED))

    stored = await service.get("acme", "e1")
    assert stored == created
    assert stored.state is ExperimentState.RUNNING
    assert stored.variants == [CONTROL, CANDIDATE]


async def test_create_refuses_duplicate_variant_names(service: ExperimentService) -> None:
    with pytest.raises(InvalidArgument) as error:
        await service.create(make_experiment(variants=[CONTROL, CONTROL]))

    assert error.value.violations[0].field == "experiment.variants[1].name"


async def test_create_refuses_a_second_running_experiment_for_a_role(
        service: ExperimentService) -> None:
    await service.create(make_experiment())
    await service.create(make_experiment("e2", role="critic"))
    await service.create(make_experiment("e3", tenant="other"))

    with pytest.raises(FailedPrecondition) as error:
        await service.create(make_experiment("e4"))
    assert error.value.reason == "EXPERIMENT_ALREADY_RUNNING"


async def test_create_refuses_a_taken_id(service: ExperimentService) -> None:
    await service.create(make_experiment(role="critic"))

    with pytest.raises(AlreadyExists):
        await service.create(make_experiment(role="planner"))


async def test_list_pages_newest_first_within_the_tenant(service: ExperimentService) -> None:
    for experiment_id, role in (("e1", "a"), ("e2", "b"), ("e3", "c")):
        await service.create(make_experiment(experiment_id, role=role))
    await service.create(make_experiment("f1", tenant="other"))

    first = await service.list("acme", PageRequest(size=2))
    rest = await service.list("acme", PageRequest.of(2, first.next_page_token))

    assert [e.id for e in first.items] == ["e3", "e2"]
    assert [e.id for e in rest.items] == ["e1"]
    assert rest.next_page_token == ""


async def test_update_checks_new_variants_and_the_etag(service: ExperimentService) -> None:
    created = await service.create(make_experiment())
    third = Variant("third", "executor/v3", 10)

    with pytest.raises(InvalidArgument):
        await service.update("acme", "e1", {"variants": [third, third]})

    updated = await service.update("acme", "e1", {"variants": [CONTROL, third]}, created.etag)
    assert updated.variants == [CONTROL, third]
    assert updated.display_name == created.display_name
    assert (await service.get("acme", "e1")).variants == [CONTROL, third]
    with pytest.raises(Aborted):
        await service.update("acme", "e1", {"display_name": "x"}, created.etag)


async def test_delete_frees_the_role(service: ExperimentService) -> None:
    await service.create(make_experiment())

    await service.delete("acme", "e1")

    with pytest.raises(NotFound):
        await service.get("acme", "e1")
    assert (await service.create(make_experiment("e2"))).state is ExperimentState.RUNNING


class GateMetrics:
    """The quality gate's metrics per prompt version, or its being unreachable."""

    def __init__(self, metrics: dict[str, VariantQuality] | None) -> None:
        self.metrics = metrics
        self.asked: list[tuple[str, str, dt.datetime]] = []

    async def by_prompt_version(self, tenant: str, role: str,
                                since: dt.datetime) -> dict[str, VariantQuality]:
        self.asked.append((tenant, role, since))
        if self.metrics is None:
            raise Unavailable("the gate is down")
        return self.metrics


async def test_reads_show_how_the_gate_judged_each_variant_since_the_start(
        db: DatabaseConnection) -> None:
    gate = GateMetrics({"executor/v2": VariantQuality(10, 9, 0.93, 1, 0)})
    judged = ExperimentService(experiment_repository(db), gate)
    created = await judged.create(make_experiment())
    stored = await experiment_repository(db).get("acme", "e1")
    assert all(v.quality is None for v in stored.variants)  # quality is read, not stored
    got = await judged.get("acme", "e1")
    assert got.variants == created.variants
    by_version = {v.prompt_version: v.quality for v in got.variants}
    assert by_version["executor/v2"] == VariantQuality(10, 9, 0.93, 1, 0)
    assert by_version["executor/v1"] == VariantQuality()  # nothing judged yet
    assert gate.asked[-1] == ("acme", "executor", created.create_time)
    listed = await judged.list("acme", PageRequest.of(0, ""))
    assert listed.items[0].variants == got.variants

    down = ExperimentService(experiment_repository(db), GateMetrics(None))
    assert all(v.quality is None for v in (await down.get("acme", "e1")).variants)
