"""tool-runner: the tools agents may call, run in a sandbox, behind an SSRF guard, or on
mounted MCP servers."""

import os

# The sandbox forks its runs with a pre-exec step; gRPC's fork handlers, which skip their
# work while other threads call into gRPC, then crash some children. Read at gRPC's import,
# which comes after this package's.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "0")
