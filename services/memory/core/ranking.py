"""Hybrid ranking of search candidates and maximal marginal relevance.

A candidate's score blends its cosine similarity to the query with how recent, how important
and how often read it is, by a namespace's :class:`RankingWeights`; the weights are
normalised, so a score stays within 0..1. Maximal marginal relevance (MMR) then picks, one at a
time, the candidate whose score least repeats what was already picked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence

import numpy as np

from services.memory.core.models import Memory, RankingWeights

# Reads at which the frequency term reaches half its weight.
FREQUENCY_HALF = 10


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A memory the vector index found, with its cosine similarity to the query."""

    memory: Memory
    similarity: float
    vector: np.ndarray


@dataclasses.dataclass(frozen=True)
class Ranked:
    """A candidate with its blended score."""

    memory: Memory
    similarity: float
    score: float
    vector: np.ndarray


def blended_score(memory: Memory, similarity: float, weights: RankingWeights,
                  now: dt.datetime) -> float:
    """``memory``'s score for a query it is ``similarity``-close to, 0..1."""
    total = weights.total
    if total <= 0:
        return max(0.0, similarity)
    last_seen = max(memory.create_time, memory.access_time or memory.create_time)
    age = max(0.0, (now - last_seen).total_seconds())
    recency = math.pow(0.5, age / weights.recency_half_life.total_seconds())
    frequency = memory.access_count / (memory.access_count + FREQUENCY_HALF)
    blended = (weights.similarity * max(0.0, similarity) + weights.recency * recency
               + weights.importance * memory.importance + weights.frequency * frequency)
    return blended / total


def rank(candidates: Sequence[Candidate], weights_of: dict[str, RankingWeights],
         now: dt.datetime) -> list[Ranked]:
    """Candidates by blended score, best first; each scored by its namespace's weights."""
    ranked = [Ranked(c.memory, c.similarity,
                     blended_score(c.memory, c.similarity, weights_of[c.memory.namespace], now),
                     c.vector) for c in candidates]
    ranked.sort(key=lambda r: r.score, reverse=True)
    return ranked


def choose(ranked: Sequence[Ranked], top_k: int, diversity: float = 0.0,
           per_namespace: int = 0) -> list[Ranked]:
    """The ``top_k`` to return: by score, or by maximal marginal relevance when
    ``diversity`` > 0; at most ``per_namespace`` from one namespace when it is set."""
    allowed = _per_namespace(ranked, per_namespace)
    if diversity <= 0 or len(allowed) <= 1:
        return list(allowed[:top_k])
    vectors = np.stack([r.vector for r in allowed])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1, norms)
    relevance = np.array([r.score for r in allowed])
    chosen: list[int] = []
    closest = np.full(len(allowed), -np.inf)  # similarity to the nearest chosen one
    for _ in range(min(top_k, len(allowed))):
        redundancy = np.where(np.isinf(closest), 0.0, closest)
        value = (1 - diversity) * relevance - diversity * redundancy
        value[chosen] = -np.inf
        pick = int(np.argmax(value))
        chosen.append(pick)
        closest = np.maximum(closest, unit @ unit[pick])
    return [allowed[i] for i in chosen]


def _per_namespace(ranked: Sequence[Ranked], limit: int) -> list[Ranked]:
    if limit <= 0:
        return list(ranked)
    taken: dict[str, int] = {}
    kept = []
    for r in ranked:
        if taken.get(r.memory.namespace, 0) < limit:
            taken[r.memory.namespace] = taken.get(r.memory.namespace, 0) + 1
            kept.append(r)
    return kept
