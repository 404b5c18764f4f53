"""The sandbox that runs untrusted Python (``execute_python``) and confines programs others
spawn (stdio MCP servers): per run its own cgroup, rlimits, an unprivileged uid of its own and
bubblewrap (or unshare where bubblewrap is missing); see docs/security.md."""

from services.tool_runner.sandbox.limits import Limits
from services.tool_runner.sandbox.probe import SandboxUnavailable
from services.tool_runner.sandbox.result import Outcome, SandboxResult
from services.tool_runner.sandbox.runner import Sandbox
from services.tool_runner.sandbox.slots import SlotsExhausted

__all__ = ["Limits", "Outcome", "Sandbox", "SandboxResult", "SandboxUnavailable",
           "SlotsExhausted"]
