"""Vectors as a memory's row keeps them: little-endian float32 bytes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pack(vector: Sequence[float]) -> bytes:
    """``vector`` as float32 bytes."""
    return np.asarray(vector, dtype="<f4").tobytes()


def unpack(data: bytes) -> np.ndarray:
    """The float32 vector of ``data``."""
    return np.frombuffer(data, dtype="<f4")


def norm(data: bytes) -> float:
    """The Euclidean length of a packed vector."""
    return float(np.linalg.norm(unpack(data)))


def finite(data: bytes) -> bool:
    """Whether every component of a packed vector is a finite number."""
    return bool(np.isfinite(unpack(data)).all())
