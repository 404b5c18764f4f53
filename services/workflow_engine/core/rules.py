"""What makes a workflow's definition and schedule acceptable beyond the contract's rules."""

from __future__ import annotations

import re
from typing import Any

import yaml

from shared.errors import InvalidArgument
from shared.values.documents import DocumentError, parse_yaml

# One cron field: `*` or a value or range, optionally stepped, comma-separated.
_CRON_ITEM = r"(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?"
_CRON_FIELD = re.compile(rf"^{_CRON_ITEM}(,{_CRON_ITEM})*$")


def parse_definition(text: str) -> dict[Any, Any]:
    """The workflow definition as a mapping; slow on a long definition (see
    :func:`shared.values.documents.parse_yaml`).

    Raises:
        InvalidArgument: On ``workflow.definition_yaml``: it does not parse (with the parser's
            line and column) or is not a mapping.
    """
    try:
        definition = parse_yaml(text)
    except DocumentError as error:
        raise InvalidArgument.for_field("workflow.definition_yaml",
                                        f"does not parse: {error}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise InvalidArgument.for_field("workflow.definition_yaml",
                                        f"does not parse: {problem}{where}") from error
    if not isinstance(definition, dict):
        raise InvalidArgument.for_field("workflow.definition_yaml", "must be a YAML mapping")
    return definition


def check_schedule(schedule: str) -> None:
    """A schedule, when set, is five cron fields.

    Raises:
        InvalidArgument: On ``workflow.schedule``.
    """
    if not schedule:
        return
    fields = schedule.split()
    if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
        raise InvalidArgument.for_field(
            "workflow.schedule", "must be a cron expression of five fields, e.g. `0 6 * * 1-5`")
