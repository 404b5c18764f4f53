"""Secrets in messages: fields the contracts mark ``[debug_redact = true]`` (passwords, token
and key secrets) must never be stored or hashed by the runtime."""

from __future__ import annotations

import functools

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message


@functools.lru_cache(maxsize=1024)
def has_secrets(descriptor: Descriptor) -> bool:
    """Whether messages of this type can carry a secret field, at any depth."""
    return _has_secrets(descriptor, frozenset())


def _has_secrets(descriptor: Descriptor, seen: frozenset[str]) -> bool:
    if descriptor.full_name in seen:
        return False
    seen = seen | {descriptor.full_name}
    for field in descriptor.fields:
        if field.GetOptions().debug_redact:
            return True
        if field.message_type is not None and _has_secrets(field.message_type, seen):
            return True
    return False


def without_secrets(message: Message) -> Message:
    """A copy of ``message`` with every secret field cleared."""
    copy = type(message)()
    copy.CopyFrom(message)
    if has_secrets(copy.DESCRIPTOR):
        _clear(copy)
    return copy


def _clear(message: Message) -> None:
    for field, value in message.ListFields():
        if field.GetOptions().debug_redact:
            message.ClearField(field.name)
        elif field.message_type is not None and has_secrets(field.message_type):
            if field.is_repeated:
                if not field.message_type.GetOptions().map_entry:
                    for item in value:
                        _clear(item)
            else:
                _clear(value)
