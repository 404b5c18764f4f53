"""Hypothesis strategies for any request message, derived from its descriptor and the
protovalidate rules on its fields.

A request is drawn *valid-looking* (every field within its rules, names in the fuzz tenant or
names the services gave, so handlers really run), *nearly valid* (about one field in six takes
an odd value, which often still passes the rules and reaches the handler) or *wild* (any field
may be odd or unset, and the wire may end in broken bytes). Odd values are the edges of a
field's type and garbage: NUL, lone surrogates, 1 MB strings, deep nesting, lists and maps past
their limits, unknown enum numbers, out-of-range times, bogus field-mask paths. Any message may
carry unknown fields.
"""

from __future__ import annotations

import collections
import functools
import json
import math
import operator
import re
from dataclasses import dataclass, replace
from typing import Any

from buf.validate import validate_pb2
from google.api import field_behavior_pb2, resource_pb2
from google.protobuf import (
    duration_pb2,
    field_mask_pb2,
    struct_pb2,
    text_format,
    timestamp_pb2,
)
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

# Stands for a lone surrogate, which protobuf's Python API cannot encode: both are three bytes
# in UTF-8, so the serialized message keeps its lengths when one replaces the other.
LONE_SURROGATE = "\uf8ff"
_SURROGATE_UTF8 = b"\xed\xa0\x80"  # U+D800 as UTF-8 would spell it: invalid UTF-8
MEGABYTE = 1 << 20
MAX_DEPTH = 3
_TEXT = st.characters(codec="utf-8", exclude_characters=f"\x00{LONE_SURROGATE}")
_ODD_TEXT = (
    "", " ", "\x00", "a\x00b", LONE_SURROGATE, f"a{LONE_SURROGATE}b", "\ufeff", "\u202eevil",
    "\u0301", "\uffff", "\U0010ffff", "\u2028", "\r\n", "\x1b[2J", "İı",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\uff54\uff45\uff4e\uff41\uff4e\uff54",
    "'; DROP TABLE x; --", "%s%n", "../../etc/passwd", "(a+)+$", "\\1(?=x)", "[", '{"a":',
    "null", "-1", "1e309", "NaN", 'state = "X" OR 1', "labels.k = v AND", "=", "*", "-",
    "http://169.254.169.254/latest/meta-data",
)
_ODD_MASK_PATHS = ("", "*", "nope", "a.b.c", "name", "Description", "etag", "create_time",
                   "labels.k", "x\x00", LONE_SURROGATE, "x" * 300)
# Raw bytes after the serialized request: truncated varint, overlong length, field 0, a
# stray end-group.
_BROKEN_TAILS = (b"\x80", b"\x0a\xff\xff\xff\xff\x0f", b"\x00", b"\x0c")
_INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
# Range of Timestamp seconds (years 1 to 9999) and of Duration seconds (about 10,000 years).
_TIME_SECONDS = (-62_135_596_800, 253_402_300_799)
_DURATION_SECONDS = 315_576_000_000


# Small JSON documents (JSON is YAML too), for the fields that hold one.
_JSON_TEXT = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(_TEXT, max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(("type", "properties", "items", "pattern", "required", "name", "steps"))
        | st.text(_TEXT, max_size=6), inner, max_size=3),
    max_leaves=6).map(json.dumps)


@dataclass(frozen=True)
class Fuzzed:
    """One generated request: the message, and raw bytes sent after its serialized form."""

    message: Message
    tail: bytes = b""

    def wire(self) -> bytes:
        """The request as sent over gRPC, lone surrogates spelled as invalid UTF-8."""
        raw = self.message.SerializeToString(deterministic=True)
        return raw.replace(LONE_SURROGATE.encode(), _SURROGATE_UTF8) + self.tail

    def __repr__(self) -> str:  # a falsifying example may hold megabytes
        text = text_format.MessageToString(self.message, as_one_line=True)
        shown = text if len(text) <= 2000 else f"{text[:2000]}... ({len(text)} characters)"
        return f"Fuzzed({self.message.DESCRIPTOR.name} {{{shown}}}, tail={self.tail!r})"


def json_bytes(value: Any) -> bytes:
    """``value`` as JSON text, lone surrogates spelled as ``\\ud800`` escapes."""
    return json.dumps(value).replace("\\uf8ff", "\\ud800").encode()


