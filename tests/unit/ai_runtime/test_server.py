"""The ai-runtime's real server on a free port, driven over a gRPC channel."""

from __future__ import annotations

import pathlib

import grpc
import pytest
from google.protobuf import field_mask_pb2

from cognition.runtime.v1 import experiment_pb2
from cognition.runtime.v1 import runtime_service_pb2 as pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from services.ai_runtime.config import Settings
from services.ai_runtime.server import create_server
from shared.config import MeshSettings
from tests.helpers import mesh_channel


def experiment_message(*variant_names: str, **fields: object) -> experiment_pb2.Experiment:
    variants = [experiment_pb2.Variant(name=n, prompt_version=f"executor/{n}", weight=1)
                for n in variant_names]
    values: dict[str, object] = {"display_name": "Terse", "role": "executor",
                                 "variants": variants}
    values.update(fields)
    return experiment_pb2.Experiment(**values)  # type: ignore[arg-type]


async def test_experiment_crud_over_grpc(tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh=MeshSettings(data_dir=tmp_path)))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.RuntimeServiceStub(channel)

            created = (await stub.CreateExperiment(pb.CreateExperimentRequest(
                parent="tenants/acme", experiment_id="terse",
                experiment=experiment_message("v1", "v2")))).experiment
            assert created.name == "tenants/acme/experiments/terse"
            assert created.state == experiment_pb2.EXPERIMENT_STATE_RUNNING
            assert [v.name for v in created.variants] == ["v1", "v2"]

            got = (await stub.GetExperiment(pb.GetExperimentRequest(name=created.name)))
            assert got.experiment == created

            listed = await stub.ListExperiments(pb.ListExperimentsRequest(parent="tenants/acme"))
            assert [e.name for e in listed.experiments] == [created.name]

            updated = (await stub.UpdateExperiment(pb.UpdateExperimentRequest(
                experiment=experiment_message("v1", "v3", name=created.name,
                                              display_name="Ignored", etag=created.etag),
                update_mask=field_mask_pb2.FieldMask(paths=["variants"])))).experiment
            assert [v.name for v in updated.variants] == ["v1", "v3"]
            assert updated.display_name == "Terse"

            with pytest.raises(grpc.aio.AioRpcError) as twice:
                await stub.CreateExperiment(pb.CreateExperimentRequest(
                    parent="tenants/acme", experiment=experiment_message("a", "b")))
            assert twice.value.code() == grpc.StatusCode.FAILED_PRECONDITION

            await stub.DeleteExperiment(pb.DeleteExperimentRequest(name=created.name))
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await stub.GetExperiment(pb.GetExperimentRequest(name=created.name))
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND

            for bad_experiment in (experiment_message("only-one"),
                                   experiment_message("same", "same")):
                with pytest.raises(grpc.aio.AioRpcError) as bad:
                    await stub.CreateExperiment(pb.CreateExperimentRequest(
                        parent="tenants/acme", experiment=bad_experiment))
                assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            embedded = await stub.Embed(pb.EmbedRequest(parent="tenants/acme", texts=["hi", "yo"]))
            assert len(embedded.embeddings) == 2
            assert embedded.model == "offline-hash-embedding-v1"
    finally:
        await running.stop(0)
