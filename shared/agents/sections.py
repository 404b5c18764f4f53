"""The sections of the system text a task's model call carries, by heading.

The pipeline's context variables become ``<heading>:\n<text>`` blocks; the AI runtime's offline
provider finds the results of earlier tasks by the same heading.
"""

from __future__ import annotations

from collections.abc import Mapping

UPSTREAM_HEADING = "Results of earlier tasks"
# Variable -> heading, in the order the sections are written.
SECTIONS = (("context", "Known context"), ("upstream", UPSTREAM_HEADING),
            ("criteria", "Acceptance criteria"))


def system_text(variables: Mapping[str, str]) -> str:
    """The sections of ``variables`` that are set, each under its heading."""
    return "\n\n".join(f"{title}:\n{variables[key]}" for key, title in SECTIONS
                       if variables.get(key))
