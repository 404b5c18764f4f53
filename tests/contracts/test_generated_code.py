"""gen/ is exactly what the generator makes from proto/ (CI fails when it is stale)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_gen_is_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_protos.py"), "--check"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_code_is_not_mixed_with_hand_written_code() -> None:
    hand_written = [p for p in (ROOT / "gen").rglob("*.py")
                    if not p.name.endswith(("_pb2.py", "_pb2_grpc.py", "__init__.py"))]
    assert hand_written == []
    generated_elsewhere = [p for root in ("shared", "services", "cognos")
                           for p in (ROOT / root).rglob("*_pb2*.py")]
    assert generated_elsewhere == []
