"""``Entity``: the fields every stored resource has, and how versions and times are made."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets


def utc_now() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


def new_etag() -> str:
    """A fresh opaque version tag."""
    return secrets.token_hex(8)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Entity:
    """Fields every stored resource has. Subclass as a frozen, kw_only dataclass."""

    tenant: str
    id: str
    create_time: dt.datetime = dataclasses.field(default_factory=utc_now)
    update_time: dt.datetime = dataclasses.field(default_factory=utc_now)
    etag: str = ""
