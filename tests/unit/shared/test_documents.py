"""Documents callers and models supply parse, or are refused as a ValueError, however deeply
they nest: the parsers raise RecursionError past Python's recursion limit."""

from __future__ import annotations

import pytest
import yaml

from shared.values.documents import DocumentError, parse_json, parse_yaml

DEEP = 50_000


def test_documents_parse() -> None:
    assert parse_json('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    assert parse_yaml("a:\n  - 1\n  - b: ~\n") == {"a": [1, {"b": None}]}


@pytest.mark.parametrize("text", ["[" * DEEP, "[" * DEEP + "]" * DEEP,
                                  '{"items":' * DEEP + "{}" + "}" * DEEP])
def test_json_nested_too_deeply_is_a_value_error(text: str) -> None:
    with pytest.raises(DocumentError, match="nested too deeply"):
        parse_json(text)
    assert issubclass(DocumentError, ValueError)


@pytest.mark.parametrize("text", ["[" * DEEP, "- " * DEEP + "x", "{a: " * DEEP])
def test_yaml_nested_too_deeply_is_refused(text: str) -> None:
    with pytest.raises(DocumentError, match="nested too deeply"):
        parse_yaml(text)


def test_text_that_is_not_a_document_keeps_the_parsers_error() -> None:
    with pytest.raises(ValueError, match="Expecting value"):
        parse_json("[")
    with pytest.raises(yaml.YAMLError):
        parse_yaml("a: [")
