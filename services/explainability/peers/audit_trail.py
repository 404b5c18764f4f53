"""``AuditLogTrail``: the audit records about a subject, read from the audit-log service."""

from __future__ import annotations

from cognition.audit.v1 import audit_service_pb2
from services.explainability import convert
from services.explainability.core.models import AuditRecord
from shared import context
from shared.errors import DeadlineExceeded, Unavailable
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary

LIST_AUDIT_ENTRIES = Unary.of(audit_service_pb2.ListAuditEntriesRequest,
                               audit_service_pb2.ListAuditEntriesResponse)


SUBJECT = "services/explainability"
AUDIT_READ = frozenset({"audit.read"})
PAGE_SIZE = 200
# The answer lists every action; beyond this many only the most recent are kept.
MAX_RECORDS = 1000


class AuditLogTrail:
    """Reads a subject's audit records through ``client`` (implements ``AuditTrail``).

    Args:
        client: Client of the audit-log service.
    """

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def actions_on(self, tenant: str, subject: str) -> list[AuditRecord]:
        """The audit records of ``tenant`` about ``subject``, oldest first, read under this
        service's own identity (for whoever asked for the explanation): what an explanation
        shows of the audit log is this service's to decide.

        Raises:
            Unavailable: The audit log cannot be reached or does not answer in time.
        """
        asker = context.current()
        reader = context.CallContext(tenant=tenant, subject=SUBJECT, scopes=AUDIT_READ,
                                     on_behalf_of=asker.subject, trace_id=asker.trace_id,
                                     request_id=asker.request_id)
        with context.bind(reader):
            return await self._read(tenant, subject)

    async def _read(self, tenant: str, subject: str) -> list[AuditRecord]:
        newest_first: list[AuditRecord] = []
        token = ""
        while len(newest_first) < MAX_RECORDS:
            try:
                response = await self._client.call(
                    LIST_AUDIT_ENTRIES, convert.audit_query(tenant, subject, token, PAGE_SIZE))
            except DeadlineExceeded as error:
                raise Unavailable("the audit log did not answer in time",
                                  reason="AUDIT_LOG_UNAVAILABLE") from error
            newest_first += (convert.audit_record(e) for e in response.audit_entries)
            token = response.next_page_token
            if not token:
                break
        return newest_first[:MAX_RECORDS][::-1]
