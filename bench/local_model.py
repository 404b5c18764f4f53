"""The local model through the ai-runtime against the same model server called straight, in
one run: output tokens/s and time to first token of each model, the runtime's overhead as a
ratio, and the model server's resident memory.

Usage: python -m bench.local_model [--models smollm2-135m qwen2.5-coder-0.5b] [--rounds 3]
                                   [--tokens 128]

Both paths stream the same prompt at temperature 0 with the same output limit from the same
server, one call at a time, alternating; the runtime path is StreamComplete on an ai-runtime
in this process (its boundary, prompt, router gate, metering, storage) to a caller with a
service credential. Target (local-model issue): the runtime's tokens/s at most 1.05x slower.
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import secrets
import statistics
import tempfile
import time

import grpc
import openai
from pydantic import SecretStr

from cognition.runtime.v1 import completion_pb2, runtime_service_pb2, runtime_service_pb2_grpc
from cognos.mesh.model_server import ModelServer
from cognos.mesh.supervisor import free_port
from services.ai_runtime.config import Settings
from services.ai_runtime.server import create_server
from shared.config import MeshSettings
from shared.context import AUTHORIZATION_HEADER
from shared.mesh.keys import MeshKeys
from shared.rpc.credentials import mesh_call_credential

TENANT = "bench"
SYSTEM = "You are a helpful assistant."  # the runtime path's prompt template, the same text
PROMPT = "Explain in a few sentences when SQLite is a better choice than PostgreSQL."


async def direct(client: openai.AsyncOpenAI, model: str, tokens: int) -> tuple[float, float]:
    """(seconds to the first token, output tokens/s) of one streamed call to the server."""
    started = time.perf_counter()
    first = 0.0
    output = 0  # llama.cpp reports no usage on a stream: it sends a token a chunk
    stream = await client.chat.completions.create(
        model=model, messages=[{"role": "system", "content": SYSTEM},
                               {"role": "user", "content": PROMPT}],
        max_tokens=tokens, temperature=0, stream=True)
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter() - started
            output += 1
    return first, output / (time.perf_counter() - started)


async def through_runtime(stub: runtime_service_pb2_grpc.RuntimeServiceStub,
                          metadata: list[tuple[str, str]], tokens: int) -> tuple[float, float]:
    """(seconds to the first token, output tokens/s) of one StreamComplete."""
    request = runtime_service_pb2.StreamCompleteRequest(
        parent=f"tenants/{TENANT}", role="bench", max_output_tokens=tokens, temperature=0,
        messages=[completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER,
                                         content=PROMPT)])
    started = time.perf_counter()
    first = 0.0
    output = 0
    async for item in stub.StreamComplete(request, metadata=metadata, timeout=600):
        if not first and item.delta:
            first = time.perf_counter() - started
        if item.HasField("completion"):
            output = item.completion.usage.output_tokens
    return first, output / (time.perf_counter() - started)


async def run(models: list[str], rounds: int, tokens: int) -> None:
    with tempfile.TemporaryDirectory() as var_text:
        var = pathlib.Path(var_text)
        server = ModelServer(tuple(models), free_port(), var)
        await asyncio.to_thread(server.prepare, print)
        server.process.start()
        try:
            while not await server.ready():
                await asyncio.sleep(0.2)
            await measure(server, var, models, rounds, tokens)
        finally:
            server.process.stop(10)


async def measure(server: ModelServer, var: pathlib.Path, models: list[str], rounds: int,
                  tokens: int) -> None:
    mesh_secret = secrets.token_hex(32)
    prompts = var / "prompts" / "bench"
    prompts.mkdir(parents=True)
    (prompts / "v1.md").write_text(SYSTEM)
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="none", timeout=600)
    credential = mesh_call_credential(MeshKeys.from_text(mesh_secret), "bench",
                                      ("completions.write",), tenant=TENANT)
    metadata = [(AUTHORIZATION_HEADER, f"Bearer {credential}")]
    print(f"{'model':<22} {'path':<8} {'tok/s':>7} {'first token':>12}")
    for model in models:
        settings = Settings(port=0, default_route=["local"], local_base_url=server.base_url,
                            local_model=model, prompts_dir=var / "prompts",
                            mesh=MeshSettings(data_dir=var / model,
                                              mesh_secret=SecretStr(mesh_secret)))
        runtime = await create_server(settings)
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{runtime.port}") as channel:
                stub = runtime_service_pb2_grpc.RuntimeServiceStub(channel)
                await direct(client, model, 8)  # the model loaded, both paths warm
                await through_runtime(stub, metadata, 8)
                figures: dict[str, list[tuple[float, float]]] = {"direct": [], "runtime": []}
                for _ in range(rounds):
                    figures["direct"].append(await direct(client, model, tokens))
                    figures["runtime"].append(await through_runtime(stub, metadata, tokens))
        finally:
            await runtime.stop(0)
        rates = {path: statistics.median(r for _, r in runs) for path, runs in figures.items()}
        for path, runs in figures.items():
            print(f"{model:<22} {path:<8} {rates[path]:>7.1f} "
                  f"{statistics.median(f for f, _ in runs):>11.2f}s")
        print(f"{model:<22} runtime overhead {rates['direct'] / rates['runtime']:.3f}x "
              f"(target <= 1.05x)")
    print(f"model server resident memory: {server.process.rss_bytes() / 2**20:.0f} MiB "
          f"(last model loaded)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["smollm2-135m", "qwen2.5-coder-0.5b"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=128)
    args = parser.parse_args()
    asyncio.run(run(args.models, args.rounds, args.tokens))


if __name__ == "__main__":
    main()
