"""An Update reads only the fields its mask names: whatever the others hold (an enum number
no contract defines, here), validation ignores them (AIP-134) and so must conversion. Checked
for the ``*_changes`` converter of every service."""

from __future__ import annotations

import importlib
import inspect
import typing
from collections.abc import Callable, Iterator

import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from shared.mesh.registry import SERVICES

UNDEFINED = 2_147_483_647


def _converters() -> Iterator[Callable[..., dict[str, object]]]:
    for spec in SERVICES:
        module = importlib.import_module(f"services.{spec.package}.convert")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.endswith("_changes") and function.__module__ == module.__name__:
                yield function


def _poisoned(message: Message, depth: int = 0) -> None:
    """Every enum field of ``message`` (and of one item of each list of messages) set to a
    number its enum does not define."""
    for field in message.DESCRIPTOR.fields:
        if field.type == FieldDescriptor.TYPE_ENUM:
            if field.is_repeated:
                getattr(message, field.name).append(UNDEFINED)
            else:
                setattr(message, field.name, UNDEFINED)
        elif field.message_type is not None and depth < 2 \
                and not field.message_type.GetOptions().map_entry:
            if field.is_repeated:
                _poisoned(getattr(message, field.name).add(), depth + 1)
            elif field.message_type.full_name.startswith("cognition."):
                _poisoned(getattr(message, field.name), depth + 1)


def _plain_field(changes: Callable[..., dict[str, object]], message: Message) -> str:
    """A plain field of ``message`` that ``changes`` updates: a string, else a number (a
    resource with no string to update, like a lifecycle policy)."""
    plain = [f for f in message.DESCRIPTOR.fields if not f.is_repeated
             and f.message_type is None and f.type != FieldDescriptor.TYPE_ENUM]
    for field in sorted(plain, key=lambda f: f.type != FieldDescriptor.TYPE_STRING):
        try:
            changes(type(message)(), {field.name})
        except KeyError:
            continue
        return field.name
    raise AssertionError(f"{changes.__name__} updates no plain field")


CONVERTERS = list(_converters())


def test_every_service_with_an_update_has_a_converter_here() -> None:
    assert len(CONVERTERS) >= 9


@pytest.mark.parametrize("changes", CONVERTERS, ids=lambda f: f.__name__)
def test_an_unmasked_field_is_never_read(changes: Callable[..., dict[str, object]]) -> None:
    message_type = typing.get_type_hints(changes)["message"]
    message = message_type()
    _poisoned(message)
    field = _plain_field(changes, message)
    assert list(changes(message, {field})) == [field]
