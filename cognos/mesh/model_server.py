"""The mesh's local model server: its models prepared, its process, its readiness, and what
the ai-runtime needs to reach it."""

from __future__ import annotations

import asyncio
import json
import pathlib
import urllib.request

from cognos.mesh.processes import ManagedProcess
from cognos.models.registry import DEFAULT_EMBEDDING_MODEL, model_named
from cognos.models.server import ServedModel, require_server, server_argv, write_config
from cognos.models.weights import Report, prepare

MODEL_SERVER = "model-server"


class ModelServer:
    """llama.cpp's OpenAI-compatible server for ``models``, the first being the default.

    Args:
        models: Registry names of the models it serves.
        port: Its port on 127.0.0.1.
        var_dir: The mesh's folder (weights joined under ``data/models``, its configuration
            under ``run/``, its log under ``log/``).
    """

    def __init__(self, models: tuple[str, ...], port: int, var_dir: pathlib.Path) -> None:
        if not models:
            raise ValueError("a model server needs at least one model")
        self.models = models
        self.port = port
        self._var_dir = var_dir
        self.process = ManagedProcess(name=MODEL_SERVER, argv=[],
                                      log_path=var_dir / "log" / f"{MODEL_SERVER}.log")

    @property
    def base_url(self) -> str:
        """Its OpenAI-compatible API."""
        return f"http://127.0.0.1:{self.port}/v1"

    def prepare(self, report: Report) -> None:
        """Install and verify every model's weights and write the server's configuration.

        Raises:
            WeightsError: The server is not installed, or a model's weights cannot be
                installed or are not the published file.
            RegistryError: A model is not in the registry.
        """
        require_server()
        models_dir = self._var_dir / "data" / "models"
        served = [ServedModel(spec, prepare(spec, models_dir, report))
                  for spec in map(model_named, self.models)]
        # The ai-runtime embeds with it from <data>/models/<name>, its default folder.
        prepare(model_named(DEFAULT_EMBEDDING_MODEL), models_dir, report)
        config = write_config(served, self.port, self._var_dir / "run" / f"{MODEL_SERVER}.json")
        self.process.argv = server_argv(config)

    def runtime_env(self) -> dict[str, str]:
        """The ai-runtime's settings that route every role to this server."""
        return {"COGNOS_AI_RUNTIME_DEFAULT_ROUTE": json.dumps(["local"]),
                "COGNOS_AI_RUNTIME_LOCAL_BASE_URL": self.base_url,
                "COGNOS_AI_RUNTIME_LOCAL_MODEL": self.models[0]}

    async def ready(self) -> bool:
        """Whether it answers its model list."""
        return await asyncio.to_thread(lists_models, self.base_url)

    def state(self) -> dict[str, object]:
        """Its entry in the mesh's state file."""
        return {"address": f"127.0.0.1:{self.port}", "base_url": self.base_url,
                "models": list(self.models), "pid": self.process.pid,
                "log": str(self.process.log_path)}


def lists_models(base_url: str, timeout: float = 2.0) -> bool:
    """Whether the model server at ``base_url`` answers its model list."""
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=timeout) as reply:
            return bool(reply.status == 200)
    except OSError:  # URLError and HTTPError among them
        return False
