"""tool-runner: the tools agents may call, and (later) their sandboxed runs."""
