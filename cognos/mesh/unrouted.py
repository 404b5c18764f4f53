"""The last routes of Envoy's table: its answers to requests no method of the mesh takes.

Each service method has a route of its own (see :mod:`envoy_config`), so whatever reaches
these routes is served by nothing, and the answer says why in the form the caller reads:

* a gRPC call (``content-type: application/grpc``) at a gRPC path the mesh does not serve:
  UNIMPLEMENTED, as a gRPC server answers an unknown method;
* a gRPC content type on any other path (a REST path, say): HTTP 415;
* another content type on a path that serves gRPC only (``/<package>.<Service>/...``): 415;
* anything else (an unknown path, a REST path with another HTTP method, HEAD, OPTIONS): 404.

``transcoder_errors.lua`` gives the HTTP answers the ``google.rpc.Status`` JSON shape. They need
no token: an unknown path is answered the same to everyone, and the route table it reveals is
the published contracts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# The shape of every gRPC path, /<package>.<Service>/<Method> (protobuf identifiers).
GRPC_PATH = r"^/[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+/[A-Za-z_][A-Za-z0-9_]*$"
# Envoy answers a gRPC request's local reply in gRPC form (HTTP 200 and grpc-status), whatever
# its HTTP status; this header asks transcoder_errors.lua to answer with that status instead.
EDGE_STATUS_HEADER = "x-cognos-edge-status"

NO_SUCH_METHOD = "the mesh has no such method"
NOT_GRPC_PATH = ("this path is not a gRPC method: send JSON to a REST path (/v1/...), or call "
                 "/<package>.<Service>/<Method> over gRPC")
GRPC_ONLY = ("this path serves gRPC only (content-type application/grpc); the REST API is "
             "under /v1/")
NO_ROUTE = "no method of the mesh is served at this path with this HTTP method"


def _answer(match: dict[str, Any], status: int, text: str,
            per_route: Mapping[str, Any]) -> dict[str, Any]:
    route: dict[str, Any] = {
        "match": match,
        "direct_response": {"status": status, "body": {"inline_string": text}},
    }
    if per_route:
        route["typed_per_filter_config"] = dict(per_route)
    return route


def unrouted_routes(grpc_only_prefixes: Iterable[str],
                    per_route: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The routes that answer requests no method takes; they go after every other route.

    Args:
        grpc_only_prefixes: Path prefixes served over gRPC only (``/<full service name>/``).
        per_route: ``typed_per_filter_config`` of each of these routes (to turn the edge's
            token check off for them).
    """
    extra = per_route or {}
    grpc_path = {"safe_regex": {"regex": GRPC_PATH}}
    routes = [
        # Envoy answers a gRPC call's 404 as grpc-status UNIMPLEMENTED.
        _answer({**grpc_path, "grpc": {}}, 404, NO_SUCH_METHOD, extra),
        {**_answer({"prefix": "/", "grpc": {}}, 415, NOT_GRPC_PATH, extra),
         "response_headers_to_add": [{"header": {"key": EDGE_STATUS_HEADER, "value": "415"}}]},
    ]
    routes += [_answer({"prefix": prefix}, 415, GRPC_ONLY, extra)
               for prefix in grpc_only_prefixes]
    routes.append(_answer({"prefix": "/"}, 404, NO_ROUTE, extra))
    return routes
