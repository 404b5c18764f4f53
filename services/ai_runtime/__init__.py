"""ai-runtime: language-model completions for agent roles, their costs and prompt experiments."""
