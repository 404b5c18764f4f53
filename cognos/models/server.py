"""The local model server: llama-cpp-python's OpenAI-compatible server, as the mesh runs it.

One process serves every model of the mesh, each under its registry name; it loads the model a
request names (one at a time) and runs requests one after another, in the order they came
(a new request never interrupts a running one: the ai-runtime queues them).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import pathlib
import sys

from cognos.models.registry import ModelKind, ModelSpec, RegistryError
from cognos.models.weights import WeightsError

SERVER_MODULE = "llama_cpp.server"


@dataclasses.dataclass(frozen=True)
class ServedModel:
    """A model the server loads: its registry entry and its verified file.

    Raises:
        RegistryError: The model is not a chat model (an embedding model is the ai-runtime's).
    """

    spec: ModelSpec
    path: pathlib.Path

    def __post_init__(self) -> None:
        if self.spec.kind is not ModelKind.CHAT:
            raise RegistryError(f"{self.spec.name} is an {self.spec.kind} model; the model "
                                f"server serves chat models")


def require_server() -> None:
    """Check llama-cpp-python's server is installed.

    Raises:
        WeightsError: It is not (its one-time build did not run or failed).
    """
    if importlib.util.find_spec("llama_cpp") is None:
        raise WeightsError("the local model server (llama-cpp-python) is not installed",
                           "run the README's set-up command again (it builds llama.cpp once, "
                           "about 7 minutes), or use --offline")


def server_config(models: list[ServedModel], port: int, threads: int | None = None
                  ) -> dict[str, object]:
    """The server's configuration file (``--config_file``) for ``models`` on ``port``."""
    threads = threads or max(1, os.cpu_count() or 1)
    return {
        "host": "127.0.0.1",
        "port": port,
        "interrupt_requests": False,
        "models": [{
            "model": str(served.path),
            "model_alias": served.spec.name,
            "n_ctx": served.spec.context_size,
            "n_threads": threads,
            "n_threads_batch": threads,
            "verbose": False,
            **({"chat_format": served.spec.chat_format} if served.spec.chat_format else {}),
        } for served in models],
    }


def write_config(models: list[ServedModel], port: int, path: pathlib.Path) -> pathlib.Path:
    """Write the configuration for ``models`` to ``path``; returns it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(server_config(models, port), indent=2))
    return path


def server_argv(config: pathlib.Path) -> list[str]:
    """The command line of the server reading ``config``."""
    return [sys.executable, "-m", SERVER_MODULE, "--config_file", str(config)]
