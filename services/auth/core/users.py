"""``UserService``: creating, reading, changing and deleting a tenant's users."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from services.auth.core.models import User
from services.auth.core.passwords import PasswordHashing
from shared.resources import names
from shared.resources.filters import MATCH_ALL, Filter
from shared.resources.pages import Page, PageRequest
from shared.resources.store import Store

UPDATABLE_FIELDS = ("display_name", "email", "roles", "state")
COLLECTION = "users"


class SubjectSessions(Protocol):
    """Revokes the sign-ins (refresh token families) of a principal."""

    async def revoke_subject(self, tenant: str, subject: str) -> None: ...


class UserService:
    """Users of every tenant, persisted through ``users``.

    Emails are unique within a tenant and compared case-insensitively, so they are stored in
    lower case.

    Args:
        users: Repository of users; refuses a second user with the same email in a tenant.
        passwords: Hashes the passwords users are created with.
        sessions: Revokes a deleted user's sign-ins, so a user later created with the same id
            does not inherit them; None when tokens are not issued.
    """

    def __init__(self, users: Store[User], passwords: PasswordHashing,
                 sessions: SubjectSessions | None = None) -> None:
        self._users = users
        self._passwords = passwords
        self._sessions = sessions

    async def create(self, user: User, password: str = "") -> User:
        """Store a new user, with only the hash of ``password`` (none when it is empty).

        Raises:
            AlreadyExists: The id or the email is taken in the tenant.
        """
        password_hash = await self._passwords.hash(password) if password else None
        return await self._users.create(dataclasses.replace(
            user, email=user.email.lower(), password_hash=password_hash))

    async def get(self, tenant: str, user_id: str) -> User:
        return await self._users.get(tenant, user_id)

    async def list(self, tenant: str, page: PageRequest,
                   matching: Filter = MATCH_ALL) -> Page[User]:
        """One page of the tenant's users that ``matching`` selects, newest first."""
        return await self._users.list_matching(tenant, page, matching)

    async def update(self, tenant: str, user_id: str, changes: Mapping[str, Any],
                     etag: str = "") -> User:
        """Apply ``changes`` (a subset of UPDATABLE_FIELDS) to a user.

        Raises:
            AlreadyExists: The new email is taken in the tenant.
        """
        changes = dict(changes)
        if "email" in changes:
            changes["email"] = changes["email"].lower()
        current = await self._users.get(tenant, user_id)
        return await self._users.update(dataclasses.replace(current, **changes), etag)

    async def delete(self, tenant: str, user_id: str) -> None:
        """Delete a user and revoke its sign-ins.

        Raises:
            NotFound: No such user.
        """
        await self._users.delete(tenant, user_id)
        if self._sessions is not None:
            await self._sessions.revoke_subject(
                tenant, names.format_name(tenant, COLLECTION, user_id))
