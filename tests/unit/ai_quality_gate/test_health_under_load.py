"""The real ai-quality-gate keeps answering grpc.health.v1 while the costliest validations run
(an output at the size limit, a policy of the most patterns, one that backtracks for ever in
Python's engine among them): its event loop is never held. A policy like that held the whole
process for 20 s. How promptly it answers (the 100 ms target) is measured by
bench/quality_gate_health.py, not here: a test's clock is the machine's load."""

from __future__ import annotations

import pathlib

from grpc_health.v1 import health_pb2_grpc

from bench.quality_gate_health import probe_during_worst_validations, warm_up
from cognition.quality.v1 import quality_service_pb2_grpc as pb_grpc
from cognition.quality.v1 import validation_pb2
from services.ai_quality_gate.config import Settings
from services.ai_quality_gate.server import create_server
from shared.config import MeshSettings
from tests.helpers import mesh_channel

# Far above the target, far below what a held event loop costs (the validations take seconds).
HELD = 2.0  # seconds


async def test_health_answers_while_the_costliest_validations_run(tmp_path: pathlib.Path
                                                                  ) -> None:
    running = await create_server(Settings(port=0, mesh=MeshSettings(data_dir=tmp_path)))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.QualityServiceStub(channel)
            await warm_up(stub)
            latencies, validations = await probe_during_worst_validations(
                stub, health_pb2_grpc.HealthStub(channel))
    finally:
        await running.stop(0)
    assert len(latencies) >= 10  # the probes overlapped the validations
    assert max(latencies) < HELD, f"a health check waited {max(latencies):.1f} s"
    for validation in validations:
        assert validation.verdict == validation_pb2.VERDICT_FAIL
        assert {f.rule_index for f in validation.findings} == {1, 2, 3}  # no pattern matches
