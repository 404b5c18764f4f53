"""The scope table: scope names and the scope set of each role."""

from __future__ import annotations

import re

import pytest

from services.auth.core.models import Role
from services.auth.core.scopes import ALL_SCOPES, ROLE_SCOPES, scopes_for_roles, unknown_scopes


def test_every_scope_is_resource_dot_verb() -> None:
    verb = r"(read|write|run|cancel|dispatch)"
    assert all(re.fullmatch(rf"[a-z][A-Za-z]*\.{verb}", s) for s in ALL_SCOPES)


def test_every_role_has_a_scope_set_within_the_known_scopes() -> None:
    assert set(ROLE_SCOPES) == set(Role)
    assert all(scopes <= ALL_SCOPES for scopes in ROLE_SCOPES.values())


def test_roles_nest_from_viewer_to_admin() -> None:
    viewer, developer, operator, admin = (scopes_for_roles([r]) for r in (
        Role.VIEWER, Role.DEVELOPER, Role.OPERATOR, Role.ADMIN))

    assert viewer < developer < operator < admin == ALL_SCOPES


def test_viewer_reads_workload_but_changes_nothing() -> None:
    viewer = scopes_for_roles([Role.VIEWER])

    assert {"goals.read", "tasks.read", "memories.read", "traces.read"} <= viewer
    assert all(s.endswith(".read") for s in viewer)
    assert not viewer & {"users.read", "apiKeys.read", "keys.read", "audit.read"}


def test_developer_writes_what_it_builds() -> None:
    developer = scopes_for_roles([Role.DEVELOPER])

    for resource in ("goals", "agents", "tools", "workflows", "memories", "prompts",
                     "experiments", "policies"):
        assert {f"{resource}.read", f"{resource}.write"} <= developer
    assert not developer & {"goals.cancel", "audit.read", "users.write", "tools.run"}


def test_operator_adds_cancelling_alerts_and_the_audit_log() -> None:
    operator = scopes_for_roles([Role.OPERATOR])

    assert {"goals.cancel", "tasks.cancel", "workflows.cancel", "alerts.write",
            "audit.read"} <= operator
    assert not operator & {"users.write", "apiKeys.write", "keys.write", "tenants.write"}


def test_admin_manages_identity() -> None:
    assert {"users.write", "apiKeys.write", "keys.write", "tenants.write"} <= scopes_for_roles(
        [Role.ADMIN])


def test_agent_gets_exactly_what_the_pipeline_needs() -> None:
    assert scopes_for_roles([Role.AGENT]) == {
        "goals.read", "tasks.write", "memories.read", "memories.write", "completions.write",
        "tools.run", "audit.write"}


def test_several_roles_add_up_and_names_are_accepted() -> None:
    assert scopes_for_roles(["viewer", "AGENT"]) == (
        scopes_for_roles([Role.VIEWER]) | scopes_for_roles([Role.AGENT]))
    assert scopes_for_roles([]) == frozenset()
    with pytest.raises(ValueError):
        scopes_for_roles(["root"])


def test_unknown_scopes_are_named_by_position() -> None:
    assert unknown_scopes(["goals.read", "goals.fly", "root"]) == [(1, "goals.fly"), (2, "root")]
