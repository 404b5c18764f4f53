from __future__ import annotations

import pytest

from services.workflow_engine.core.rules import check_schedule, parse_definition
from shared.errors import InvalidArgument


def test_definition_parses_to_a_mapping() -> None:
    assert parse_definition("steps:\n  - run: echo\n") == {"steps": [{"run": "echo"}]}


def test_unparsable_definition_names_line_and_column() -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_definition("steps:\n  - run: [echo\n")
    violation = error.value.violations[0]
    assert violation.field == "workflow.definition_yaml"
    assert "line 3, column 1" in violation.description


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text", "42", "~"])
def test_definition_must_be_a_mapping(text: str) -> None:
    with pytest.raises(InvalidArgument, match="must be a YAML mapping"):
        parse_definition(text)


@pytest.mark.parametrize("text", ["[" * 5000, "- " * 5000, "a: [" * 2000])
def test_a_definition_nested_too_deeply_is_refused_naming_the_field(text: str) -> None:
    """The parser's RecursionError escaped as INTERNAL (found by tests/fuzz)."""
    with pytest.raises(InvalidArgument) as error:
        parse_definition(text)
    [violation] = error.value.violations
    assert violation.field == "workflow.definition_yaml"
    assert "nested too deeply" in violation.description


def test_python_tags_are_not_constructed() -> None:
    with pytest.raises(InvalidArgument, match="does not parse"):
        parse_definition("x: !!python/object/apply:os.system ['true']\n")


@pytest.mark.parametrize("schedule", ["", "0 6 * * 1-5", "*/15 * * * *", "0 0 1,15 * MON"])
def test_good_schedules(schedule: str) -> None:
    check_schedule(schedule)


@pytest.mark.parametrize("schedule", ["daily", "* * * *", "* * * * * *", "0 6 * * 1-5;"])
def test_bad_schedules(schedule: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        check_schedule(schedule)
    assert error.value.violations[0].field == "workflow.schedule"
