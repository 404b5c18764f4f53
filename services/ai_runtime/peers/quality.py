"""Experiments' quality, from the quality gate's GetQualityMetrics."""

from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2

from cognition.quality.v1 import quality_service_pb2
from services.ai_runtime.core.models import VariantQuality
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary

GET_QUALITY_METRICS = Unary.of(quality_service_pb2.GetQualityMetricsRequest,
                               quality_service_pb2.GetQualityMetricsResponse)


class MeshQualityMetrics:
    """The gate's judgements of a role's outputs, per prompt version.

    Args:
        client: A client of the quality gate.
    """

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def by_prompt_version(self, tenant: str, role: str,
                                since: dt.datetime) -> dict[str, VariantQuality]:
        start = timestamp_pb2.Timestamp()
        start.FromDatetime(since)
        response = await self._client.call(GET_QUALITY_METRICS,
                                           quality_service_pb2.GetQualityMetricsRequest(
                                               parent=f"tenants/{tenant}", agent_type=role,
                                               start_time=start))
        return {row.prompt_version: VariantQuality(row.validations, row.passed, row.mean_score,
                                                   row.repairs, row.escalations)
                for row in response.rows}
