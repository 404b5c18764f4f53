"""The test suite."""

import os

# As the tool-runner does (services/tool_runner/__init__.py): its sandbox forks with a
# pre-exec step, which gRPC's fork handlers break; read when gRPC is first imported.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "0")
