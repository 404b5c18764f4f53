"""What one field of a request may hold, by its type and protovalidate rules: *typical*
values within the rules, *extreme* ones at the edges the rules (or the type) allow, and
*invalid* ones past them."""

from __future__ import annotations

import functools
import json
import math
import operator
import re
from dataclasses import dataclass, replace
from typing import Any

from buf.validate import validate_pb2
from google.api import resource_pb2
from google.protobuf import duration_pb2, field_mask_pb2, struct_pb2, timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

from tests.fuzz.names import LONE_SURROGATE, Names

MEGABYTE = 1 << 20
# A request field asking the server to hold the call (a long poll), and the longest wait sent.
LONG_POLL_FIELD = "max_wait"
LONGEST_WAIT_S = 2
_TEXT = st.characters(codec="utf-8", exclude_characters=f"\x00{LONE_SURROGATE}")
# Text a field without a pattern takes: odd, but storable.
_EDGE_TEXT = (
    " ", "\ufeff", "\u202eevil", "\u0301", "\uffff", "\U0010ffff", "\u2028", "\r\n", "\x1b[2J",
    "İı", "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\uff54\uff45\uff4e\uff41\uff4e\uff54",
    "'; DROP TABLE x; --", "%s%n", "../../etc/passwd", "(a+)+$", "\\1(?=x)", "[", '{"a":',
    "null", "-1", "1e309", "NaN", 'state = "X" OR 1', "labels.k = v AND", "=", "*", "-",
    "http://169.254.169.254/latest/meta-data",
)
_BAD_TEXT = ("", "\x00", "a\x00b", LONE_SURROGATE, f"a{LONE_SURROGATE}b")
_BAD_MASK_PATHS = ("", "nope", "a.b.c", "Description", "labels.k", "x\x00", LONE_SURROGATE,
                   "x" * 300)
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
class Values:
    """The three kinds of value a field may take."""

    typical: st.SearchStrategy[Any]
    extreme: st.SearchStrategy[Any]
    invalid: st.SearchStrategy[Any]


def strings(field: FieldDescriptor, rules: validate_pb2.StringRules, owner: Descriptor,
            names: Names, *, long: bool, huge: bool) -> Values:
    """Values of a string field; ``long`` allows 64 KB strings, ``huge`` 1 MB ones."""
    limit = rules.max_len if rules.HasField("max_len") else None
    past = [st.sampled_from(_BAD_TEXT), names.broken(), st.text(max_size=40).map(_no_marker)]
    if limit is not None and (long or limit < 1000):
        past.append(_many("x", limit + 1))
    if huge:
        past.append(_many("x", MEGABYTE))
    edges = st.sampled_from(_EDGE_TEXT)
    if rules.pattern:
        pattern = rules.pattern
        regex = st.from_regex(pattern, fullmatch=True, alphabet=_TEXT).filter(
            lambda s: len(s) <= (limit or 4096))
        typical = names.or_known(regex.map(lambda s: names.moved_here(s, pattern)), pattern)
        # Another tenant's names are valid, and must be answered as if nothing were there.
        return Values(typical, regex, st.one_of(*past, edges))
    if rules.email:
        return Values(st.emails(), st.emails(), st.one_of(*past, edges))
    resource = owner.GetOptions().Extensions[resource_pb2.resource]
    if field.name == "name" and resource.pattern:
        pattern = resource.pattern[0]
        typical = names.or_known(names.of(pattern), re.sub(r"\{\w+\}", "[^/]+", pattern))
        return Values(typical, names.of(pattern, st.sampled_from(("-", "other", "a" * 63))),
                      st.one_of(*past, edges))
    top = limit if limit is not None else 65_536
    fits = functools.partial(_fits, rules.min_len, top)
    typical = st.text(_TEXT, min_size=rules.min_len, max_size=max(rules.min_len, min(top, 24)))
    extreme = [edges.filter(fits), st.builds(_nested, st.sampled_from((100, 900)),
                                             st.booleans()).filter(fits)]
    if long:
        extreme += [st.builds(_repeated, st.sampled_from(("x", "é", "\U0001f642", "[", "- ")),
                              st.just(min(top, 65_536))),
                    st.builds(_nested, st.just(5000), st.booleans()).filter(fits)]
    typical |= _JSON_TEXT.filter(fits)
    # AIP-155 and AIP-154: a request id used twice replays the first call, and an etag that
    # is not the resource's is ABORTED; typical requests reach the handler.
    if field.name == "request_id":
        typical = st.just("") | st.uuids().map(str)
    elif field.name == "etag":
        typical = st.just("")
    return Values(typical, st.one_of(*extreme), st.one_of(*past))


