"""Versioned prompt templates: ``<prompts dir>/<role>/vN.md``, rendered per completion.

A template may use ``{{goal}}`` (the first user message), ``{{task}}`` (the last user
message before the model's first turn), ``{{context}}`` (the caller's system messages,
joined) and ``{{schema}}`` (the JSON Schema the answer must match, when the caller gave one).
The rendered template becomes the one system message of the conversation sent to the
provider.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import pathlib
import re
from collections.abc import Sequence

from services.ai_runtime.core.models import ChatMessage, MessageRole, PromptVersion
from shared.errors import FailedPrecondition, InvalidArgument, NotFound

_VERSION_FILE = re.compile(r"^v(\d+)\.md$")
_PLACEHOLDER = re.compile(r"\{\{\s*(goal|task|context|schema)\s*\}\}")
# What {{schema}} says when the caller asked for no particular shape.
ANY_JSON = '{"type": "object"}'


def _version_number(version: str) -> int:
    return int(version[1:]) if version[1:].isdigit() else -1


class PromptLibrary:
    """The prompt versions in one folder, read once at start-up.

    Args:
        root: The folder holding ``<role>/vN.md``.
        defaults: Role -> version used outside experiments; others use their newest.
    """

    def __init__(self, root: pathlib.Path, defaults: dict[str, str] | None = None) -> None:
        self.root = root
        self._versions: dict[str, list[PromptVersion]] = {}
        if root.is_dir():
            for role_dir in sorted(p for p in root.iterdir() if p.is_dir()):
                versions = []
                for path in role_dir.iterdir():
                    if _VERSION_FILE.match(path.name):
                        template = path.read_text(encoding="utf-8")
                        versions.append(PromptVersion(
                            role=role_dir.name, version=path.stem,
                            digest=hashlib.sha256(template.encode()).hexdigest(),
                            template=template,
                            create_time=dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)))
                if versions:
                    versions.sort(key=lambda v: _version_number(v.version), reverse=True)
                    self._versions[role_dir.name] = versions
        self._defaults = dict(defaults or {})

    @property
    def roles(self) -> list[str]:
        return sorted(self._versions)

    def versions(self, role: str) -> list[PromptVersion]:
        """The role's versions, newest first.

        Raises:
            NotFound: No prompt exists for the role.
        """
        if role not in self._versions:
            raise NotFound(f"no prompt versions for role {role!r}", reason="ROLE_NOT_FOUND",
                           metadata={"role": role})
        return list(self._versions[role])

    def get(self, prompt_version: str) -> PromptVersion:
        """The version named ``{role}/{version}``.

        Raises:
            NotFound: No such version.
        """
        role, _, version = prompt_version.partition("/")
        for candidate in self._versions.get(role, []):
            if candidate.version == version:
                return candidate
        raise NotFound(f"prompt version {prompt_version!r} not found",
                       reason="PROMPT_VERSION_NOT_FOUND",
                       metadata={"prompt_version": prompt_version})

    def default_for(self, role: str) -> PromptVersion:
        """The version a role uses outside experiments.

        Raises:
            InvalidArgument: The role has no prompt (an unknown role).
            FailedPrecondition: The configured default version does not exist.
        """
        if role not in self._versions:
            raise InvalidArgument.for_field("role", f"unknown role {role!r}: it has no prompt",
                                            "UNKNOWN_ROLE")
        configured = self._defaults.get(role)
        if configured is None:
            return self._versions[role][0]
        try:
            return self.get(f"{role}/{configured}")
        except NotFound as error:
            raise FailedPrecondition(f"configured prompt version {role}/{configured} is missing",
                                     reason="PROMPT_VERSION_MISSING") from error


def render(template: str, messages: Sequence[ChatMessage],
           schema: str = "") -> list[ChatMessage]:
    """The conversation to send: the rendered template as the system message, then the
    caller's non-system messages; ``schema`` is the response schema's text. The goal and task
    are the first and last user messages that open the conversation (those before the
    model's first turn: later ones answer tool calls or ask for repairs)."""
    opening = itertools.takewhile(lambda m: m.role is not MessageRole.ASSISTANT, messages)
    users = [m.content for m in opening if m.role is MessageRole.USER]
    values = {
        "goal": users[0] if users else "",
        "task": users[-1] if users else "",
        "context": "\n\n".join(m.content for m in messages if m.role is MessageRole.SYSTEM),
        "schema": schema.strip() or ANY_JSON,
    }
    system = _PLACEHOLDER.sub(lambda match: values[match.group(1)], template).strip()
    return [ChatMessage(MessageRole.SYSTEM, system),
            *(m for m in messages if m.role is not MessageRole.SYSTEM)]
