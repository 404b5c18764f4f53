"""The content quality of output (``Validation.content_quality``, what MIN_SCORE compares): a
deterministic heuristic of the text alone, not a model. The validation's score is another
figure, made of its findings (:mod:`.judgement`).

``quality = (uniqueness + substance) / 2``, rounded to 4 decimals, where ``words`` are the runs
of letters, digits and underscores of the text, compared ignoring case:

- uniqueness: distinct word trigrams / word trigrams (1 with fewer than 3 words). Degenerate
  output that loops on itself scores low; ordinary prose scores close to 1.
- substance: ``min(1, len(words) / SUBSTANTIAL_WORDS)``. A one-word answer scores low.

Text without any word scores 0. The score says nothing about truth or relevance; it catches
empty, tiny and repetitive output cheaply and the same way every time.
"""

from __future__ import annotations

import re

SUBSTANTIAL_WORDS = 20
_WORD = re.compile(r"\w+")


def quality_score(text: str) -> float:
    """The score of ``text``, from 0 (worst) to 1 (best); see the module docstring."""
    words = _WORD.findall(text.casefold())
    if not words:
        return 0.0
    trigrams = list(zip(words, words[1:], words[2:], strict=False))
    uniqueness = len(set(trigrams)) / len(trigrams) if trigrams else 1.0
    substance = min(1.0, len(words) / SUBSTANTIAL_WORDS)
    return round((uniqueness + substance) / 2, 4)
