"""The contracts: buf lint (STANDARD), buf format, buf breaking (FILE) against the previous
commit, and proof that buf breaking catches a removed field. All offline."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from cognos.mesh.processes import venv_binary

ROOT = pathlib.Path(__file__).resolve().parents[2]


def build_image(proto: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
    """Compile ``proto`` into a descriptor set (an image buf reads) under ``out``."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_protos.py"), "--proto",
                    str(proto), "--out", str(out)], check=True, capture_output=True)
    return out / "cognition" / "descriptor.binpb"


def buf(*args: str | pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([venv_binary("buf"), *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def head_image(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return build_image(ROOT / "proto", tmp_path_factory.mktemp("head"))


def test_buf_lint_standard_passes(head_image: pathlib.Path) -> None:
    result = buf("lint", head_image, "--path", "cognition")
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_format_is_clean() -> None:
    result = buf("format", "--diff", "--exit-code")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_breaking_change_against_the_previous_commit(head_image: pathlib.Path,
                                                        tmp_path: pathlib.Path) -> None:
    base_ref = os.environ.get("COGNOS_BUF_AGAINST", "HEAD~1")
    probe = subprocess.run(["git", "rev-parse", "--verify", "--quiet", base_ref], cwd=ROOT,
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"no {base_ref} to compare against (shallow clone or first commit)")
    archive = subprocess.run(["git", "archive", base_ref, "proto"], cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        pytest.skip(f"{base_ref} has no proto/ folder")
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive.stdout, check=True)
    base_image = build_image(tmp_path / "proto", tmp_path / "gen")
    result = buf("breaking", head_image, "--against", base_image, "--path", "cognition")
    assert result.returncode == 0, result.stdout + result.stderr


def test_removing_a_field_is_reported_as_breaking(head_image: pathlib.Path,
                                                  tmp_path: pathlib.Path) -> None:
    changed = tmp_path / "proto"
    shutil.copytree(ROOT / "proto", changed)
    goal = changed / "cognition" / "planner" / "v1" / "goal.proto"
    text, removed = re.subn(r"\n *string etag = 9[^\n]*\n", "\n", goal.read_text())
    assert removed == 1
    goal.write_text(text)
    changed_image = build_image(changed, tmp_path / "gen")
    result = buf("breaking", changed_image, "--against", head_image, "--path", "cognition",
                 "--error-format", "json")
    assert result.returncode == 100  # buf's exit code for "breaking changes found"
    assert '"type":"FIELD_NO_DELETE"' in result.stdout
    assert "etag" in result.stdout
