"""Audit trail of every mutation, written by the shared runtime rather than by each handler.

``AuditRecorder`` turns a completed mutating call (any method that is not read-only) into an
outbox entry: who (the call's verified caller, and whom it acted for when it is a service of
the mesh), tenant, action (``planner.create_goal``), resource,
outcome, trace id and a digest of the request. ``AuditPublisher`` delivers the outbox to the
audit-log service in the background, retrying with backoff while it is unreachable.

A handler whose call makes one change in one transaction may write the call's entry in that
transaction (:class:`CallAudit`, a transactional outbox; :func:`transaction_with_entry`): the
entry then commits with the change or not at all, and the call costs one transaction less.
Otherwise the RPC boundary writes the entry once the call is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import hashlib
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from cognition.audit.v1 import audit_entry_pb2, audit_service_pb2
from shared import context
from shared.database.audit_outbox import AuditOutbox, OutboxEntry, insert_entries
from shared.database.connection import DatabaseConnection
from shared.errors import CognitionError, InvalidArgument, PermissionDenied, Unauthenticated
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary
from shared.mesh.resilience import RetryPolicy, is_idempotent
from shared.proto.requests import request_tenant
from shared.resources.entity import utc_now
from shared.rpc.sensitive import without_secrets

BATCH_CREATE_AUDIT_ENTRIES = Unary.of(audit_service_pb2.BatchCreateAuditEntriesRequest,
                                       audit_service_pb2.BatchCreateAuditEntriesResponse)

log = logging.getLogger(__name__)

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
AUDIT_WRITE = frozenset({"audit.write"})


def _fit(text: str, limit: int) -> str:
    """``text`` as an audit entry can hold it: no NUL, at most ``limit`` characters (an entry
    records what a refused call named, whatever it was; it must still be storable)."""
    text = text.replace("\x00", "\ufffd")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tenant_of(request: Message, ctx: context.CallContext) -> str:
    """The tenant an entry belongs to: the one the request names if it is a tenant id at all
    (a refused request may name anything), else the caller's."""
    for tenant in (request_tenant(request), ctx.tenant):
        if _TENANT_ID.match(tenant):
            return tenant
    return ""


def action_name(domain: str, method: str) -> str:
    """``("planner", ".../PlannerService/CreateGoal")`` -> ``planner.create_goal``."""
    return f"{domain}.{_CAMEL.sub('_', method.rsplit('/', 1)[-1]).lower()}"


def resource_name(request: Message, response: Message | None, tenant: str) -> str:
    """The resource a call acted on: the response's resource, else the request's name/parent."""
    for message in (response, request):
        if message is None:
            continue
        for field in message.DESCRIPTOR.fields:
            if field.message_type is not None and "name" in field.message_type.fields_by_name:
                value = getattr(getattr(message, field.name), "name", "")
                if value:
                    return str(value)
    for key in ("name", "parent"):
        value = getattr(request, key, "") if key in request.DESCRIPTOR.fields_by_name else ""
        if value:
            return str(value)
    return f"tenants/{tenant}"


