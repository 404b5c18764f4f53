"""Service boundaries and the layout of a service, checked by import-linter (the contracts in
pyproject.toml). Each contract is shown to bite by a violation planted in a copy of the code."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

from cognos.mesh.processes import venv_binary

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"

# Every service is laid out the same way: these modules and packages, and nothing else at its
# top level, so each module falls under the contracts written for its kind.
LAYOUT = {"__init__.py", "__main__.py", "config.py", "server.py", "servicer.py", "convert.py",
          "core", "peers", "repository.py", "migrations"}
# Modules a service holds beside the layout, each with the reason it is its own module.
EXTRA_MODULES = {
    "auth": {"key_directory.py"},  # the signing keys, stored as files: a second store
    "agent_orchestrator": {"agent_host.py"},  # the built-in agents' background worker
    "memory": {"vector_index.py"},  # the vectors, stored in Milvus: a second store
    # The code sandbox, the SSRF-guarded HTTP client and the MCP adapters: the outside world
    # the tools reach, each its own package.
    "tool_runner": {"sandbox", "web", "mcp"},
}


def lint_imports(root: pathlib.Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([venv_binary("lint-imports"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def copy_of_the_code(into: pathlib.Path) -> pathlib.Path:
    for folder in ("shared", "services", "cognos"):
        shutil.copytree(ROOT / folder, into / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", into / "pyproject.toml")
    return into


def test_the_project_keeps_its_boundaries() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_service_has_the_one_layout() -> None:
    for service in sorted(p for p in SERVICES.iterdir() if (p / "__init__.py").exists()):
        entries = {p.name for p in service.iterdir() if p.name != "__pycache__"}
        unexpected = entries - LAYOUT - EXTRA_MODULES.get(service.name, set())
        assert not unexpected, f"{service.name} holds {sorted(unexpected)} outside the layout"
        for required in ("__main__.py", "config.py", "server.py", "servicer.py", "core"):
            assert required in entries, f"{service.name} has no {required}"


def test_a_service_importing_another_service_fails_the_check(tmp_path: pathlib.Path) -> None:
    root = copy_of_the_code(tmp_path)
    (root / "services" / "memory" / "leak.py").write_text(
        '"""Reads another service\'s table directly: forbidden."""\n\n'
        "from services.audit_log import repository  # noqa: F401\n")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "services.memory.leak -> services.audit_log.repository" in result.stdout


@pytest.mark.parametrize(("module", "planted", "reported"), [
    ("core/models.py", "import grpc", "services.memory.core is not allowed to import grpc"),
    ("core/models.py", "from google.protobuf import struct_pb2",
     "services.memory.core is not allowed to import google"),
    ("core/models.py", "from services.memory import repository",
     "services.memory.core is not allowed to import services.memory.repository"),
    ("core/models.py", "from shared.database import Repository",
     "services.memory.core is not allowed to import shared.database"),
    ("servicer.py", "import sqlalchemy",
     "services.memory.servicer is not allowed to import sqlalchemy"),
    ("repository.py", "from shared.mesh.client import ServiceClient",
     "services.memory.repository is not allowed to import shared.mesh.client"),
], ids=["core-grpc", "core-protobuf", "core-repository", "core-database", "servicer-sql",
        "repository-calls-a-peer"])
def test_a_planted_layering_violation_fails_the_check(tmp_path: pathlib.Path, module: str,
                                                     planted: str, reported: str) -> None:
    root = copy_of_the_code(tmp_path)
    target = root / "services" / "memory" / module
    target.write_text(target.read_text() + f"\n{planted}  # noqa: E402, F401\n")
    result = lint_imports(root)
    assert result.returncode != 0
    assert reported in " ".join(result.stdout.split()), result.stdout
