"""Helpers for well-known protobuf types used by every service's ``convert.py``."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from google.protobuf import field_mask_pb2, timestamp_pb2

from shared.errors import InvalidArgument

D = TypeVar("D", bound=enum.Enum)

_EPOCH = dt.datetime(1970, 1, 1)
_UTC_EPOCH = _EPOCH.replace(tzinfo=dt.UTC)


@functools.cache
def enum_to_proto(proto_enum: Any, member: enum.Enum) -> Any:
    """Domain enum member -> proto enum number, by name: ``GoalState.RUNNING`` ->
    ``GOAL_STATE_RUNNING`` (the proto enum's prefix is derived from its name)."""
    return int(proto_enum.Value(f"{_prefix(proto_enum)}{member.value}"))


def enum_from_proto(proto_enum: Any, value: int, domain_enum: type[D], default: D) -> D:
    """Proto enum number -> domain member; ``*_UNSPECIFIED`` (0) gives ``default``."""
    if value == 0:
        return default
    return domain_enum(proto_enum.Name(value).removeprefix(_prefix(proto_enum)))


@functools.cache
def _prefix(proto_enum: Any) -> str:
    """``GoalState`` -> ``GOAL_STATE_``."""
    name: str = proto_enum.DESCRIPTOR.name
    return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(name)).upper() + "_"


def timestamp(value: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    """A Timestamp for ``value`` (None stays None, so the field stays unset)."""
    if value is None:
        return None
    # The arithmetic of Timestamp.FromDatetime (a naive value is UTC) without its time tuple.
    since = value - (_EPOCH if value.tzinfo is None else _UTC_EPOCH)
    return timestamp_pb2.Timestamp(seconds=since.days * 86400 + since.seconds,
                                   nanos=since.microseconds * 1000)


def datetime_of(stamp: timestamp_pb2.Timestamp, present: bool = True) -> dt.datetime | None:
    """The aware UTC datetime of ``stamp``, or None when the field is not set."""
    if not present:
        return None
    return stamp.ToDatetime(tzinfo=dt.UTC)


def mask_paths(mask: field_mask_pb2.FieldMask, allowed: Iterable[str],
               field: str = "update_mask") -> set[str]:
    """The paths of an update mask, all of them allowed; an empty mask means all allowed.

    Raises:
        InvalidArgument: A path names a field that cannot be updated.
    """
    allowed = set(allowed)
    paths = set(mask.paths)
    if not paths or paths == {"*"}:
        return allowed
    unknown = sorted(paths - allowed)
    if unknown:
        raise InvalidArgument.for_field(
            field, f"cannot update {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    return paths


def masked_changes(paths: Iterable[str], fields: Mapping[str, Callable[[], object]]
                   ) -> dict[str, object]:
    """The domain values an Update sets: ``fields[path]()`` for each masked path only.

    A field the mask leaves out is never read, whatever it holds (validation ignores it too:
    an Update applies the masked fields alone, AIP-134).
    """
    return {path: fields[path]() for path in paths}
