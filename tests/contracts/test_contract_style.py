"""What buf lint does not check: every external method is reachable over REST, every element
of a contract is documented, and every mutation can be made idempotent."""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterator

import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2

from cognition.options.v1 import access_pb2
from shared.mesh.registry import SERVICES

DESCRIPTOR_SET = importlib.resources.files("cognition") / "descriptor.binpb"


def our_files() -> list[descriptor_pb2.FileDescriptorProto]:
    fds = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes())
    return [f for f in fds.file if f.name.startswith("cognition/")]


def _message_paths(message: descriptor_pb2.DescriptorProto, path: tuple[int, ...],
                   name: str) -> Iterator[tuple[tuple[int, ...], str]]:
    yield path, name
    for i, field in enumerate(message.field):
        yield (*path, 2, i), f"{name}.{field.name}"
    for i, nested in enumerate(message.nested_type):
        if not nested.options.map_entry:
            yield from _message_paths(nested, (*path, 3, i), f"{name}.{nested.name}")
    for i, enum in enumerate(message.enum_type):
        yield from _enum_paths(enum, (*path, 4, i), f"{name}.{enum.name}")


def _enum_paths(enum: descriptor_pb2.EnumDescriptorProto, path: tuple[int, ...],
                name: str) -> Iterator[tuple[tuple[int, ...], str]]:
    yield path, name
    for i, value in enumerate(enum.value):
        yield (*path, 2, i), f"{name}.{value.name}"


def _elements(file: descriptor_pb2.FileDescriptorProto) -> Iterator[tuple[tuple[int, ...], str]]:
    for i, message in enumerate(file.message_type):
        yield from _message_paths(message, (4, i), message.name)
    for i, enum in enumerate(file.enum_type):
        yield from _enum_paths(enum, (5, i), enum.name)
    for i, service in enumerate(file.service):
        yield (6, i), service.name
        for j, method in enumerate(service.method):
            yield (6, i, 2, j), f"{service.name}.{method.name}"


@pytest.mark.parametrize("file", our_files(), ids=lambda f: f.name)
def test_every_element_is_documented(file: descriptor_pb2.FileDescriptorProto) -> None:
    documented = {tuple(loc.path) for loc in file.source_code_info.location
                  if loc.leading_comments.strip()}
    undocumented = [name for path, name in _elements(file) if path not in documented]
    assert undocumented == []


def test_every_method_has_a_rest_mapping() -> None:
    methods = {f"{f.package}.{s.name}/{m.name}": m for f in our_files() for s in f.service
               for m in s.method}
    assert {name.split("/")[0] for name in methods} == {s.full_service_name for s in SERVICES}
    unmapped = [name for name, m in methods.items()
                if not m.options.HasExtension(annotations_pb2.http)]
    assert unmapped == []


def test_every_create_accepts_a_request_id() -> None:
    messages = {f"{f.package}.{m.name}": m for f in our_files() for m in f.message_type}
    missing = [m.name for f in our_files() for s in f.service for m in s.method
               if m.name.startswith("Create")
               and "request_id" not in {x.name for x in messages[m.input_type[1:]].field}]
    assert missing == []


def test_every_method_declares_who_may_call_it() -> None:
    """A scope to hold, or anonymous: a method without a rule would serve any caller."""
    undeclared = []
    for file in our_files():
        for service in file.service:
            for method in service.method:
                rule = method.options.Extensions[access_pb2.access]  # type: ignore[index]
                if not rule.scope and not rule.anonymous:
                    undeclared.append(f"{file.package}.{service.name}/{method.name}")
    assert undeclared == []