class AuditRecorder:
    """Writes an outbox entry for each completed mutating call of one service.

    Args:
        domain: The service's domain (``planner``), the first part of action names.
        outbox: The service's outbox.
        publisher: Woken when an entry is added (None: delivery is someone else's job).
    """

    def __init__(self, domain: str, outbox: AuditOutbox,
                 publisher: AuditPublisher | None = None) -> None:
        self._domain = domain
        self._outbox = outbox
        self._publisher = publisher

    @staticmethod
    def audits(method: str) -> bool:
        """Whether calls of ``method`` are audited (everything that may change state)."""
        return not is_idempotent(method) and not method.startswith("/grpc.")

    def entry(self, method: str, request: Message, response: Message | None,
              error: BaseException | None, resource: str = "",
              ctx: context.CallContext | None = None) -> OutboxEntry | None:
        """The entry of one call (None when it names no tenant); ``resource`` overrides the
        one found in the request and response, ``ctx`` the current call's context."""
        ctx = ctx or context.current()
        tenant = _tenant_of(request, ctx)
        if not tenant:
            return None
        if error is None:
            outcome = "SUCCESS"
        elif isinstance(error, PermissionDenied | Unauthenticated):
            outcome = "DENIED"
        else:
            outcome = "FAILURE"
        return OutboxEntry(
            id=str(uuid.uuid4()),
            tenant=tenant,
            actor=_fit(ctx.subject or "anonymous", 256),
            on_behalf_of=_fit(ctx.on_behalf_of, 256),
            action=action_name(self._domain, method),
            resource=_fit(resource or resource_name(request, response, tenant), 1024),
            outcome=outcome,
            trace_id=ctx.trace_id if len(ctx.trace_id) == 32 else "",
            payload_digest=hashlib.sha256(
                without_secrets(request).SerializeToString(deterministic=True)).hexdigest(),
        )

    async def record(self, method: str, request: Message, response: Message | None,
                     error: BaseException | None) -> None:
        """Add the entry for one call; never raises (a failure is logged loudly)."""
        entry = self.entry(method, request, response, error)
        if entry is None:
            return
        try:
            await self._outbox.add(entry)
        except Exception:
            log.exception("could not record the audit entry of %s for %s", method, entry.tenant)
            return
        self.delivery_due()

    def delivery_due(self) -> None:
        """New entries are in the outbox."""
        if self._publisher is not None:
            self._publisher.wake()

    @contextlib.contextmanager
    def serving(self, method: str, request: Message,
                error: BaseException | None = None) -> Iterator[CallAudit]:
        """While the handler of ``method`` runs, :func:`serving` returns its :class:`CallAudit`
        (``error``: the entry records a failed call)."""
        call = CallAudit(self, method, request, error)
        token = _serving.set(call)
        try:
            yield call
        finally:
            _serving.reset(token)


class CallAudit:
    """The entry of the mutating call being served (a success unless built with an error),
    for the handler to write in the transaction of the call's change (see the module's
    docstring).

    The handler writes it with :meth:`write_in` inside the transaction and calls
    :meth:`committed` once the transaction committed; the RPC boundary then writes no second
    entry when the call succeeds. Until :meth:`committed`, the boundary writes the entry as
    usual, so an entry written in a transaction that rolled back is not lost.
    """

    def __init__(self, recorder: AuditRecorder, method: str, request: Message,
                 error: BaseException | None = None) -> None:
        self._recorder = recorder
        self._method = method
        self._request = request
        self._error = error
        # The call's identity, kept: the transaction may run in another call's task (a
        # group commit writes the batch of whoever submitted first).
        self._context = context.current()
        self.written = False

    async def write_in(self, conn: AsyncConnection, resource: str = "") -> None:
        """Add the call's success entry to ``conn``'s transaction; ``resource`` is what the
        call acted on when its request does not name it."""
        entry = self._recorder.entry(self._method, self._request, None, self._error,
                                     resource, self._context)
        if entry is not None:
            await insert_entries(conn, [entry])

    def committed(self) -> None:
        """The transaction :meth:`write_in` wrote in has committed."""
        self.written = True
        self._recorder.delivery_due()


_serving: contextvars.ContextVar[CallAudit | None] = contextvars.ContextVar(
    "audit_call", default=None)


def serving() -> CallAudit | None:
    """The audit entry of the unary mutating call this code serves, if any."""
    return _serving.get()


@contextlib.asynccontextmanager
async def transaction_with_entry(db: DatabaseConnection,
                                 resource: str = "") -> AsyncIterator[AsyncConnection]:
    """A transaction of ``db`` that ends by writing the entry of the call being served, if any
    (``resource``: what the call acted on when its request does not name it). A body that
    raises rolls back and writes none; the RPC boundary then records the failed call."""
    call = serving()
    async with db.transaction() as conn:
        yield conn
        if call is not None:
            await call.write_in(conn, resource)
    if call is not None:
        call.committed()


