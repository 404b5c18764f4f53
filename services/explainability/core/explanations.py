"""``ExplanationService``: explaining a subject from its audit trail, and keeping the answers."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from services.explainability.core import narrative
from services.explainability.core.models import AuditRecord, Explanation, ExplanationState
from shared.errors import InvalidArgument
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest
from shared.resources.store import Store


class AuditTrail(Protocol):
    """Where the recorded actions on a resource come from (the audit-log service)."""

    async def actions_on(self, tenant: str, subject: str) -> list[AuditRecord]:
        """The audit records of ``tenant`` about ``subject``, oldest first.

        Raises:
            Unavailable: The audit log cannot be reached.
        """
        ...


class ExplanationService:
    """Explanations of every tenant, persisted through ``explanations``.

    Args:
        explanations: Repository of explanations.
        trail: Source of the audit records an answer is built from.
    """

    def __init__(self, explanations: Store[Explanation], trail: AuditTrail) -> None:
        self._explanations = explanations
        self._trail = trail

    async def create(self, explanation: Explanation) -> Explanation:
        """Explain ``explanation.subject`` from its audit trail and store the READY answer.

        Raises:
            InvalidArgument: The subject belongs to another tenant.
            Unavailable: The audit log cannot be reached; nothing is stored.
        """
        if not explanation.subject.startswith(f"tenants/{explanation.tenant}/"):
            raise InvalidArgument.for_field("explanation.subject",
                                            f"must name a resource of tenants/{explanation.tenant}")
        records = await self._trail.actions_on(explanation.tenant, explanation.subject)
        return await self._explanations.create(dataclasses.replace(
            explanation,
            state=ExplanationState.READY,
            answer=narrative.answer(explanation.subject, records),
            evidence=tuple(narrative.evidence_of(r) for r in records),
            trace_id=narrative.trace_of(records),
        ))

    async def get(self, tenant: str, explanation_id: str) -> Explanation:
        return await self._explanations.get(tenant, explanation_id)

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[Explanation]:
        """One page of the tenant's explanations that ``matching`` selects, newest first."""
        return await self._explanations.list_matching(tenant, page, matching)

    async def delete(self, tenant: str, explanation_id: str) -> None:
        await self._explanations.delete(tenant, explanation_id)
