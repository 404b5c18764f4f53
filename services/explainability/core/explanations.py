"""``ExplanationService``: explaining a subject from its audit trail, and keeping the answers."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from services.explainability.core import narrative
from services.explainability.core.models import AuditRecord, Explanation, ExplanationState
from shared.errors import InvalidArgument
from shared.resources.standard import Resources
from shared.resources.store import Store


class AuditTrail(Protocol):
    """Where the recorded actions on a resource come from (the audit-log service)."""

    async def actions_on(self, tenant: str, subject: str) -> list[AuditRecord]:
        """The audit records of ``tenant`` about ``subject``, oldest first.

        Raises:
            Unavailable: The audit log cannot be reached.
        """
        ...


class ExplanationService(Resources[Explanation]):
    """Explanations of every tenant, each answered from its subject's audit trail when it is
    created.

    Args:
        explanations: Repository of explanations.
        trail: Source of the audit records an answer is built from.
    """

    def __init__(self, explanations: Store[Explanation], trail: AuditTrail) -> None:
        super().__init__(explanations)
        self._trail = trail

    async def create(self, resource: Explanation) -> Explanation:
        """Explain ``resource.subject`` from its audit trail and store the READY answer.

        Raises:
            InvalidArgument: The subject belongs to another tenant.
            Unavailable: The audit log cannot be reached; nothing is stored.
        """
        if not resource.subject.startswith(f"tenants/{resource.tenant}/"):
            raise InvalidArgument.for_field("explanation.subject",
                                            f"must name a resource of tenants/{resource.tenant}")
        records = await self._trail.actions_on(resource.tenant, resource.subject)
        return await super().create(dataclasses.replace(
            resource,
            state=ExplanationState.READY,
            answer=narrative.answer(resource.subject, records),
            evidence=tuple(narrative.evidence_of(r) for r in records),
            trace_id=narrative.trace_of(records),
        ))
