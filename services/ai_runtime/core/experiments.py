"""``ExperimentService``: starting, reading, changing and deleting prompt experiments."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from services.ai_runtime.core.models import Experiment, ExperimentState, Variant
from shared.errors import FailedPrecondition, InvalidArgument
from shared.resources.standard import Resources
from shared.resources.store import Store


class ExperimentStore(Store[Experiment], Protocol):
    """What ``ExperimentService`` needs of its repository: CRUD plus running experiments."""

    async def count_running(self, tenant: str, role: str) -> int: ...


def check_variants(variants: Sequence[Variant], field: str = "experiment.variants") -> None:
    """Check that variant names are unique within the experiment.

    Raises:
        InvalidArgument: Naming ``<field>[i].name`` of the first repeated name.
    """
    seen: set[str] = set()
    for i, variant in enumerate(variants):
        if variant.name in seen:
            raise InvalidArgument.for_field(f"{field}[{i}].name",
                                            f"variant name {variant.name!r} is used twice")
        seen.add(variant.name)


class ExperimentService(Resources[Experiment]):
    """Experiments of every tenant, persisted through ``experiments``.

    Args:
        experiments: Repository of experiments.
    """

    updatable = ("display_name", "variants")

    def __init__(self, experiments: ExperimentStore) -> None:
        super().__init__(experiments)
        self._experiments = experiments

    async def create(self, resource: Experiment) -> Experiment:
        """Start a new experiment: it runs at once.

        Raises:
            InvalidArgument: Two variants share a name.
            FailedPrecondition: Another experiment already runs for the role.
        """
        check_variants(resource.variants)
        # Check, then insert: two concurrent creates for one role can both pass. Rare enough
        # (experiments are started by hand) not to need a partial unique index yet.
        if await self._experiments.count_running(resource.tenant, resource.role):
            raise FailedPrecondition(
                f"an experiment already runs for role {resource.role!r}",
                reason="EXPERIMENT_ALREADY_RUNNING", metadata={"role": resource.role})
        return await super().create(dataclasses.replace(resource, state=ExperimentState.RUNNING))

    async def update(self, tenant: str, id_: str, changes: Mapping[str, Any],
                     etag: str = "") -> Experiment:
        """Apply ``changes`` (fields of :attr:`updatable`) to an experiment.

        Raises:
            InvalidArgument: Two of the new variants share a name (refused before the
                experiment is read).
        """
        if "variants" in changes:
            check_variants(changes["variants"])
        return await super().update(tenant, id_, changes, etag)


def assign_variant(experiment: Experiment, key: str) -> Variant:
    """The variant ``key`` (a goal) gets in ``experiment``: sticky, and weighted.

    The same (key, experiment) always gets the same variant; over many keys each variant
    gets about its weight's share.
    """
    total = sum(v.weight for v in experiment.variants)
    digest = hashlib.sha256(f"{experiment.tenant}/{experiment.id}\x00{key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") % total
    for variant in experiment.variants:
        if point < variant.weight:
            return variant
        point -= variant.weight
    return experiment.variants[-1]  # unreachable: point < total