class KnownNames:
    """The latest resource names the services answered with, for later requests to name (an
    Update or Delete of a goal that exists reaches further than one of a goal that does not)."""

    def __init__(self, keep: int = 200) -> None:
        self._names: collections.deque[str] = collections.deque(maxlen=keep)

    def remember(self, message: Message) -> None:
        """Every ``name`` in ``message``, nested messages and lists included."""
        for field, value in message.ListFields():
            if field.name == "name" and field.type == FieldDescriptor.TYPE_STRING:
                if value and value not in self._names:
                    self._names.append(value)
            elif field.message_type is not None and not _is_map(field):
                for item in value if field.is_repeated else [value]:
                    self.remember(item)

    def pick(self, generated: str, index: int, pattern: str) -> str:
        """The ``index``-th known name that matches ``pattern``; ``generated`` if none does."""
        matching = [n for n in self._names if re.fullmatch(pattern, n)]
        return matching[index % len(matching)] if matching else generated


def requests(descriptor: Descriptor, tenant: str, known: KnownNames
             ) -> st.SearchStrategy[Fuzzed]:
    """Requests of type ``descriptor`` acting in ``tenant`` and naming resources ``known``
    holds among others: a third each valid-looking, nearly valid and wild."""
    return st.sampled_from((0, 6, 2)).flatmap(
        lambda odds: _request(descriptor, _Gen(tenant, known, odds)))


@dataclass(frozen=True)
class _Gen:
    tenant: str
    known: KnownNames
    odds: int  # one field in ``odds`` takes an odd value (0: none)
    compact: bool = False  # inside a list or map past its limit: no long strings or lists

    @property
    def wild(self) -> bool:
        return self.odds == 2

    def named(self, names: st.SearchStrategy[str], pattern: str) -> st.SearchStrategy[str]:
        """``names``, or known names that match ``pattern``."""
        return names | st.tuples(names, st.integers(0, 255)).map(
            lambda drawn: self.known.pick(*drawn, pattern))

    def either(self, valid: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]
               ) -> st.SearchStrategy[Any]:
        if not self.odds:
            return valid
        return st.integers(1, self.odds).flatmap(lambda i: odd if i == 1 else valid)

    def retarget(self, name: str, pattern: str) -> str:
        """``name`` moved into the fuzz tenant, if its pattern still matches."""
        moved = re.sub(r"^tenants/[^/]*", f"tenants/{self.tenant}", name, count=1)
        return moved if re.fullmatch(pattern, moved) else name

    def odd_names(self) -> st.SearchStrategy[str]:
        t = self.tenant
        return st.sampled_from((
            "tenants", "tenants/", "tenants/-", "tenants//goals/x", "tenants/*", f"/tenants/{t}",
            f"tenants/{t}/", f"tenants/{t}/goals", f"tenants/{t}/goals/-", f"TENANTS/{t}",
            f"tenants/{t}/goals/../x", f"tenants/{t}/goals/a%2Fb", f"tenants/{t}/nothing/x",
            f"tenants/{t}/goals/x/tasks/y/z", f"tenants/{t}/goals/{'a' * 300}",
            f"tenants/{t}/goals/{LONE_SURROGATE}", f"tenants/{t}\x00"))


@functools.cache
def _request(descriptor: Descriptor, gen: _Gen) -> st.SearchStrategy[Fuzzed]:
    tail = st.one_of(st.just(b""), st.sampled_from(_BROKEN_TAILS)) if gen.wild else st.just(b"")
    return st.builds(Fuzzed, _message(descriptor, gen, 0), tail)


@functools.cache
def _message(descriptor: Descriptor, gen: _Gen, depth: int) -> st.SearchStrategy[Message]:
    special = _WELL_KNOWN.get(descriptor.full_name)
    if special is not None:
        return special(gen)
    cls = GetMessageClass(descriptor)
    if depth >= MAX_DEPTH:
        return st.builds(cls)
    required, optional = {}, {}
    for field in descriptor.fields:
        values = _field(field, descriptor, gen, depth)
        (required if _always_set(field) and not gen.wild else optional)[field.name] = values
    for oneof in descriptor.oneofs:  # a valid-looking request sets one member of each required
        if oneof.GetOptions().Extensions[validate_pb2.oneof].required and not gen.wild:
            required[oneof.name] = st.one_of(*(
                st.tuples(st.just(f.name), _field(f, descriptor, gen, depth))
                for f in oneof.fields))
    unknown = st.one_of(st.just(b""), _unknown_field(descriptor))
    return st.builds(_build, st.just(cls), st.fixed_dictionaries(required, optional=optional),
                     unknown)


