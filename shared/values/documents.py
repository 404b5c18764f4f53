"""Parsing the JSON and YAML documents callers and models supply (JSON Schemas, workflow
definitions, model outputs): a document nested too deeply for the parser is refused like any
other document that does not parse.

Both parsers recurse once per level of nesting and raise RecursionError, which is no
ValueError, past Python's recursion limit: a 64 KB string of ``[`` is enough. YAML is parsed
by PyYAML's pure-Python loader only: libyaml's overflows the C stack on such a document and
kills the process.
"""

from __future__ import annotations

import json
from typing import Any

import yaml


class DocumentError(ValueError):
    """A document that cannot be parsed for a reason the parser does not report itself."""


def parse_json(text: str) -> Any:
    """``json.loads(text)``.

    Raises:
        ValueError: ``text`` is not JSON (``json.JSONDecodeError``), or is nested too deeply
            to parse (:class:`DocumentError`).
    """
    try:
        return json.loads(text)
    except RecursionError as error:
        raise DocumentError("nested too deeply to parse") from error


def parse_model_json(text: str) -> Any:
    """A model's JSON answer: :func:`parse_json`, but a control character inside a string (a
    raw line break, which small models write and some grammar-constrained servers let
    through) is read as itself.

    Raises:
        ValueError: ``text`` is not JSON even so, or is nested too deeply to parse.
    """
    try:
        return json.loads(text, strict=False)
    except RecursionError as error:
        raise DocumentError("nested too deeply to parse") from error


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``; slow (tens of KB a second), so a server runs it off its
    event loop.

    Raises:
        yaml.YAMLError: ``text`` is not YAML.
        DocumentError: ``text`` is nested too deeply to parse.
    """
    try:
        return yaml.safe_load(text)
    except RecursionError as error:
        raise DocumentError("nested too deeply to parse") from error