def _many(unit: Any, count: int) -> st.SearchStrategy[Any]:
    """``unit * count``, made when drawn: strategies live as long as the run, and a
    megabyte held by each would add up to gigabytes."""
    return st.builds(operator.mul, st.just(unit), st.just(count))


def _fits(low: int, high: int, text: str) -> bool:
    return low <= len(text) <= high


def _repeated(unit: str, length: int) -> str:
    return unit * (length // len(unit))


def _nested(depth: int, arrays: bool) -> str:
    """A JSON (and YAML) document nested ``depth`` deep: arrays, or schemas' ``items``."""
    if arrays:
        return "[" * depth + "]" * depth
    return '{"items":' * depth + "{}" + "}" * depth


def _no_marker(text: str) -> str:
    return text.replace(LONE_SURROGATE, "")


def binaries(rules: validate_pb2.BytesRules, *, long: bool) -> Values:
    limit = rules.max_len if rules.HasField("max_len") else 65_536
    extreme = st.sampled_from((b"\x00", b"\xff\xfe")) | (
        _many(b"\x00", limit) if long else st.binary(max_size=64))
    invalid = _many(b"\x00", limit + 1) if long else st.binary(max_size=256)
    return Values(st.binary(max_size=32), extreme, invalid)


def integers(kind: int, rules: Message) -> Values:
    low, high = _INT_RANGES[kind]
    lo = _bound(rules, "gte", "gt", low, +1)
    hi = _bound(rules, "lte", "lt", high, -1)
    start = min(hi, max(lo, 0))
    extreme = st.sampled_from(sorted({lo, hi, start}))
    outside = [v for v in (lo - 1, hi + 1, low, high) if low <= v <= high and not lo <= v <= hi]
    return Values(st.integers(start, min(hi, start + 1000)), extreme,
                  st.sampled_from(outside) if outside else extreme)


def _bound(rules: Message, inclusive: str, exclusive: str, default: Any, step: Any) -> Any:
    if rules.HasField(inclusive):
        return getattr(rules, inclusive)
    if rules.HasField(exclusive):
        return getattr(rules, exclusive) + step
    return default


def floats(kind: int, rules: Message) -> Values:
    width = 32 if kind == FieldDescriptor.TYPE_FLOAT else 64
    lo = _bound(rules, "gte", "gt", None, 0.0)
    hi = _bound(rules, "lte", "lt", None, 0.0)
    tiny, most = (1e-45, 3.4028234663852886e38) if width == 32 else (5e-324, 1.7e308)
    typical = st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=width,
                        exclude_min=rules.HasField("gt"), exclude_max=rules.HasField("lt"))
    inside = [v for v in (lo, hi, -0.0, tiny, most, -most) if v is not None
              and (lo is None or v >= lo) and (hi is None or v <= hi)]
    outside = [math.nan, math.inf, -math.inf] + [v for v in (
        lo - 1 if lo is not None else None, hi + 1 if hi is not None else None) if v is not None]
    return Values(typical, st.sampled_from(inside), st.sampled_from(outside))


def enums(field: FieldDescriptor, rules: validate_pb2.FieldRules) -> Values:
    numbers = sorted(v.number for v in field.enum_type.values)
    listed = getattr(rules.enum, "in")
    allowed = [n for n in numbers if n not in rules.enum.not_in and (not listed or n in listed)
               and not (n == 0 and rules.required)] or numbers
    refused = [n for n in numbers if n not in allowed]
    return Values(st.sampled_from(allowed), st.sampled_from(sorted({allowed[0], allowed[-1]})),
                  st.sampled_from((*refused, numbers[-1] + 1, -1, 2**31 - 1, -(2**31))))


