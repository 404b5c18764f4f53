"""The local model end to end: the mesh supervises llama.cpp's server with SmolLM2-135M (the
tests' model, installed by the set-up command) and routes every role to it. Completions,
streams, schema-constrained answers and whole goals come from the model; a cancelled stream
frees the server; a model server killed mid-goal is restarted and the goal still succeeds;
`cognos status` shows the server and the providers' queue."""

from __future__ import annotations

import asyncio
import io
import json
import pathlib
import signal
from collections.abc import AsyncIterator

import pytest
from google.protobuf import json_format
from rich.console import Console

from cognition.agents.v1 import agent_io_pb2
from cognition.runtime.v1 import completion_pb2, runtime_service_pb2, runtime_service_pb2_grpc
from cognos import demo
from cognos.mesh.supervisor import Mesh, MeshLayout
from shared.proto.message_schema import message_schema
from tests.integration.cognos_cli import cognos
from tests.integration.conftest import Tokens, signed_channel, supervised_mesh

MODEL = "smollm2-135m"
TENANT = "local-model"
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
async def local_mesh(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Mesh]:
    """Every service, Envoy and the model server with SmolLM2, supervised."""
    var = pathlib.Path(tmp_path_factory.mktemp("local-mesh"))
    async with supervised_mesh(MeshLayout.ephemeral(var, models=(MODEL,)), 120) as running:
        yield running


@pytest.fixture(scope="module")
def local_tokens(local_mesh: Mesh) -> Tokens:
    return Tokens(local_mesh)


@pytest.fixture
async def runtime(local_mesh: Mesh, local_tokens: Tokens
                  ) -> AsyncIterator[runtime_service_pb2_grpc.RuntimeServiceStub]:
    async with signed_channel(local_mesh, local_tokens) as channel:
        yield runtime_service_pb2_grpc.RuntimeServiceStub(channel)


def _ask(text: str, **fields: object) -> runtime_service_pb2.CompleteRequest:
    return runtime_service_pb2.CompleteRequest(
        parent=f"tenants/{TENANT}", role="executor",
        messages=[completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER, content=text)],
        **fields)


async def test_a_completion_comes_from_the_local_model(
        runtime: runtime_service_pb2_grpc.RuntimeServiceStub) -> None:
    response = await runtime.Complete(_ask("Name one use of SQLite.", max_output_tokens=32),
                                      timeout=120)
    completion = response.completion
    assert (completion.provider, completion.model) == ("local", MODEL)
    assert completion.output.strip()
    assert completion.usage.output_tokens > 0 and completion.usage.input_tokens > 0


async def test_a_stream_streams_the_models_tokens(
        runtime: runtime_service_pb2_grpc.RuntimeServiceStub) -> None:
    request = runtime_service_pb2.StreamCompleteRequest(
        parent=f"tenants/{TENANT}", role="executor", max_output_tokens=48,
        messages=[completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER,
                                         content="Describe DuckDB in two sentences.")])
    deltas = [item.delta async for item in runtime.StreamComplete(request, timeout=120)
              if item.delta]
    assert len(deltas) > 3  # token by token, not one block
    assert "".join(deltas).strip()


async def test_a_schema_constrained_answer_parses_into_its_proto_message(
        runtime: runtime_service_pb2_grpc.RuntimeServiceStub) -> None:
    schema = message_schema(agent_io_pb2.PlannerOutput.DESCRIPTOR)
    response = await runtime.Complete(_ask(
        "Plan two tasks to compare SQLite and DuckDB. Reply in JSON.",
        response_schema=json.dumps(schema), max_output_tokens=512), timeout=180)
    plan = json_format.Parse(response.completion.output, agent_io_pb2.PlannerOutput())
    assert len(plan.tasks) >= 1
    assert all(task.id and task.title for task in plan.tasks)


async def test_a_cancelled_stream_frees_the_model_server(
        runtime: runtime_service_pb2_grpc.RuntimeServiceStub) -> None:
    long = runtime_service_pb2.StreamCompleteRequest(
        parent=f"tenants/{TENANT}", role="executor", max_output_tokens=4000,
        messages=[completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER,
                                         content="Count from one to ten thousand in words.")])
    call = runtime.StreamComplete(long, timeout=300)
    async for item in call:
        if item.delta:
            break  # generating
    call.cancel()
    # One generation at a time: had the 4000-token answer gone on (about a minute on this
    # model), this call would wait behind it past its deadline.
    response = await runtime.Complete(_ask("Say yes.", max_output_tokens=4), timeout=30)
    assert response.completion.provider == "local"


async def test_a_goal_is_planned_and_answered_by_the_local_model(
        local_mesh: Mesh, local_tokens: Tokens) -> None:
    printed = io.StringIO()
    outcome = await demo.run_goal(
        local_mesh.envoy_address, await local_tokens.for_tenant(TENANT, demo.SCOPES), TENANT,
        "Compare SQLite and DuckDB for a small analytics app", Console(file=printed, width=200),
        timeout=400)
    output = printed.getvalue()
    assert outcome.succeeded, output
    assert f"answered by local/{MODEL}" in output, output
    assert "offline" not in output.split("answered by")[1].splitlines()[0]


async def test_the_model_server_killed_mid_goal_is_restarted_and_the_goal_succeeds(
        local_mesh: Mesh, local_tokens: Tokens) -> None:
    server = local_mesh.model_server
    assert server is not None
    before = server.process.pid
    printed = io.StringIO()
    running = asyncio.create_task(demo.run_goal(
        local_mesh.envoy_address, await local_tokens.for_tenant(TENANT, demo.SCOPES), TENANT,
        "List two strengths of SQLite", Console(file=printed, width=200), timeout=400))
    await asyncio.sleep(3)  # planning has begun
    server.process.signal(signal.SIGKILL)
    outcome = await running
    assert outcome.succeeded, printed.getvalue()
    assert server.process.restarts >= 1 and server.process.pid != before
    assert f"answered by local/{MODEL}" in printed.getvalue()


async def test_status_shows_the_model_server_and_the_providers_queue(
        local_mesh: Mesh, runtime: runtime_service_pb2_grpc.RuntimeServiceStub) -> None:
    await runtime.Complete(_ask("Say hi.", max_output_tokens=4), timeout=120)
    shown = await asyncio.to_thread(cognos, "status", "--var", str(local_mesh.var_dir))
    assert shown.returncode == 0, shown.stderr
    server_row = next(line for line in shown.stdout.splitlines()
                      if line.startswith("model-server"))
    assert "SERVING" in server_row
    assert "model providers" in shown.stdout
    local_row = next(line.split() for line in shown.stdout.splitlines()
                     if line.startswith("local "))
    # provider, model, slots, running, queued, calls, tok/s
    assert local_row[1] == MODEL and local_row[2] == "1"
    assert int(local_row[5]) >= 1 and float(local_row[6]) > 0
