"""Tenants' code tools: a Python tool's entrypoint is its code and a shell tool's a command,
each run in the sandbox with the run's input as JSON on stdin."""

from __future__ import annotations

import json

from services.tool_runner.core.builtins.python import run_code
from services.tool_runner.core.execution import ToolCall, ToolResult
from services.tool_runner.core.models import ToolRuntime
from services.tool_runner.sandbox import Limits, Sandbox

_SHELL = "import os\nos.execv('/bin/sh', ['sh', '-c', {command!r}])\n"


class SandboxedCode:
    """The executor of PYTHON and SHELL tools."""

    def __init__(self, sandbox: Sandbox, limits: Limits) -> None:
        self._sandbox = sandbox
        self._limits = limits

    async def execute(self, call: ToolCall) -> ToolResult:
        code = call.tool.entrypoint
        if call.tool.runtime is ToolRuntime.SHELL:
            code = _SHELL.format(command=code)
        return await run_code(self._sandbox, self._limits, call, code,
                              json.dumps(call.input).encode())
