"""A command whose call to the mesh fails prints one line and exits non-zero, never a
traceback."""

from __future__ import annotations

import pathlib

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from typer.testing import CliRunner

from cognos.cli import app
from cognos.rpc_errors import describe


def test_a_command_whose_call_fails_prints_one_line_and_exits_non_zero(
        tmp_path: pathlib.Path) -> None:
    key_file = tmp_path / "run" / "bootstrap-admin.key"
    key_file.parent.mkdir()
    key_file.write_text("secret\n")
    absent = f"unix:{tmp_path / 'absent.sock'}"  # nothing listens: the call is UNAVAILABLE

    result = CliRunner().invoke(app, ["token", "--var", str(tmp_path), "--address", absent])

    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cognos: UNAVAILABLE: ")
    assert lines[0].endswith("is the mesh running (cognos status)?")
    assert "Traceback" not in result.output


def _error(code: grpc.StatusCode, message: str, *details: object) -> grpc.aio.AioRpcError:
    """A call's error as the server sent it: code, message and google.rpc.Status details."""
    status = status_pb2.Status(code=code.value[0], message=message)
    for detail in details:
        packed = any_pb2.Any()
        packed.Pack(detail)  # type: ignore[arg-type]
        status.details.append(packed)
    trailers = grpc.aio.Metadata(("grpc-status-details-bin", status.SerializeToString()))
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailers, details=message)


def test_an_error_is_described_by_its_code_reason_message_and_first_bad_fields() -> None:
    bad = error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=f"goal.labels[{i}]",
                                                    description="too long")
        for i in range(25)])
    info = error_details_pb2.ErrorInfo(reason="GOAL_INVALID", domain="planner.cognition")

    line = describe(_error(grpc.StatusCode.INVALID_ARGUMENT, "the goal\nis invalid", info, bad))

    assert line == ("INVALID_ARGUMENT (GOAL_INVALID): the goal is invalid [goal.labels[0]: too "
                    "long; goal.labels[1]: too long; goal.labels[2]: too long; and 22 more]")


def test_a_code_without_a_typed_error_keeps_its_own_name() -> None:
    assert describe(_error(grpc.StatusCode.CANCELLED, "stream cut")) == "CANCELLED: stream cut"
