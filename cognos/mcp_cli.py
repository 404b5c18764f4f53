"""``cognos mcp``: the mesh's tools for MCP clients."""

from __future__ import annotations

import os
import sys

import typer

from shared.mesh.registry import ENVOY_LISTEN_PORT

app = typer.Typer(help="Serve the mesh's tools to MCP clients.", no_args_is_help=True)

# The MCP server lives with the tool-runner; the CLI starts it as its own process (stdio
# passes straight through).
SERVER_MODULE = "services.tool_runner.mcp"


@app.command()
def serve(target: str = typer.Option(f"127.0.0.1:{ENVOY_LISTEN_PORT}",
                                     help="The mesh's gRPC address (Envoy)."),
          stdio: bool = typer.Option(False, "--stdio",
                                     help="Serve over stdin/stdout; the credential is read "
                                          "from COGNOS_TOKEN."),
          http: str = typer.Option("", "--http", metavar="HOST:PORT",
                                   help="Serve streamable HTTP at http://HOST:PORT/mcp; each "
                                        "request brings its own bearer credential."),
          tenant: str = typer.Option("", help="The tenant (default: the credential's).")
          ) -> None:
    """Serve a tenant's tools to MCP clients: `tools/list` lists them, `tools/call` runs
    them, always with the client's own CognitionOS credential."""
    if stdio == bool(http):
        raise typer.BadParameter("give exactly one of --stdio and --http")
    argv = [sys.executable, "-m", SERVER_MODULE, "--target", target]
    argv += ["--stdio"] if stdio else ["--http", http]
    if tenant:
        argv += ["--tenant", tenant]
    os.execv(sys.executable, argv)
