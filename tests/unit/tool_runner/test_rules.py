from __future__ import annotations

import datetime as dt

import pytest

from services.tool_runner.core.models import Tool, ToolRuntime
from services.tool_runner.core.rules import check_entrypoint, check_input_schema, check_tool
from shared.errors import InvalidArgument


@pytest.mark.parametrize("text", ["", "{}", '{"type": "object", "required": ["q"]}'])
def test_empty_or_object_schemas_are_accepted(text: str) -> None:
    check_input_schema(text)


def test_schema_that_is_not_json_names_line_and_column() -> None:
    with pytest.raises(InvalidArgument) as error:
        check_input_schema('{\n  "type": }')
    violation = error.value.violations[0]
    assert violation.field == "tool.input_schema"
    assert "line 2, column 11" in violation.description


@pytest.mark.parametrize("text", ["[" * 65_536, '{"items":' * 5000 + "{}" + "}" * 5000])
def test_a_schema_nested_too_deeply_is_refused_naming_the_field(text: str) -> None:
    """The parser's RecursionError escaped as INTERNAL (found by tests/fuzz)."""
    with pytest.raises(InvalidArgument) as error:
        check_input_schema(text)
    [violation] = error.value.violations
    assert violation.field == "tool.input_schema"


def test_a_schema_pattern_re2_cannot_run_is_refused_saying_why() -> None:
    with pytest.raises(InvalidArgument) as error:
        check_input_schema('{"properties": {"q": {"type": "string", "pattern": "(a)\\\\1"}}}')
    [violation] = error.value.violations
    assert violation.field == "tool.input_schema"
    assert "$.properties.q.pattern: backreferences" in violation.description


@pytest.mark.parametrize("text", ["[]", '"object"', "42", "null"])
def test_schema_must_be_an_object(text: str) -> None:
    with pytest.raises(InvalidArgument, match="must be a JSON object"):
        check_input_schema(text)


def test_http_entrypoint_must_be_a_url() -> None:
    check_entrypoint(ToolRuntime.HTTP, "https://tools.example.com/search")
    check_entrypoint(ToolRuntime.SHELL, "echo hi")
    with pytest.raises(InvalidArgument) as error:
        check_entrypoint(ToolRuntime.HTTP, "echo hi")
    assert error.value.violations[0].field == "tool.entrypoint"


def test_timeout_must_be_positive() -> None:
    tool = Tool(tenant="acme", id="t", display_name="T", runtime=ToolRuntime.PYTHON,
                entrypoint="print(1)", timeout=dt.timedelta(0))
    with pytest.raises(InvalidArgument) as error:
        check_tool(tool)
    assert error.value.violations[0].field == "tool.timeout"
