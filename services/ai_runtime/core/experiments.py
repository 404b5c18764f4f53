"""``ExperimentService``: starting, reading, changing and deleting prompt experiments."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from services.ai_runtime.core.models import Experiment, ExperimentState, Variant
from shared.errors import FailedPrecondition, InvalidArgument
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest

UPDATABLE_FIELDS = ("display_name", "variants")


class ExperimentStore(Protocol):
    """What ``ExperimentService`` needs of its repository: CRUD plus running experiments."""

    async def create(self, entity: Experiment) -> Experiment: ...
    async def get(self, tenant: str, id_: str) -> Experiment: ...
    async def list_matching(self, tenant: str, page: PageRequest,
                            matching: Filter) -> Page[Experiment]: ...
    async def update(self, entity: Experiment, expected_etag: str = "") -> Experiment: ...
    async def delete(self, tenant: str, id_: str) -> None: ...
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


class ExperimentService:
    """Experiments of every tenant, persisted through ``experiments``.

    Args:
        experiments: Repository of experiments.
    """

    def __init__(self, experiments: ExperimentStore) -> None:
        self._experiments = experiments

    async def create(self, experiment: Experiment) -> Experiment:
        """Start a new experiment: it runs at once.

        Raises:
            InvalidArgument: Two variants share a name.
            FailedPrecondition: Another experiment already runs for the role.
        """
        check_variants(experiment.variants)
        # Check, then insert: two concurrent creates for one role can both pass. Rare enough
        # (experiments are started by hand) not to need a partial unique index yet.
        if await self._experiments.count_running(experiment.tenant, experiment.role):
            raise FailedPrecondition(
                f"an experiment already runs for role {experiment.role!r}",
                reason="EXPERIMENT_ALREADY_RUNNING", metadata={"role": experiment.role})
        return await self._experiments.create(
            dataclasses.replace(experiment, state=ExperimentState.RUNNING))

    async def get(self, tenant: str, experiment_id: str) -> Experiment:
        return await self._experiments.get(tenant, experiment_id)

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[Experiment]:
        """One page of the tenant's experiments that ``matching`` selects, newest first."""
        return await self._experiments.list_matching(tenant, page, matching)

    async def update(self, tenant: str, experiment_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> Experiment:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS) to an experiment.

        Raises:
            InvalidArgument: Two of the new variants share a name.
        """
        if "variants" in changes:
            check_variants(changes["variants"])
        current = await self._experiments.get(tenant, experiment_id)
        return await self._experiments.update(dataclasses.replace(current, **changes), etag)

    async def delete(self, tenant: str, experiment_id: str) -> None:
        await self._experiments.delete(tenant, experiment_id)


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
