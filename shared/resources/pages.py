"""Opaque page tokens and page-size rules shared by every List RPC (AIP-158)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class Cursor:
    """Position after the last item of a page, in (create_time desc, id desc) order."""

    create_time: dt.datetime
    id: str

    def encode(self) -> str:
        raw = json.dumps({"t": self.create_time.isoformat(), "i": self.id}).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Parse a token made by :meth:`encode`.

        Raises:
            InvalidArgument: The token is not one of ours.
        """
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            return cls(dt.datetime.fromisoformat(data["t"]), str(data["i"]))
        except (binascii.Error, ValueError, KeyError, TypeError) as error:
            raise InvalidArgument.for_field("page_token", "not a valid page token") from error


@dataclass(frozen=True)
class PageRequest:
    """Validated paging parameters of a List call."""

    size: int = DEFAULT_PAGE_SIZE
    after: Cursor | None = None

    @classmethod
    def of(cls, page_size: int, page_token: str) -> PageRequest:
        """Apply the rules: 0 means the default, large values are clamped, negative is invalid.

        Raises:
            InvalidArgument: ``page_size`` is negative or ``page_token`` is malformed.
        """
        if page_size < 0:
            raise InvalidArgument.for_field("page_size", "must not be negative")
        size = DEFAULT_PAGE_SIZE if page_size == 0 else min(page_size, MAX_PAGE_SIZE)
        return cls(size, Cursor.decode(page_token) if page_token else None)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the token of the next (empty at the end)."""

    items: list[T]
    next_page_token: str = ""