def _build(cls: type[Message], values: dict[str, Any], unknown: bytes) -> Message:
    message = cls()
    for name, value in values.items():
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
    """Whether a valid-looking request sets ``field``: it is required, or a scalar with rules
    (its default, zero or empty, may break them)."""
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
    if _is_map(field):
        entry = field.message_type
        keys = _single(entry.fields_by_name["key"], rules.map.keys, owner, gen, depth)
        values = _single(entry.fields_by_name["value"], rules.map.values, owner, gen, depth)
        limit = rules.map.max_pairs if rules.map.HasField("max_pairs") else None
        normal = st.dictionaries(keys, values, max_size=3)
        if gen.compact:
            return normal
        small = replace(gen, compact=True)
        keys = _single(entry.fields_by_name["key"], rules.map.keys, owner, small, depth)
        values = _single(entry.fields_by_name["value"], rules.map.values, owner, small, depth)
        return gen.either(normal, st.builds(_many_pairs, keys, values, _sizes(limit)))
    items = rules.repeated.items if field.is_repeated else rules
    single = _single(field, items, owner, gen, depth)
    if not field.is_repeated:
        return single
    lo = rules.repeated.min_items
    limit = rules.repeated.max_items if rules.repeated.HasField("max_items") else None
    normal = st.lists(single, min_size=lo, max_size=max(lo, min(limit or 3, 3)),
                      unique=rules.repeated.unique and field.message_type is None)
    if gen.compact:
        return normal
    one = _single(field, items, owner, replace(gen, compact=True), depth).map(lambda x: [x])
    return gen.either(normal, st.builds(operator.mul, one, _sizes(limit)))


def _sizes(limit: int | None) -> st.SearchStrategy[int]:
    """Sizes of a list or map at and past its limit (or merely large without one)."""
    return st.sampled_from((0, limit, limit + 1) if limit is not None else (0, 1000))


def _many_pairs(key: Any, value: Any, size: int) -> dict[Any, Any]:
    if isinstance(key, bool):
        return {key: value}
    if isinstance(key, int):
        return {key + i: value for i in range(size)}
    return {f"{key}{i}": value for i in range(size)}


def _single(field: FieldDescriptor, rules: validate_pb2.FieldRules, owner: Descriptor,
            gen: _Gen, depth: int) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind == FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.full_name == "google.protobuf.Duration":
            return _duration(rules.duration, gen)
        if field.message_type.full_name == "google.protobuf.FieldMask":
            return _field_mask(owner, gen)
        return _message(field.message_type, gen, depth + 1)
    if kind == FieldDescriptor.TYPE_STRING:
        return _string(field, rules.string, owner, gen, depth)
    if kind == FieldDescriptor.TYPE_BYTES:
        return gen.either(st.binary(max_size=32), st.sampled_from(
            (b"", b"\x00", b"\xff\xfe", b"\x00" * MEGABYTE)) | st.binary(max_size=256))
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == FieldDescriptor.TYPE_ENUM:
        return _enum(field, rules, gen)
    if kind in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
        return _float(kind, getattr(rules, rules.WhichOneof("type") or "double"), gen)
    return _integer(kind, getattr(rules, rules.WhichOneof("type") or "int64"), gen)