def durations(rules: validate_pb2.DurationRules, *, wait: bool = False) -> Values:
    """Values of a Duration field; a ``wait`` (a long poll's) is one the call sits through,
    so its valid values stay within :data:`LONGEST_WAIT_S` (the edge's timeouts for the
    longest wait a contract allows are checked by tests/unit/cognos/test_envoy_routes.py)."""
    lo = rules.gte.seconds if rules.HasField("gte") else (
        rules.gt.seconds + 1 if rules.HasField("gt") else 0)
    hi = rules.lte.seconds if rules.HasField("lte") else _DURATION_SECONDS
    if wait:
        return replace(durations(rules), extreme=st.just(_duration(min(hi, LONGEST_WAIT_S), 0)))
    # Typical durations stay short: some are waits (long polls) the call sits through.
    typical = st.builds(_duration, st.integers(lo, max(lo, min(hi, 2) - 1)),
                        st.sampled_from((0, 500_000_000)))
    extreme = st.sampled_from(((hi, 0), (lo if rules.HasField("gte") or rules.HasField("gt")
                                         else -_DURATION_SECONDS, 0)))
    invalid = st.sampled_from(((hi + 1, 0), (lo - 1, 0), (_DURATION_SECONDS + 1, 0),
                               (1, -1), (-1, 1), (0, 1_000_000_000), (2**63 - 1, 0)))
    return Values(typical, extreme.map(lambda p: _duration(*p)),
                  invalid.map(lambda p: _duration(*p)))


def _duration(seconds: int, nanos: int) -> duration_pb2.Duration:
    return duration_pb2.Duration(seconds=seconds, nanos=nanos)


def timestamps() -> Values:
    low, high = _TIME_SECONDS
    typical = st.builds(_timestamp, st.integers(0, 4_102_444_800), st.integers(0, 999_999_999))
    extreme = st.sampled_from(((high, 999_999_999), (low, 0)))
    invalid = st.sampled_from(((low - 1, 0), (high + 1, 0), (0, -1), (0, 1_000_000_000),
                               (-(2**63), 0), (2**63 - 1, 0)))
    return Values(typical, extreme.map(lambda p: _timestamp(*p)),
                  invalid.map(lambda p: _timestamp(*p)))


def _timestamp(seconds: int, nanos: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)


def field_masks(owner: Descriptor) -> Values:
    """Masks over the fields of the resource the request carries beside the mask."""
    resources = [f.message_type for f in owner.fields if f.message_type is not None
                 and f.message_type.full_name != "google.protobuf.FieldMask"] or [owner]
    names = sorted({f.name for r in resources for f in r.fields})
    typical = st.just([]) | st.lists(st.sampled_from(names), min_size=1, max_size=2,
                                     unique=True)
    extreme = st.sampled_from((["*"], names, []))
    invalid = st.lists(st.sampled_from(_BAD_MASK_PATHS) | st.sampled_from(names), min_size=1,
                       max_size=4, unique=True)
    return Values(*(s.map(_mask) for s in (typical, extreme, invalid)))


def _mask(paths: list[str]) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=paths)


def structs() -> Values:
    leaves = st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(_TEXT, max_size=8)
    values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(_TEXT, max_size=8), inner, max_size=3),
                          max_leaves=8)
    typical = st.dictionaries(st.text(_TEXT, max_size=8), values, max_size=3)
    # Nested within, and past, the parsers' recursion limit (100).
    return Values(*(s.map(_struct) for s in (typical, st.just(_deep(50)), st.just(_deep(120)))))


def _deep(depth: int) -> dict[str, Any]:
    return functools.reduce(lambda inner, _: {"a": inner}, range(depth), {})


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def sizes(low: int, limit: int | None) -> Values:
    """Sizes of a list or map: at its limit (large without one), and past its bounds."""
    extreme = st.just(limit) if limit is not None else st.just(1000)
    outside = [n for n in ((limit + 1) if limit is not None else None, low - 1)
               if n is not None and n >= 0]
    return Values(st.just(low), extreme, st.sampled_from(outside) if outside else extreme)


def unknown_fields(descriptor: Descriptor) -> st.SearchStrategy[bytes]:
    """One field no version of ``descriptor`` defines, of any wire type, or none."""
    top = max((f.number for f in descriptor.fields), default=0)
    numbers = st.sampled_from((top + 1, top + 7, 1000, 2**29 - 1))
    payloads = st.one_of(
        st.integers(0, 2**64 - 1).map(lambda v: (0, _varint(v))),
        st.binary(min_size=8, max_size=8).map(lambda b: (1, b)),
        st.binary(max_size=64).map(lambda b: (2, _varint(len(b)) + b)),
        st.binary(min_size=4, max_size=4).map(lambda b: (5, b)))
    return st.just(b"") | st.builds(lambda n, p: _varint(n << 3 | p[0]) + p[1], numbers,
                                     payloads)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)
