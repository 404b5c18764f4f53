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

    async def hash(self, password: str) -> str:
        """The encoded hash of ``password`` (``$argon2id$…``), salted afresh."""
        return await asyncio.to_thread(self._hasher.hash, password)
