"""Service boundaries, checked by import-linter: no service imports another service, and the
shared library and the CLI import none. A planted violation proves the check bites."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

from cognos.mesh.processes import venv_binary

ROOT = pathlib.Path(__file__).resolve().parents[2]


def lint_imports(root: pathlib.Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([venv_binary("lint-imports"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_project_keeps_its_boundaries() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_service_importing_another_service_fails_the_check(tmp_path: pathlib.Path) -> None:
    for folder in ("shared", "services", "cognos"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "services" / "memory" / "leak.py").write_text(
        '"""Reads another service\'s table directly: forbidden."""\n\n'
        "from services.audit_log import repository  # noqa: F401\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "services.memory.leak -> services.audit_log.repository" in result.stdout
