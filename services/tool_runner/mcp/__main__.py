"""Serve a tenant's mesh tools to MCP clients.

Usage: python -m services.tool_runner.mcp --target HOST:PORT (--stdio | --http HOST:PORT)
    [--tenant TENANT]

Over stdio the credential (an access token or API key) is read from ``COGNOS_TOKEN``; over
HTTP each MCP request brings its own as ``Authorization: Bearer …``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from services.tool_runner.mcp.server import serve_http, serve_stdio

TOKEN_VARIABLE = "COGNOS_TOKEN"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server the arguments describe until it is stopped; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m services.tool_runner.mcp",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True,
                        help="the mesh's gRPC address (Envoy, e.g. 127.0.0.1:8080)")
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--stdio", action="store_true", help="serve over stdin and stdout")
    how.add_argument("--http", metavar="HOST:PORT", help="serve streamable HTTP at /mcp")
    parser.add_argument("--tenant", default="", help="the tenant (default: the token's)")
    args = parser.parse_args(argv)
    # stdout is the protocol over stdio: logs go to stderr.
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.stdio:
        token = os.environ.get(TOKEN_VARIABLE, "")
        if not token:
            parser.error(f"--stdio needs a credential in {TOKEN_VARIABLE}")
        asyncio.run(serve_stdio(args.target, token, args.tenant))
        return 0
    host, _, port = args.http.rpartition(":")
    if not host or not port.isdigit():
        parser.error("--http takes HOST:PORT")
    asyncio.run(serve_http(args.target, host.strip("[]"), int(port), args.tenant))
    return 0


if __name__ == "__main__":
    sys.exit(main())
