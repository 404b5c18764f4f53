"""gRPC servicer of cognition.runtime.v1.RuntimeService: proto in, domain call, proto out."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import grpc

from cognition.runtime.v1 import runtime_service_pb2 as pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from services.ai_runtime import convert
from services.ai_runtime.convert import COMPLETION_RESOURCE, EXPERIMENTS
from services.ai_runtime.core.completions import CompletionService, page_of
from services.ai_runtime.core.experiments import ExperimentService
from shared.proto.fields import datetime_of
from shared.resources import names
from shared.rpc.standard_methods import standard_methods


class RuntimeServicer(pb_grpc.RuntimeServiceServicer):
    """Completions, embeddings, usage, prompt versions, prompt experiments and providers."""

    (CreateExperiment, GetExperiment, ListExperiments, UpdateExperiment,
     DeleteExperiment) = standard_methods(EXPERIMENTS, "_experiments")
    GetCompletion, ListCompletions = standard_methods(COMPLETION_RESOURCE, "_completions",
                                                      "get", "list")

    def __init__(self, experiments: ExperimentService, completions: CompletionService) -> None:
        self._experiments = experiments
        self._completions = completions

    async def Complete(self, request: pb.CompleteRequest,
                       context: grpc.aio.ServicerContext) -> pb.CompleteResponse:
        tenant = names.parse_parent(request.parent)
        completion = await self._completions.complete(convert.completion_request(tenant, request))
        return pb.CompleteResponse(completion=convert.completion_to_proto(completion))

    async def StreamComplete(self, request: pb.StreamCompleteRequest,
                             context: grpc.aio.ServicerContext
                             ) -> AsyncIterator[pb.StreamCompleteResponse]:
        tenant = names.parse_parent(request.parent)
        stream = self._completions.stream(convert.completion_request(tenant, request))
        async with contextlib.aclosing(stream):  # a cancelled call stops the model at once
            async for item in stream:
                if isinstance(item, str):
                    yield pb.StreamCompleteResponse(delta=item)
                else:
                    yield pb.StreamCompleteResponse(
                        completion=convert.completion_to_proto(item))

    async def Embed(self, request: pb.EmbedRequest,
                    context: grpc.aio.ServicerContext) -> pb.EmbedResponse:
        tenant = names.parse_parent(request.parent)
        embeddings = await self._completions.embed(tenant, list(request.texts))
        return pb.EmbedResponse(
            embeddings=[pb.Embedding(values=v) for v in embeddings.vectors],
            model=embeddings.model, usage=convert.usage_to_proto(embeddings.usage))

    async def GetUsage(self, request: pb.GetUsageRequest,
                       context: grpc.aio.ServicerContext) -> pb.GetUsageResponse:
        tenant = names.parse_parent(request.parent)
        rows = await self._completions.usage(
            tenant, convert.group_by_from_proto(request.group_by),
            datetime_of(request.start_time, request.HasField("start_time")),
            datetime_of(request.end_time, request.HasField("end_time")))
        return pb.GetUsageResponse(rows=[convert.usage_row_to_proto(r) for r in rows])

    async def GetBudget(self, request: pb.GetBudgetRequest,
                        context: grpc.aio.ServicerContext) -> pb.GetBudgetResponse:
        tenant = names.parse_parent(request.name.removesuffix("/budget"), "name")
        status = await self._completions.budget(tenant)
        return pb.GetBudgetResponse(budget=pb.Budget(
            name=request.name, limit_micros=status.limit_micros,
            spent_micros=status.spent_micros, remaining_micros=status.remaining_micros,
            call_estimate_micros=status.call_estimate_micros))

    async def ListPromptVersions(self, request: pb.ListPromptVersionsRequest,
                                 context: grpc.aio.ServicerContext
                                 ) -> pb.ListPromptVersionsResponse:
        versions, token = page_of(self._completions.prompt_versions(request.role),
                                  request.page_size, request.page_token)
        return pb.ListPromptVersionsResponse(
            prompt_versions=[convert.prompt_version_to_proto(v) for v in versions],
            next_page_token=token)

    async def ListProviders(self, request: pb.ListProvidersRequest,
                            context: grpc.aio.ServicerContext) -> pb.ListProvidersResponse:
        providers, token = page_of(self._completions.providers(), request.page_size,
                                   request.page_token)
        return pb.ListProvidersResponse(
            providers=[convert.provider_to_proto(p) for p in providers], next_page_token=token)
