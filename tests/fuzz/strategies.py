"""Hypothesis strategies for any request message, derived from its descriptor and the
protovalidate rules on its fields (:mod:`tests.fuzz.values` says what each field may hold).

Requests take four ways in turn: *valid* (typical values only, names in the fuzz tenant or
names the services gave, so handlers really run); *one extreme field* (a valid request but for
one field, at any depth, at an edge its rules still allow: the longest string, the deepest
document, the largest list, the furthest time); *one invalid field* (the same, the field past
its rules); and *wild* (any field typical, extreme, invalid or unset, and the wire may end in
broken bytes). Each way is a quarter of the requests, and the odd field is any of the
request's fields alike. Any message may carry unknown fields.
"""

from __future__ import annotations

import functools
import json
import operator
from dataclasses import dataclass, replace
from typing import Any

from buf.validate import validate_pb2
from google.api import field_behavior_pb2
from google.protobuf import text_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

from tests.fuzz import values
from tests.fuzz.names import LONE_SURROGATE, KnownNames, Names

MAX_DEPTH = 3
_SURROGATE_UTF8 = b"\xed\xa0\x80"  # U+D800 as UTF-8 would spell it: invalid UTF-8
# Raw bytes after the serialized request: truncated varint, overlong length, field 0, a
# stray end-group.
_BROKEN_TAILS = (b"\x80", b"\x0a\xff\xff\xff\xff\x0f", b"\x00", b"\x0c")


@dataclass(frozen=True)
class Fuzzed:
    """One generated request: the message, and raw bytes sent after its serialized form.

    A :data:`~tests.fuzz.names.LONE_SURROGATE` in a string stands for U+D800, which
    protobuf's Python API cannot encode; both are three bytes in UTF-8, so the serialized
    message keeps its lengths when one replaces the other.
    """

    message: Message
    tail: bytes = b""

    def wire(self) -> bytes:
        """The request as sent over gRPC, lone surrogates spelled as invalid UTF-8."""
        raw = self.message.SerializeToString(deterministic=True)
        return raw.replace(LONE_SURROGATE.encode(), _SURROGATE_UTF8) + self.tail

    def __repr__(self) -> str:  # a failing example may hold megabytes
        text = text_format.MessageToString(self.message, as_one_line=True)
        shown = text if len(text) <= 2000 else f"{text[:2000]}... ({len(text)} characters)"
        return f"Fuzzed({self.message.DESCRIPTOR.name} {{{shown}}}, tail={self.tail!r})"


def json_bytes(value: Any) -> bytes:
    """``value`` as JSON text, lone surrogates spelled as ``\\ud800`` escapes."""
    return json.dumps(value).replace("\\uf8ff", "\\ud800").encode()


def requests(descriptor: Descriptor, tenant: str, known: KnownNames
             ) -> st.SearchStrategy[Fuzzed]:
    """Requests of type ``descriptor`` acting in ``tenant``, naming among others the
    resources ``known`` holds."""
    names = Names(tenant, known)
    paths = _leaf_paths(descriptor, 0)
    gens = ([_Gen(names)] * len(paths) + [_Gen(names, focus=p) for p in paths]
            + [_Gen(names, focus=p, odd="invalid") for p in paths]
            + [_Gen(names, wild=True)] * len(paths))
    # The way and the odd field come from a seeded random.Random, not from Hypothesis's own
    # choices, which favour the first few (one field of a request was never odd in 200).
    return st.randoms(use_true_random=True).flatmap(
        lambda pick: _request(descriptor, pick.choice(gens)))


@functools.cache
def _leaf_paths(descriptor: Descriptor, depth: int) -> tuple[tuple[str, ...], ...]:
    """The paths of every field a request may set, nested messages' fields included."""
    paths: list[tuple[str, ...]] = []
    for field in descriptor.fields:
        paths.append((field.name,))
        nested = field.message_type
        if (nested is not None and not _is_map(field) and depth + 1 < MAX_DEPTH
                and not nested.full_name.startswith("google.protobuf.")):
            paths += [(field.name, *path) for path in _leaf_paths(nested, depth + 1)]
    return tuple(paths) or ((),)


