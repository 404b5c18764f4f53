"""gRPC servicer of cognition.runtime.v1.RuntimeService: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from cognition.runtime.v1 import runtime_service_pb2 as pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from services.ai_runtime import convert
from services.ai_runtime.core.experiments import UPDATABLE_FIELDS, ExperimentService
from shared import names
from shared.database import PageRequest
from shared.protos import mask_paths


class RuntimeServicer(pb_grpc.RuntimeServiceServicer):
    """Prompt experiments. Completions, embeddings and usage arrive with the model providers."""

    def __init__(self, experiments: ExperimentService) -> None:
        self._experiments = experiments

    async def CreateExperiment(self, request: pb.CreateExperimentRequest,
                               context: grpc.aio.ServicerContext) -> pb.CreateExperimentResponse:
        tenant = names.parse_parent(request.parent)
        experiment_id = names.choose_id(request.experiment_id, "experiment_id")
        experiment = await self._experiments.create(
            convert.new_experiment(tenant, experiment_id, request.experiment))
        return pb.CreateExperimentResponse(experiment=convert.experiment_to_proto(experiment))

    async def GetExperiment(self, request: pb.GetExperimentRequest,
                            context: grpc.aio.ServicerContext) -> pb.GetExperimentResponse:
        tenant, experiment_id = names.parse_name(request.name, convert.COLLECTION)
        experiment = await self._experiments.get(tenant, experiment_id)
        return pb.GetExperimentResponse(experiment=convert.experiment_to_proto(experiment))

    async def ListExperiments(self, request: pb.ListExperimentsRequest,
                              context: grpc.aio.ServicerContext) -> pb.ListExperimentsResponse:
        tenant = names.parse_parent(request.parent)
        page = await self._experiments.list(
            tenant, PageRequest.of(request.page_size, request.page_token))
        return pb.ListExperimentsResponse(
            experiments=[convert.experiment_to_proto(e) for e in page.items],
            next_page_token=page.next_page_token)

    async def UpdateExperiment(self, request: pb.UpdateExperimentRequest,
                               context: grpc.aio.ServicerContext) -> pb.UpdateExperimentResponse:
        tenant, experiment_id = names.parse_name(request.experiment.name, convert.COLLECTION,
                                                 "experiment.name")
        paths = mask_paths(request.update_mask, UPDATABLE_FIELDS)
        experiment = await self._experiments.update(
            tenant, experiment_id, convert.experiment_changes(request.experiment, paths),
            request.experiment.etag)
        return pb.UpdateExperimentResponse(experiment=convert.experiment_to_proto(experiment))

    async def DeleteExperiment(self, request: pb.DeleteExperimentRequest,
                               context: grpc.aio.ServicerContext) -> pb.DeleteExperimentResponse:
        tenant, experiment_id = names.parse_name(request.name, convert.COLLECTION)
        await self._experiments.delete(tenant, experiment_id)
        return pb.DeleteExperimentResponse()
