"""Conversion between the runtime's protobuf messages and its domain models."""

from __future__ import annotations

from collections.abc import Iterable

from cognition.runtime.v1 import experiment_pb2
from services.ai_runtime.core.models import Experiment, ExperimentState, Variant
from shared import names
from shared.protos import enum_to_proto, timestamp

COLLECTION = "experiments"


def experiment_to_proto(experiment: Experiment) -> experiment_pb2.Experiment:
    return experiment_pb2.Experiment(
        name=names.format_name(experiment.tenant, COLLECTION, experiment.id),
        display_name=experiment.display_name,
        role=experiment.role,
        variants=[experiment_pb2.Variant(name=v.name, prompt_version=v.prompt_version,
                                         weight=v.weight) for v in experiment.variants],
        state=enum_to_proto(experiment_pb2.ExperimentState, experiment.state),
        create_time=timestamp(experiment.create_time),
        update_time=timestamp(experiment.update_time),
        etag=experiment.etag,
    )


def variants_from_proto(variants: Iterable[experiment_pb2.Variant]) -> list[Variant]:
    return [Variant(v.name, v.prompt_version, v.weight) for v in variants]


def new_experiment(tenant: str, experiment_id: str,
                   message: experiment_pb2.Experiment) -> Experiment:
    """The domain experiment to start from a CreateExperiment request's experiment."""
    return Experiment(
        tenant=tenant,
        id=experiment_id,
        display_name=message.display_name,
        role=message.role,
        variants=variants_from_proto(message.variants),
        state=ExperimentState.RUNNING,
    )


def experiment_changes(message: experiment_pb2.Experiment, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateExperiment request sets, for the masked paths."""
    values: dict[str, object] = {
        "display_name": message.display_name,
        "variants": variants_from_proto(message.variants),
    }
    return {path: values[path] for path in paths}