class AuditPublisher:
    """Delivers the outbox to audit-log in the background, oldest first, with backoff.

    Args:
        outbox: The service's outbox.
        client: A client of the audit-log service.
        service: Name of the delivering service; its identity towards audit-log is
            ``services/<name>`` with the ``audit.write`` scope.
        batch: Most entries sent per round.
        retry: Backoff between failed rounds.
        linger: Seconds to wait once woken, so entries of calls close together go in one
            round (fewer calls to audit-log and transactions on both sides).
    """

    def __init__(self, outbox: AuditOutbox,
                 client: ServiceClient,
                 service: str, batch: int = 100, retry: RetryPolicy | None = None,
                 linger: float = 0.5) -> None:
        self._subject = f"services/{service}"
        self._outbox = outbox
        self._client = client
        self._batch = batch
        self._linger = linger
        self._retry = retry or RetryPolicy(base_delay=0.2, max_delay=5.0)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failures = 0

    def wake(self) -> None:
        """Deliver soon: new entries are waiting."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="audit-publisher")

    async def stop(self, flush_timeout: float = 2.0) -> None:
        """Try one last delivery, then stop; what is left stays in the outbox for next time."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.deliver_once(), flush_timeout)
        await self._client.close()

    async def _run(self) -> None:
        while True:
            delivered = await self.deliver_once()
            if delivered >= self._batch:
                continue  # a backlog: keep draining
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            await asyncio.sleep(self._linger)

    async def deliver_once(self) -> int:
        """One round: send the due entries, one batch per tenant; returns how many arrived."""
        entries = await self._outbox.due(self._batch)
        by_tenant: dict[str, list[OutboxEntry]] = {}
        for entry in entries:
            by_tenant.setdefault(entry.tenant, []).append(entry)
        delivered = 0
        for tenant, batch in by_tenant.items():
            try:
                await self._send(tenant, batch)
            except InvalidArgument:
                delivered += await self._deliver_one_by_one(tenant, batch)
                continue
            except CognitionError as error:
                await self._retry_later(batch, error)
                continue
            await self._outbox.delivered([e.id for e in batch])
            delivered += len(batch)
        if delivered:
            self._failures = 0
        return delivered

    async def _send(self, tenant: str, batch: list[OutboxEntry]) -> None:
        identity = context.CallContext(tenant=tenant, subject=self._subject, scopes=AUDIT_WRITE)
        request = audit_service_pb2.BatchCreateAuditEntriesRequest(
            parent=f"tenants/{tenant}", requests=[_request(e) for e in batch])
        with context.bind(identity):
            # Safe to repeat: audit-log keeps each entry once, by its id.
            await self._client.call(BATCH_CREATE_AUDIT_ENTRIES, request, idempotent=True)

    async def _deliver_one_by_one(self, tenant: str, batch: list[OutboxEntry]) -> int:
        """Deliver a batch audit-log refused as invalid entry by entry, so that an entry it
        can never take does not hold back the others; that one is dropped, loudly."""
        delivered = 0
        for entry in batch:
            try:
                await self._send(tenant, [entry])
            except InvalidArgument as error:
                log.error("audit-log refuses the entry %s of %s for good (%s); dropped",
                          entry.action, tenant, error.message)
            except CognitionError as error:
                await self._retry_later([entry], error)
                continue
            else:
                delivered += 1
            await self._outbox.delivered([entry.id])
        return delivered

    async def _retry_later(self, batch: list[OutboxEntry], error: CognitionError) -> None:
        self._failures += 1
        delay = self._retry.delay(min(self._failures, 10))
        log.warning("audit-log did not take %d entries (%s); retry in %.1fs",
                    len(batch), error.reason, delay)
        await self._outbox.retry_later([e.id for e in batch],
                                       utc_now() + dt.timedelta(seconds=delay))


def _request(entry: OutboxEntry) -> audit_service_pb2.CreateAuditEntryRequest:
    return audit_service_pb2.CreateAuditEntryRequest(
        parent=f"tenants/{entry.tenant}",
        audit_entry_id=entry.id,
        audit_entry=audit_entry_pb2.AuditEntry(
            actor=entry.actor,
            on_behalf_of=entry.on_behalf_of,
            action=entry.action,
            resource=entry.resource,
            outcome=f"OUTCOME_{entry.outcome}",
            trace_id=entry.trace_id,
            payload_digest=entry.payload_digest,
        ),
    )

