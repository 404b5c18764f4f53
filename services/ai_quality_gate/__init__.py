"""ai-quality-gate: policies that AI output must satisfy, and the verdicts of checking it."""
