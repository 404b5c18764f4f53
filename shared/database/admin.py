"""Administrative operations on a PostgreSQL server that hosts the services' schemas."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]


async def drop_schemas(url: str, *schemas: str) -> None:
    """Drop the PostgreSQL ``schemas`` and everything in them, if they exist.

    Args:
        url: The server's SQLAlchemy URL (``postgresql+asyncpg://...``) or a plain one.
        schemas: Schema names (a service's schema is its package name).
    """
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        for schema in schemas:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()
