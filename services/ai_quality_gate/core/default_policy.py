"""The built-in default policy: what judges output when the request names no policy and the
tenant has none for the agent type. It is data like any tenant's policy, defined here only.

Its rules, with their default configs: SECRETS (every kind, redacted, error), PII (every kind
but IPv4, redacted, warning), REFUSAL, CLAIMED_TOOLS and OUTPUT_SCHEMA (which checks only when
the request sends an output schema); enforced; failing output is repaired for up to 2 rounds,
then escalated; pass score 0.7. ``revision`` changes whenever this definition does.
"""

from __future__ import annotations

import dataclasses

from services.ai_quality_gate.core.models import (
    Action,
    Policy,
    PolicyMode,
    Rule,
    RuleKind,
)

DEFAULT_POLICY = Policy(
    tenant="",
    id="",
    display_name="Built-in default policy",
    rules=[Rule(RuleKind.SECRETS, "{}"), Rule(RuleKind.PII, "{}"), Rule(RuleKind.REFUSAL, "{}"),
           Rule(RuleKind.CLAIMED_TOOLS, "{}"), Rule(RuleKind.OUTPUT_SCHEMA, "{}")],
    mode=PolicyMode.ENFORCE,
    agent_type="",
    revision=1,
    on_failure=Action.REPAIR,
    max_repair_rounds=2,
    pass_score=0.7,
)


def default_policy(tenant: str) -> Policy:
    """The built-in default policy, as it applies to ``tenant``."""
    return dataclasses.replace(DEFAULT_POLICY, tenant=tenant)
