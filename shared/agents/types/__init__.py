"""The built-in agent roles, one module each; importing this package registers them."""

from shared.agents.types import critic, executor, planner, summarizer

__all__ = ["critic", "executor", "planner", "summarizer"]
