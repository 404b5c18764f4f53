"""Authentication at the edge: Envoy's ``jwt_authn`` filter, rendered from the contracts.

Envoy verifies every external request's bearer token locally (EdDSA signature against the keys
the auth service publishes at ``/v1/jwks``, issuer, expiry) and forwards it: each service
verifies it again and takes the caller's identity from it, never from a header, so a token
Envoy refuses never reaches a service and a service reached around Envoy is no weaker.
Methods whose contract declares ``anonymous`` access (issuing tokens, publishing keys), health
checks, reflection and the answers to requests no method takes (:mod:`unrouted`) stay open.
The filter runs after gRPC-JSON transcoding, so one set of rules, written in gRPC paths, covers
REST too.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor_pb2

from cognition.options.v1 import access_pb2

PROVIDER = "cognos"
JWKS_CLUSTER = "jwks"
OPEN_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


@dataclass(frozen=True)
class EdgeAuth:
    """How Envoy authenticates callers.

    Attributes:
        issuer: The ``iss`` every token must carry.
        jwks_host: Where Envoy fetches the signing keys (its own listener, routed to auth).
        jwks_port: Port of that listener.
        jwks_cache_seconds: How long fetched keys are trusted before refetching.
    """

    jwks_host: str
    jwks_port: int
    issuer: str = "cognitionos"
    jwks_cache_seconds: float = 5.0


def anonymous_paths(descriptor_set: pathlib.Path) -> list[str]:
    """gRPC paths of the methods whose contract allows anonymous callers."""
    fds = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes())
    paths = []
    for file in fds.file:
        for service in file.service:
            for method in service.method:
                rule: access_pb2.AccessRule = method.options.Extensions[
                    access_pb2.access]  # type: ignore[index]
                if rule.anonymous:
                    paths.append(f"/{file.package}.{service.name}/{method.name}")
    return sorted(paths)


def jwt_filter(auth: EdgeAuth, descriptor_set: pathlib.Path) -> dict[str, Any]:
    """The ``envoy.filters.http.jwt_authn`` filter."""
    open_rules = [{"match": {"prefix": p}} for p in OPEN_PREFIXES]
    open_rules += [{"match": {"path": p}} for p in anonymous_paths(descriptor_set)]
    return {
        "name": "envoy.filters.http.jwt_authn",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3."
                     "JwtAuthentication",
            "providers": {PROVIDER: {
                "issuer": auth.issuer,
                "remote_jwks": {
                    "http_uri": {"uri": f"http://{auth.jwks_host}:{auth.jwks_port}/v1/jwks",
                                 "cluster": JWKS_CLUSTER, "timeout": "2s"},
                    "cache_duration": f"{auth.jwks_cache_seconds:g}s",
                    "async_fetch": {"failed_refetch_duration": "1s"},
                },
                "forward": True,  # each service verifies the token again, itself
                "clock_skew_seconds": 30,
            }},
            "rules": [*open_rules,
                      {"match": {"prefix": "/"}, "requires": {"provider_name": PROVIDER}}],
        },
    }


def token_check_off() -> dict[str, Any]:
    """``typed_per_filter_config`` of a route the token check does not apply to."""
    return {"envoy.filters.http.jwt_authn": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig",
        "disabled": True,
    }}


def jwks_cluster(auth: EdgeAuth) -> dict[str, Any]:
    """The cluster Envoy fetches keys through: its own listener, over HTTP/1.1."""
    return {
        "name": JWKS_CLUSTER,
        "type": "STATIC",
        "connect_timeout": "1s",
        "load_assignment": {"cluster_name": JWKS_CLUSTER, "endpoints": [{"lb_endpoints": [
            {"endpoint": {"address": {"socket_address": {"address": auth.jwks_host,
                                                         "port_value": auth.jwks_port}}}}]}]},
    }