@dataclass(frozen=True)
class _Gen:
    """How to draw the values of one message or field."""

    names: Names
    wild: bool = False  # any field typical, extreme, invalid or unset
    # The path, from here, of the one field that is odd: None when none is below, () when it
    # is this one.
    focus: tuple[str, ...] | None = None
    odd: str = "extreme"  # what that field is: "extreme" or "invalid"
    long: bool = True  # not inside a list or map past its limit: long strings and lists

    def enter(self, field: FieldDescriptor) -> _Gen:
        """How to draw ``field`` of the message this draws."""
        if self.focus and self.focus[0] == field.name:
            return replace(self, focus=self.focus[1:])
        return replace(self, focus=None) if self.focus is not None else self

    @property
    def here(self) -> bool:
        """Whether this is the odd field."""
        return self.focus == ()

    def pick(self, choices: values.Values) -> st.SearchStrategy[Any]:
        if self.here:
            return getattr(choices, self.odd)  # type: ignore[no-any-return]
        if self.wild:
            return st.one_of(choices.typical, choices.extreme, choices.invalid)
        return choices.typical


@functools.cache
def _request(descriptor: Descriptor, gen: _Gen) -> st.SearchStrategy[Fuzzed]:
    tail = st.just(b"") | st.sampled_from(_BROKEN_TAILS) if gen.wild else st.just(b"")
    return st.builds(Fuzzed, _message(descriptor, gen, 0), tail)


@functools.cache
def _message(descriptor: Descriptor, gen: _Gen, depth: int) -> st.SearchStrategy[Message]:
    cls = GetMessageClass(descriptor)
    if depth >= MAX_DEPTH:
        return st.builds(cls)
    required, optional = {}, {}
    for field in descriptor.fields:
        inner = gen.enter(field)
        drawn = _field(field, descriptor, inner, depth)
        always = inner.focus is not None or (_always_set(field) and not gen.wild)
        (required if always else optional)[field.name] = drawn
    for oneof in descriptor.oneofs:  # at most one member; one of each required oneof
        chosen = [f for f in oneof.fields if f.name in required]
        for member in oneof.fields if chosen else ():
            if member not in chosen:
                optional.pop(member.name, None)
        if oneof.GetOptions().Extensions[validate_pb2.oneof].required and not (
                gen.wild or chosen):
            required[oneof.name] = st.one_of(*(
                st.tuples(st.just(f.name), _field(f, descriptor, gen.enter(f), depth))
                for f in oneof.fields))
    return st.builds(_build, st.just(cls), st.fixed_dictionaries(required, optional=optional),
                     values.unknown_fields(descriptor))


def _build(cls: type[Message], drawn: dict[str, Any], unknown: bytes) -> Message:
    message = cls()
    for name, value in drawn.items():
        if name in message.DESCRIPTOR.oneofs_by_name:  # a (member, value) pair
            name, value = value
        field = message.DESCRIPTOR.fields_by_name[name]
        if _is_map(field):
            target = getattr(message, name)
            for key, item in value.items():
                if isinstance(item, Message):
                    target[key].CopyFrom(item)
                else:
                    target[key] = item
        elif field.is_repeated:
            getattr(message, name).extend(value)
        elif field.message_type is not None:
            getattr(message, name).CopyFrom(value)
        else:
            setattr(message, name, value)
    message.MergeFromString(unknown)
    return message


def _always_set(field: FieldDescriptor) -> bool:
    """Whether a request that is not wild sets ``field``: it is required, or a scalar with
    rules (its default, zero or empty, may break them)."""
    behaviors = field.GetOptions().Extensions[field_behavior_pb2.field_behavior]
    rules = _rules(field)
    scalar = field.message_type is None and not field.is_repeated
    return (rules.required or field_behavior_pb2.REQUIRED in behaviors or (
        scalar and rules.WhichOneof("type") is not None)) and field.containing_oneof is None


