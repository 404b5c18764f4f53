"""``BootstrapKey``: the first platform API key of a fresh mesh, its secret left in a file.

A fresh mesh has no users and no keys, and every call but sign-in needs a token. On its first
start the auth service therefore creates the platform tenant and, in it, an API key holding
every scope, and writes the key's secret to a file only the service's user can read. The
operator exchanges it for tokens (in any tenant: it is a platform key) to create tenants, users
and narrower keys, then revokes it. While the file exists nothing is done but tightening it to
0600, so restarts never rotate the key; deleting the file makes the next start create a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pathlib
import secrets
import tempfile

from services.auth.core.api_keys import ApiKeyService
from services.auth.core.models import ApiKey, Tenant
from services.auth.core.scopes import ALL_SCOPES
from services.auth.core.tenants import TenantService
from shared.errors import AlreadyExists, NotFound
from shared.private_files import FILE_MODE, private_directory, tighten

log = logging.getLogger(__name__)

KEY_ID = "bootstrap-admin"
DISPLAY_NAME = "bootstrap admin"
PLATFORM_DISPLAY_NAME = "Platform"


def write_secret(path: pathlib.Path, secret: str) -> None:
    """Write ``secret`` to ``path`` atomically, readable by its owner only (0600).

    The secret goes to a temporary file of the same directory (created 0600), which then
    replaces ``path``: readers see no file or the whole secret, never a part of it. A missing
    directory is created 0700.
    """
    if not path.parent.exists():
        private_directory(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            os.fchmod(file.fileno(), FILE_MODE)
            file.write(secret)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise


class BootstrapKey:
    """Creates the bootstrap API key of the platform tenant once.

    Args:
        tenants: The tenant service (the platform tenant is created if missing).
        api_keys: The API key service.
        platform_tenant: Id of the platform tenant.
    """

    def __init__(self, tenants: TenantService, api_keys: ApiKeyService,
                 platform_tenant: str) -> None:
        self._tenants = tenants
        self._api_keys = api_keys
        self._platform_tenant = platform_tenant

    async def ensure(self, path: pathlib.Path) -> ApiKey | None:
        """Unless ``path`` exists: make sure the platform tenant exists, create an API key in
        it with every scope, and write the key's secret to ``path`` (0600). An existing
        ``path`` is only tightened to 0600.

        Returns:
            The created key, or None when ``path`` already existed.

        Raises:
            OSError: ``path`` cannot be written; the key just created is revoked.
        """
        if path.exists():
            tighten(path, FILE_MODE)
            return None
        await self._ensure_platform_tenant()
        key, secret = await self._create_key()
        try:
            await asyncio.to_thread(write_secret, path, secret)
        except BaseException:
            # Nobody will ever know this secret: do not leave a live all-powerful key behind.
            await self._api_keys.revoke(key.tenant, key.id)
            raise
        log.info("bootstrap API key tenants/%s/apiKeys/%s created; its secret is in %s",
                 key.tenant, key.id, path)
        return key

    async def _ensure_platform_tenant(self) -> None:
        try:
            await self._tenants.get(self._platform_tenant)
        except NotFound:
            with contextlib.suppress(AlreadyExists):  # another replica was quicker
                await self._tenants.create(Tenant(
                    tenant=self._platform_tenant, id=self._platform_tenant,
                    display_name=PLATFORM_DISPLAY_NAME))

    async def _create_key(self) -> tuple[ApiKey, str]:
        key = ApiKey(tenant=self._platform_tenant, id=KEY_ID, display_name=DISPLAY_NAME,
                     scopes=sorted(ALL_SCOPES))
        try:
            return await self._api_keys.create(key)
        except AlreadyExists:
            # The file of an earlier bootstrap key is gone; that key stays until revoked.
            log.warning("an earlier bootstrap API key tenants/%s/apiKeys/%s exists but its "
                        "secret file does not; creating another (revoke the old one)",
                        self._platform_tenant, KEY_ID)
            key = ApiKey(tenant=self._platform_tenant, id=f"{KEY_ID}-{secrets.token_hex(4)}",
                         display_name=DISPLAY_NAME, scopes=sorted(ALL_SCOPES))
            return await self._api_keys.create(key)
