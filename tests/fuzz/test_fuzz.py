"""Every unary RPC of every service, fed requests generated from its descriptor, on both
storage profiles and over every route (the service's port, Envoy over gRPC, Envoy over REST):
no answer is a failure, the service stays SERVING, a refused create writes nothing, and each
fuzz tenant's audit chain still verifies.

``COGNOS_FUZZ_EXAMPLES`` sets the examples per RPC and profile (``bash scripts/dev fuzz`` runs
many more than the test command).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shared.mesh.registry import SERVICES, ServiceSpec, by_name
from tests.fuzz.catalog import Rpc, unary_rpcs
from tests.fuzz.conftest import FuzzedMesh, Tally
from tests.fuzz.invariants import (
    Collections,
    assert_answered_cleanly,
    assert_chain_verifies,
    assert_nothing_new,
    assert_serving,
)
from tests.fuzz.strategies import requests

EXAMPLES = int(os.environ.get("COGNOS_FUZZ_EXAMPLES", "3"))
pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(120 + 5 * EXAMPLES)]


@pytest.mark.parametrize("rpc", unary_rpcs(), ids=str)
# No shrinking: each step of it is three calls to the mesh, and a failure's request and
# answer say enough.
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example])
@given(data=st.data())
async def test_every_answer_is_clean(fuzzed_mesh: FuzzedMesh, tally: Tally, rpc: Rpc,
                                     data: st.DataObject) -> None:
    target = await fuzzed_mesh.target(rpc.spec)
    fuzzed = data.draw(requests(rpc.request, target.tenant, fuzzed_mesh.known), label="request")
    collections = Collections(target.port)
    tally.example(fuzzed_mesh.profile, rpc.spec.name)
    for route in target.routes:
        before = await collections.names(rpc, fuzzed.message)
        answer = await route.send(rpc, fuzzed)
        if answer is None:  # no REST form
            continue
        tally.answer(fuzzed_mesh.profile, rpc.spec.name, answer)
        assert_answered_cleanly(answer)
        if answer.reply is not None:
            fuzzed_mesh.known.remember(answer.reply)
        if answer.code == "INVALID_ARGUMENT" and before is not None:
            after = await collections.names(rpc, fuzzed.message)
            if after is not None:
                assert_nothing_new(before, after, answer)
    await assert_serving(target.port, rpc.spec)


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
async def test_the_audit_chain_of_each_fuzz_tenant_verifies(fuzzed_mesh: FuzzedMesh,
                                                            spec: ServiceSpec) -> None:
    tenant = (await fuzzed_mesh.target(spec)).tenant
    audit_log = (await fuzzed_mesh.target(by_name("audit-log"))).port
    await assert_chain_verifies(audit_log, tenant)
