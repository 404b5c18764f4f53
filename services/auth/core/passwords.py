"""``PasswordHashing``: argon2id hashes of passwords."""

from __future__ import annotations

import asyncio

import argon2


class PasswordHashing:
    """Hashes passwords with argon2id, off the event loop (a hash costs tens of milliseconds).

    Args:
        hasher: The argon2 hasher; by default argon2-cffi's RFC 9106 low-memory profile.
    """

    def __init__(self, hasher: argon2.PasswordHasher | None = None) -> None:
        self._hasher = hasher or argon2.PasswordHasher()
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        """The encoded hash of ``password`` (``$argon2id$…``), salted afresh."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``.

        With no hash (an unknown user, or one without a password) a hash of the same cost is
        still checked, so the answer takes as long either way and does not reveal who exists.
        """
        if password_hash is None:
            if self._dummy_hash is None:
                self._dummy_hash = await self.hash("not a password: equalises timing")
            await asyncio.to_thread(self._matches, self._dummy_hash, password)
            return False
        return await asyncio.to_thread(self._matches, password_hash, password)

    def _matches(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False