def _string(field: FieldDescriptor, rules: validate_pb2.StringRules, owner: Descriptor,
            gen: _Gen, depth: int) -> st.SearchStrategy[str]:
    limit = rules.max_len if rules.HasField("max_len") else None
    if rules.pattern:
        pattern = rules.pattern
        valid = st.from_regex(pattern, fullmatch=True, alphabet=_TEXT).filter(
            lambda s: len(s) <= (limit or 4096))
        valid = gen.named(st.one_of(valid.map(lambda s: gen.retarget(s, pattern)), valid),
                          pattern)
    elif rules.email:
        valid = st.emails()
    elif field.name == "name" and owner.GetOptions().HasExtension(resource_pb2.resource):
        resource = owner.GetOptions().Extensions[resource_pb2.resource]
        valid = gen.named(_resource_name(resource, gen),
                          re.sub(r"\{\w+\}", "[^/]+", resource.pattern[0]))
    else:
        top = limit if limit is not None else 64
        short = st.text(_TEXT, min_size=rules.min_len, max_size=max(rules.min_len, min(top, 24)))
        valid = short | _JSON_TEXT.filter(lambda s: rules.min_len <= len(s) <= top)
        valid = valid | st.just("x" * top) if top <= MEGABYTE else valid
    odd = [st.sampled_from(_ODD_TEXT), gen.odd_names(), st.text(max_size=40).map(_no_marker)]
    if not gen.compact:
        size = min(limit or 65_536, 65_536)
        lengths = st.sampled_from((size, size + 1))
        odd += [st.builds(operator.mul, st.sampled_from(("x", "é", "\U0001f642", "\x00")), lengths),
                st.builds(operator.mul, st.sampled_from(("[", "- ")), lengths),
                st.builds(_nested, st.sampled_from((100, 900, 5000)), st.booleans())]
    if not gen.compact and depth <= 1:
        odd.append(st.just("x" * MEGABYTE))
    return gen.either(valid, st.one_of(odd))


def _nested(depth: int, arrays: bool) -> str:
    """A JSON (and YAML) document nested ``depth`` deep: arrays, or schemas' ``items``."""
    if arrays:
        return "[" * depth + "]" * depth
    return '{"items":' * depth + "{}" + "}" * depth


def _no_marker(text: str) -> str:
    return text.replace(LONE_SURROGATE, "")


def _resource_name(resource: resource_pb2.ResourceDescriptor, gen: _Gen
                   ) -> st.SearchStrategy[str]:
    ids = st.from_regex(r"[a-z0-9][a-z0-9-]{0,7}", fullmatch=True)

    def fill(pattern: str, values: list[str]) -> str:
        variables = iter(values)
        return re.sub(r"\{(\w+)\}", lambda m: gen.tenant if m.group(1) == "tenant"
                      else next(variables), pattern)

    pattern = resource.pattern[0]
    count = pattern.count("{")
    return st.builds(fill, st.just(pattern), st.lists(ids, min_size=count, max_size=count))


def _enum(field: FieldDescriptor, rules: validate_pb2.FieldRules, gen: _Gen
          ) -> st.SearchStrategy[int]:
    numbers = sorted(v.number for v in field.enum_type.values)
    listed = getattr(rules.enum, "in")
    allowed = [n for n in numbers if n not in rules.enum.not_in and (not listed or n in listed)
               and not (n == 0 and rules.required)]
    unknown = (numbers[-1] + 1, -1, 2**31 - 1, -(2**31))
    return gen.either(st.sampled_from(allowed or numbers), st.sampled_from(unknown))


def _integer(kind: int, rules: Message, gen: _Gen) -> st.SearchStrategy[int]:
    low, high = _INT_RANGES[kind]
    lo = _bound(rules, "gte", "gt", low, +1)
    hi = _bound(rules, "lte", "lt", high, -1)
    edges = [v for v in (low, high, 0, -1, 1, lo - 1, hi + 1) if low <= v <= high]
    start = min(hi, max(lo, 0))
    valid = st.one_of(st.sampled_from(sorted({start, lo if lo != low else start,
                                              hi if hi != high else start})),
                      st.integers(start, min(hi, start + 1000)))
    return gen.either(valid, st.sampled_from(edges) | st.integers(low, high))


def _bound(rules: Message, inclusive: str, exclusive: str, default: Any, step: Any) -> Any:
    if rules.HasField(inclusive):
        return getattr(rules, inclusive)
    if rules.HasField(exclusive):
        return getattr(rules, exclusive) + step
    return default


