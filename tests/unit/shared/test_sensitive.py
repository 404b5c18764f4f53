"""Secrets marked in the contracts are neither kept nor hashed by the runtime."""

from __future__ import annotations

from cognition.auth.v1 import auth_service_pb2 as auth
from cognition.auth.v1 import user_pb2
from cognition.planner.v1 import planner_service_pb2 as planner
from shared.proto.requests import request_tenant
from shared.rpc.idempotency import fingerprint
from shared.rpc.sensitive import has_secrets, without_secrets


def test_secret_fields_are_found_at_any_depth() -> None:
    assert has_secrets(auth.CreateUserRequest.DESCRIPTOR)
    assert has_secrets(auth.IssueTokenRequest.DESCRIPTOR)  # inside the password grant
    assert has_secrets(auth.CreateApiKeyResponse.DESCRIPTOR)
    assert not has_secrets(planner.CreateGoalRequest.DESCRIPTOR)


def test_secrets_are_cleared_and_the_rest_kept() -> None:
    request = auth.IssueTokenRequest(password=auth.PasswordGrant(
        tenant="tenants/acme", email="ada@example.com", password="correct horse battery"))
    cleaned = without_secrets(request)
    assert cleaned.password.password == "" and cleaned.password.email == "ada@example.com"
    assert request.password.password == "correct horse battery"  # the original is untouched


def test_fingerprint_does_not_depend_on_the_password() -> None:
    def create(password: str) -> auth.CreateUserRequest:
        return auth.CreateUserRequest(parent="tenants/acme", password=password,
                                      user=user_pb2.User(display_name="Ada",
                                                         email="ada@example.com"))

    assert fingerprint(create("first password!")) == fingerprint(create("other password!"))


def test_the_tenant_of_a_sign_in_is_found_in_its_grant() -> None:
    request = auth.IssueTokenRequest(password=auth.PasswordGrant(
        tenant="tenants/acme", email="ada@example.com", password="x" * 12))
    assert request_tenant(request) == "acme"
