"""``UserService``: creating, reading, changing and deleting a tenant's users."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from services.auth.core.models import User
from services.auth.core.passwords import PasswordHashing
from shared.resources import names
from shared.resources.standard import Resources
from shared.resources.store import Store

COLLECTION = "users"


class SubjectSessions(Protocol):
    """Revokes the sign-ins (refresh token families) of a principal."""

    async def revoke_subject(self, tenant: str, subject: str) -> None: ...


class UserService(Resources[User]):
    """Users of every tenant, persisted through ``users``.

    Emails are unique within a tenant and compared case-insensitively, so they are stored in
    lower case.

    Args:
        users: Repository of users; refuses a second user with the same email in a tenant.
        passwords: Hashes the passwords users are created with.
        sessions: Revokes a deleted user's sign-ins, so a user later created with the same id
            does not inherit them; None when tokens are not issued.
    """

    updatable = ("display_name", "email", "roles", "state")

    def __init__(self, users: Store[User], passwords: PasswordHashing,
                 sessions: SubjectSessions | None = None) -> None:
        super().__init__(users)
        self._passwords = passwords
        self._sessions = sessions

    async def create(self, resource: User, password: str = "") -> User:
        """Store a new user, with only the hash of ``password`` (none when it is empty).

        Raises:
            AlreadyExists: The id or the email is taken in the tenant.
        """
        password_hash = await self._passwords.hash(password) if password else None
        return await super().create(dataclasses.replace(
            resource, email=resource.email.lower(), password_hash=password_hash))

    async def update(self, tenant: str, id_: str, changes: Mapping[str, Any],
                     etag: str = "") -> User:
        """Apply ``changes`` (fields of :attr:`updatable`) to a user.

        Raises:
            AlreadyExists: The new email is taken in the tenant.
        """
        changes = dict(changes)
        if "email" in changes:
            changes["email"] = changes["email"].lower()
        return await super().update(tenant, id_, changes, etag)

    async def delete(self, tenant: str, id_: str) -> None:
        """Delete a user and revoke its sign-ins.

        Raises:
            NotFound: No such user.
        """
        await super().delete(tenant, id_)
        if self._sessions is not None:
            await self._sessions.revoke_subject(tenant, names.format_name(tenant, COLLECTION, id_))
