"""``execute_python``: untrusted Python in the sandbox, with no network, a private temporary
directory and limits on CPU, wall time, memory, processes and output."""

from __future__ import annotations

import dataclasses
import datetime as dt

from services.tool_runner.core.builtins.base import BuiltinSpec
from services.tool_runner.core.execution import ToolCall, ToolResult
from services.tool_runner.core.models import ToolRunState
from services.tool_runner.sandbox import Limits, Outcome, Sandbox, SandboxResult

MAX_CODE = 100_000

_STATES = {
    Outcome.EXITED: ToolRunState.SUCCEEDED,
    Outcome.TIMED_OUT: ToolRunState.TIMED_OUT,
    Outcome.CANCELLED: ToolRunState.CANCELLED,
}


def result_of(outcome: SandboxResult) -> ToolResult:
    """The tool result of a sandbox run: an exit (0 or not) is the code's own answer; a limit,
    a timeout or a kill is the sandbox's, with its message."""
    state = _STATES.get(outcome.outcome, ToolRunState.LIMIT_EXCEEDED)
    if outcome.outcome is Outcome.EXITED and outcome.exit_code != 0:
        state = ToolRunState.FAILED
    if outcome.outcome is Outcome.KILLED:
        state = ToolRunState.FAILED
    message = "" if state is ToolRunState.SUCCEEDED else outcome.message
    return ToolResult(state, output=outcome.stdout, stderr=outcome.stderr,
                      exit_code=outcome.exit_code, error_message=message,
                      sandbox_layers=tuple(outcome.layers),
                      output_truncated=outcome.outcome is Outcome.OUTPUT_LIMIT)


async def run_code(sandbox: Sandbox, limits: Limits, call: ToolCall, code: str,
                   stdin: bytes) -> ToolResult:
    """``code`` run in ``sandbox`` for ``call``: its wall time within the call's timeout, its
    stdout streamed to the call's watchers, its cancellation honoured."""
    bounded = dataclasses.replace(
        limits, wall_seconds=min(limits.wall_seconds, call.timeout.total_seconds()))

    async def forward(stream: str, chunk: str) -> None:
        if stream == "stdout":
            await call.on_output(chunk)

    outcome = await sandbox.run_python(code, stdin=stdin, limits=bounded, on_output=forward,
                                       cancel=call.cancelled)
    return result_of(outcome)


class ExecutePython:
    """The ``execute_python`` built-in.

    Args:
        sandbox: Where the code runs.
        limits: The limits of every run; a run's wall time is also bounded by its timeout.
    """

    spec = BuiltinSpec(
        name="execute_python", display_name="Execute Python",
        description=("Runs Python 3 code in an isolated sandbox and returns what it prints. "
                     "No network; only the standard library; files live in a private "
                     "temporary directory for this run only. Print the result you need."),
        input_schema={"type": "object", "required": ["code"],
                      "properties": {"code": {"type": "string", "minLength": 1,
                                              "maxLength": MAX_CODE},
                                     "stdin": {"type": "string", "maxLength": 1048576}}},
        output_schema={"type": "string"},
        timeout=dt.timedelta(seconds=30), idempotent=False)

    def __init__(self, sandbox: Sandbox, limits: Limits) -> None:
        self._sandbox = sandbox
        self._limits = limits

    async def run(self, call: ToolCall) -> ToolResult:
        return await run_code(self._sandbox, self._limits, call, call.input["code"],
                              call.input.get("stdin", "").encode())
