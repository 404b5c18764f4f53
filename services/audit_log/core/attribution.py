"""Who an entry says acted: never what a caller merely claims.

The log records the verified caller of CreateAuditEntry as ``recorded_by``. A service of the
mesh relays the entries of the calls it served, whose callers it verified itself, so it may
name their actor and whom it acted for. Any other caller writes in its own name only: an
entry naming someone else, or naming a principal it acted for, is PERMISSION_DENIED.
"""

from __future__ import annotations

import dataclasses

from services.audit_log.core.models import AuditEntry
from shared.errors import PermissionDenied


@dataclasses.dataclass(frozen=True)
class Writer:
    """The verified caller writing entries: its subject, and whether it is a mesh service."""

    subject: str
    is_service: bool


def attributed(entry: AuditEntry, writer: Writer, field: str = "audit_entry") -> AuditEntry:
    """``entry`` as the log records it when ``writer`` writes it (``field``: where the entry
    is in the request, for the refusal).

    Raises:
        PermissionDenied: A writer that is not a mesh service names another actor, or a
            principal it acted for.
    """
    if writer.is_service:
        return dataclasses.replace(entry, actor=entry.actor or writer.subject,
                                   recorded_by=writer.subject)
    if entry.actor and entry.actor != writer.subject:
        raise PermissionDenied(f"{field}.actor: an entry is written in the caller's own name "
                               f"({writer.subject})", reason="ACTOR_NOT_CALLER",
                               metadata={"field": f"{field}.actor"})
    if entry.on_behalf_of:
        raise PermissionDenied(f"{field}.on_behalf_of: only a service of the mesh acts on "
                               "behalf of someone", reason="ACTOR_NOT_CALLER",
                               metadata={"field": f"{field}.on_behalf_of"})
    return dataclasses.replace(entry, actor=writer.subject, recorded_by=writer.subject)
