"""``ExperimentService``: starting, reading, changing and deleting prompt experiments."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from services.ai_runtime.core.models import Experiment, ExperimentState, Variant, VariantQuality
from shared.errors import CognitionError, FailedPrecondition, InvalidArgument
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest
from shared.resources.standard import Resources
from shared.resources.store import Store

log = logging.getLogger(__name__)


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


class QualityMetrics(Protocol):
    """The quality gate's judgements of a role's outputs, per prompt version."""

    async def by_prompt_version(self, tenant: str, role: str,
                                since: dt.datetime) -> dict[str, VariantQuality]:
        """Per prompt version, the judgements of ``role``'s outputs since ``since``.

        Raises:
            CognitionError: The gate could not be asked.
        """
        ...


class ExperimentService(Resources[Experiment]):
    """Experiments of every tenant, persisted through ``experiments``; every experiment it
    answers with shows how the quality gate judged each variant's outputs since the
    experiment started (when the gate answers: an experiment is still served without it).

    Args:
        experiments: Repository of experiments.
        quality: The quality gate's metrics; none means variants show no quality.
    """

    updatable = ("display_name", "variants")

    def __init__(self, experiments: ExperimentStore,
                 quality: QualityMetrics | None = None) -> None:
        super().__init__(experiments)
        self._experiments = experiments
        self._quality = quality

    async def get(self, tenant: str, id_: str) -> Experiment:
        return await self._judged(await super().get(tenant, id_))

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[Experiment]:
        found = await super().list(tenant, page, matching)
        return dataclasses.replace(found, items=[await self._judged(e) for e in found.items])

    async def _judged(self, experiment: Experiment) -> Experiment:
        """``experiment`` with each variant's quality, as the gate has judged it."""
        if self._quality is None:
            return experiment
        try:
            metrics = await self._quality.by_prompt_version(experiment.tenant, experiment.role,
                                                            experiment.create_time)
        except CognitionError as error:
            log.warning("quality of experiment %s not read: %s %s", experiment.id,
                        error.reason, error.message)
            return experiment
        return dataclasses.replace(experiment, variants=[
            dataclasses.replace(v, quality=metrics.get(v.prompt_version, VariantQuality()))
            for v in experiment.variants])

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
        return await self._judged(await super().create(
            dataclasses.replace(resource, state=ExperimentState.RUNNING)))

    async def update(self, tenant: str, id_: str, changes: Mapping[str, Any],
                     etag: str = "") -> Experiment:
        """Apply ``changes`` (fields of :attr:`updatable`) to an experiment.

        Raises:
            InvalidArgument: Two of the new variants share a name (refused before the
                experiment is read).
        """
        if "variants" in changes:
            check_variants(changes["variants"])
        return await self._judged(await super().update(tenant, id_, changes, etag))


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