def _float(kind: int, rules: Message, gen: _Gen) -> st.SearchStrategy[float]:
    width = 32 if kind == FieldDescriptor.TYPE_FLOAT else 64
    lo = _bound(rules, "gte", "gt", None, 0.0)
    hi = _bound(rules, "lte", "lt", None, 0.0)
    valid = st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=width,
                      exclude_min=rules.HasField("gt"), exclude_max=rules.HasField("lt"))
    edges = st.sampled_from((math.nan, math.inf, -math.inf, -0.0, 5e-324 if width == 64
                             else 1e-45, 3.4028234663852886e38))
    return gen.either(valid, edges | st.floats(width=width))


def _duration(rules: validate_pb2.DurationRules, gen: _Gen
              ) -> st.SearchStrategy[duration_pb2.Duration]:
    lo = rules.gte.seconds if rules.HasField("gte") else 0
    lo += 1 if rules.HasField("gt") else 0
    hi = rules.lte.seconds if rules.HasField("lte") else _DURATION_SECONDS
    # Valid durations stay short: some are waits (long polls) the call would sit through.
    valid = st.builds(duration_pb2.Duration, seconds=st.integers(lo, max(lo, min(hi, 1))),
                      nanos=st.sampled_from((0, 500_000_000)))
    odd = st.builds(duration_pb2.Duration, seconds=st.sampled_from(
        (hi, hi + 1, lo - 1, _DURATION_SECONDS + 1, -_DURATION_SECONDS - 1, 2**63 - 1, 1)),
                    nanos=st.sampled_from((0, -1, 999_999_999, 1_000_000_000)))
    return gen.either(valid, odd)


def _timestamp(gen: _Gen) -> st.SearchStrategy[timestamp_pb2.Timestamp]:
    low, high = _TIME_SECONDS
    valid = st.builds(timestamp_pb2.Timestamp, seconds=st.integers(0, 4_102_444_800),
                      nanos=st.integers(0, 999_999_999))
    odd = st.builds(timestamp_pb2.Timestamp,
                    seconds=st.sampled_from((low, high, low - 1, high + 1, -(2**63), 2**63 - 1)),
                    nanos=st.sampled_from((0, -1, 999_999_999, 1_000_000_000, 2**31 - 1)))
    return gen.either(valid, odd)


def _field_mask(owner: Descriptor, gen: _Gen) -> st.SearchStrategy[field_mask_pb2.FieldMask]:
    """Masks over the fields of the resource the request carries beside the mask."""
    resources = [f.message_type for f in owner.fields if f.message_type is not None
                 and f.message_type.full_name != "google.protobuf.FieldMask"] or [owner]
    names = sorted({f.name for r in resources for f in r.fields} | {"*"})
    paths = gen.either(st.sampled_from(names), st.sampled_from(_ODD_MASK_PATHS))
    return st.builds(lambda p: field_mask_pb2.FieldMask(paths=p),
                     st.lists(paths, max_size=4, unique=True))


def _struct(gen: _Gen) -> st.SearchStrategy[struct_pb2.Struct]:
    leaves = st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(_TEXT, max_size=8)
    values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(_TEXT, max_size=8), inner, max_size=3),
                          max_leaves=8)
    # Nesting past the parsers' recursion limit (100).
    deep = st.sampled_from((1, 120)).map(
        lambda n: functools.reduce(lambda inner, _: {"a": inner}, range(n), {}))
    return st.builds(_to_struct, gen.either(st.dictionaries(st.text(_TEXT, max_size=8), values,
                                                            max_size=3), deep))


def _to_struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


_WELL_KNOWN = {"google.protobuf.Timestamp": _timestamp, "google.protobuf.Struct": _struct}


def _unknown_field(descriptor: Descriptor) -> st.SearchStrategy[bytes]:
    """One field no version of ``descriptor`` defines, of any wire type."""
    top = max((f.number for f in descriptor.fields), default=0)
    numbers = st.sampled_from((top + 1, top + 7, 1000, 2**29 - 1))
    payloads = st.one_of(
        st.integers(0, 2**64 - 1).map(lambda v: (0, _varint(v))),
        st.binary(min_size=8, max_size=8).map(lambda b: (1, b)),
        st.binary(max_size=64).map(lambda b: (2, _varint(len(b)) + b)),
        st.binary(min_size=4, max_size=4).map(lambda b: (5, b)))
    return st.builds(lambda n, p: _varint(n << 3 | p[0]) + p[1], numbers, payloads)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)