def _rules(field: FieldDescriptor) -> validate_pb2.FieldRules:
    return field.GetOptions().Extensions[validate_pb2.field]  # type: ignore[no-any-return]


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _field(field: FieldDescriptor, owner: Descriptor, gen: _Gen, depth: int
           ) -> st.SearchStrategy[Any]:
    rules = _rules(field)
    # Items of a list or map at or past its limit are short: no long strings or lists in
    # them, or a wild request would nest a thousand lists of a thousand.
    short = replace(gen, focus=None, long=False)
    if _is_map(field):
        entry = field.message_type
        key, value = entry.fields_by_name["key"], entry.fields_by_name["value"]

        def pairs(of: _Gen) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
            return (_single(key, rules.map.keys, owner, of, depth),
                    _single(value, rules.map.values, owner, of, depth))

        typical = st.dictionaries(*pairs(short if gen.here else gen), max_size=3)
        if not gen.long:
            return typical
        sizes = values.sizes(rules.map.min_pairs, rules.map.max_pairs
                             if rules.map.HasField("max_pairs") else None)
        return gen.pick(values.Values(typical, *(st.builds(_many_pairs, *pairs(short), size)
                                                 for size in (sizes.extreme, sizes.invalid))))
    if not field.is_repeated:
        return _single(field, rules, owner, gen, depth)
    single = _single(field, rules.repeated.items, owner, short if gen.here else gen, depth)
    low = rules.repeated.min_items
    limit = rules.repeated.max_items if rules.repeated.HasField("max_items") else None
    typical = st.lists(single, min_size=max(low, gen.focus is not None),
                       max_size=max(low, 1, min(limit or 3, 3)),
                       unique=rules.repeated.unique and field.message_type is None)
    if not gen.long:
        return typical
    sizes = values.sizes(low, limit)
    one = _single(field, rules.repeated.items, owner, short, depth).map(lambda item: [item])
    return gen.pick(values.Values(typical, st.builds(operator.mul, one, sizes.extreme),
                                  st.builds(operator.mul, one, sizes.invalid)))


def _many_pairs(key: Any, value: Any, size: int) -> dict[Any, Any]:
    if isinstance(key, bool):
        return {key: value}
    if isinstance(key, int):
        return {key + i: value for i in range(size)}
    return {f"{key}{i}": value for i in range(size)}


def _single(field: FieldDescriptor, rules: validate_pb2.FieldRules, owner: Descriptor,
            gen: _Gen, depth: int) -> st.SearchStrategy[Any]:
    """One value of ``field`` (an item, for a list or map)."""
    kind = field.type
    if kind == FieldDescriptor.TYPE_MESSAGE:
        well_known = {
            "google.protobuf.Duration": lambda: values.durations(
                rules.duration, wait=field.name == values.LONG_POLL_FIELD),
            "google.protobuf.Timestamp": values.timestamps,
            "google.protobuf.FieldMask": lambda: values.field_masks(owner),
            "google.protobuf.Struct": values.structs,
        }.get(field.message_type.full_name)
        if well_known is not None:
            return gen.pick(well_known())
        # An odd message is a wild one.
        inner = replace(gen, focus=None, wild=True) if gen.here else gen
        return _message(field.message_type, inner, depth + 1)
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == FieldDescriptor.TYPE_STRING:
        choices = values.strings(field, rules.string, owner, gen.names, long=gen.long,
                                 huge=gen.long and depth <= 1)
    elif kind == FieldDescriptor.TYPE_BYTES:
        choices = values.binaries(rules.bytes, long=gen.long)
    elif kind == FieldDescriptor.TYPE_ENUM:
        choices = values.enums(field, rules)
    elif kind in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
        choices = values.floats(kind, getattr(rules, rules.WhichOneof("type") or "double"))
    else:
        choices = values.integers(kind, getattr(rules, rules.WhichOneof("type") or "int64"))
    return gen.pick(choices)
