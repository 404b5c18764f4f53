"""Page tokens every List hands out: opaque, tamper-evident and bound to their request.

A List's handler pages with a cursor of its own making (:mod:`shared.resources.pages`).
The RPC boundary seals each cursor it returns as ``next_page_token`` (AES-GCM with the
service's own key, derived from the mesh secret) together with a digest of the request it
answers, minus ``page_token`` and ``page_size``, and opens the ``page_token`` of every request
before the handler sees it. A token that was not made by this service, was altered, or comes
back with another parent, filter or order (AIP-158) does not open: INVALID_ARGUMENT naming
``page_token``. Handlers therefore only ever see cursors they made themselves.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf import descriptor_pool
from google.protobuf.message import Message

from shared.errors import FieldViolation

_VERSION = b"\x01"
_NONCE = 12
PAGE_TOKEN = "page_token"
NEXT_PAGE_TOKEN = "next_page_token"
_UNBOUND = (PAGE_TOKEN, "page_size")


def pages(method: str) -> bool:
    """Whether ``/pkg.Service/Method`` of the contracts pages its results."""
    service, _, name = method.lstrip("/").rpartition("/")
    try:
        descriptor = descriptor_pool.Default().FindServiceByName(service).methods_by_name[name]
    except KeyError:
        return False
    return (PAGE_TOKEN in descriptor.input_type.fields_by_name
            and NEXT_PAGE_TOKEN in descriptor.output_type.fields_by_name)


def binding_of(method: str, request: Message) -> bytes:
    """What a token of ``request`` is bound to: the method and every field of the request
    except the page token and page size."""
    bound = type(request)()
    bound.CopyFrom(request)
    for name in _UNBOUND:
        if name in bound.DESCRIPTOR.fields_by_name:
            bound.ClearField(name)
    digest = hashlib.sha256(method.encode())
    digest.update(bound.SerializeToString(deterministic=True))
    return digest.digest()


class PageTokens:
    """Seals and opens one service's page tokens.

    Args:
        key: The service's 32-byte page-token key.
    """

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, cursor: str, binding: bytes) -> str:
        """The token carrying ``cursor`` for a request of ``binding``."""
        nonce = secrets.token_bytes(_NONCE)
        sealed = self._aead.encrypt(nonce, cursor.encode(), _VERSION + binding)
        return base64.urlsafe_b64encode(_VERSION + nonce + sealed).decode().rstrip("=")

    def open(self, token: str, binding: bytes) -> str | FieldViolation:
        """The cursor ``token`` carries, or the violation naming ``page_token`` when it is not
        a token this service made for a request of ``binding``."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            if raw[:1] != _VERSION or len(raw) < 1 + _NONCE + 16:
                raise ValueError("not a page token")
            nonce, sealed = raw[1:1 + _NONCE], raw[1 + _NONCE:]
            return self._aead.decrypt(nonce, sealed, _VERSION + binding).decode()
        except (binascii.Error, ValueError, InvalidTag, UnicodeDecodeError):
            return FieldViolation(PAGE_TOKEN, "not a page token of this list: pass back the "
                                  "next_page_token of the previous page, with the same "
                                  "request otherwise", "page_token.invalid")

    def open_request(self, method: str, request: Any) -> tuple[bytes, list[FieldViolation]]:
        """Replace ``request.page_token`` by the cursor it carries; returns the request's
        binding (for :meth:`seal_response`) and the violation when the token does not open."""
        binding = binding_of(method, request)
        if request.page_token:
            opened = self.open(request.page_token, binding)
            if isinstance(opened, FieldViolation):
                return binding, [opened]
            request.page_token = opened
        return binding, []

    def seal_response(self, response: Any, binding: bytes) -> None:
        """Seal the cursor a handler put in ``response.next_page_token``."""
        if response.next_page_token:
            response.next_page_token = self.seal(response.next_page_token, binding)
