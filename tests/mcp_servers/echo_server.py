"""A small MCP server over stdio for tests, stdlib only (it runs on the system's Python inside
the sandbox): newline-delimited JSON-RPC with initialize, ping, tools/list and tools/call.

Usage: python3 echo_server.py [--tools add,shout,...]

Tools: ``add`` (structured output), ``shout``, ``reverse``, ``fail`` (answers isError),
``sleep`` (waits), ``lookahead`` (a schema pattern RE2 refuses), ``whoami`` (uid and whether
the network is reachable).
"""

import json
import os
import socket
import sys
import time

VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")

TOOLS = {
    "add": {
        "name": "add", "description": "Adds two integers.",
        "inputSchema": {"type": "object", "required": ["a", "b"],
                        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}},
        "outputSchema": {"type": "object", "required": ["sum"],
                         "properties": {"sum": {"type": "integer"}}},
    },
    "shout": {
        "name": "shout", "description": "Upper-cases a text.",
        "inputSchema": {"type": "object", "required": ["text"],
                        "properties": {"text": {"type": "string"}}},
    },
    "reverse": {
        "name": "reverse", "description": "Reverses a text.",
        "inputSchema": {"type": "object", "required": ["text"],
                        "properties": {"text": {"type": "string"}}},
    },
    "fail": {
        "name": "fail", "description": "Always fails.",
        "inputSchema": {"type": "object"},
    },
    "sleep": {
        "name": "sleep", "description": "Waits some seconds.",
        "inputSchema": {"type": "object", "properties": {"seconds": {"type": "number"}}},
    },
    "lookahead": {
        "name": "Look.Ahead!", "description": "Has a pattern RE2 refuses.",
        "inputSchema": {"type": "object",
                        "properties": {"word": {"type": "string", "pattern": "^(?!bad)"}}},
    },
    "whoami": {
        "name": "whoami", "description": "Tells its uid and whether it can reach the network.",
        "inputSchema": {"type": "object"},
    },
}


def _text(text, is_error=False):
    return {"content": [{"type": "text", "text": text}], "isError": is_error}


def _network():
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=1).close()
    except OSError as error:
        return f"no network ({error.__class__.__name__})"
    return "network"


def call(name, arguments):
    if name == "add":
        total = arguments["a"] + arguments["b"]
        return {"content": [{"type": "text", "text": str(total)}],
                "structuredContent": {"sum": total}}
    if name == "shout":
        return _text(arguments["text"].upper())
    if name == "reverse":
        return _text(arguments["text"][::-1])
    if name == "fail":
        return _text("it went wrong\nsecond line", is_error=True)
    if name == "sleep":
        time.sleep(float(arguments.get("seconds", 1)))
        return _text("awake")
    if name == "Look.Ahead!":
        return _text(arguments.get("word", ""))
    if name == "whoami":
        return _text(json.dumps({"uid": os.getuid(), "network": _network(),
                                 "env": sorted(os.environ)}))
    return None


def answer(message, tools):
    method = message.get("method")
    params = message.get("params") or {}
    if method == "initialize":
        asked = params.get("protocolVersion")
        return {"protocolVersion": asked if asked in VERSIONS else VERSIONS[1],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "echo", "version": "1"}}
    if method == "ping":
        return {}
    if method == "tools/list":
        return {"tools": [TOOLS[name] for name in tools]}
    if method == "tools/call":
        listed = {TOOLS[name]["name"] for name in tools}
        result = call(params.get("name"), params.get("arguments") or {}) \
            if params.get("name") in listed else None
        if result is None:
            raise LookupError(f"unknown tool {params.get('name')!r}")
        return result
    raise NotImplementedError(method)


def main():
    tools = ["add", "shout"]
    if "--tools" in sys.argv:
        tools = sys.argv[sys.argv.index("--tools") + 1].split(",")
    print("echo server ready", file=sys.stderr, flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if "id" not in message or "method" not in message:
            continue  # a notification or a response
        try:
            reply = {"jsonrpc": "2.0", "id": message["id"], "result": answer(message, tools)}
        except LookupError as error:
            reply = {"jsonrpc": "2.0", "id": message["id"],
                     "error": {"code": -32602, "message": str(error)}}
        except NotImplementedError as error:
            reply = {"jsonrpc": "2.0", "id": message["id"],
                     "error": {"code": -32601, "message": f"method not found: {error}"}}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
