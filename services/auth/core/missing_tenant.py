"""The refusal of anything in a tenant that does not exist.

Users, API keys and tokens live in a tenant; naming one that was never created is NOT_FOUND
naming it, as AIP-133 answers a Create whose parent does not exist.
"""

from __future__ import annotations

from shared.errors import NotFound

TENANT_NOT_FOUND = "TENANT_NOT_FOUND"


def tenant_not_found(tenant_id: str) -> NotFound:
    """NOT_FOUND (TENANT_NOT_FOUND) naming ``tenants/{tenant_id}``."""
    name = f"tenants/{tenant_id}"
    return NotFound(f"tenant {name!r} does not exist", reason=TENANT_NOT_FOUND,
                    metadata={"tenant": name})
