"""How a command reports a failed call to the mesh, or local model weights it cannot use: one
line on stderr and exit code 1, never a traceback."""

from __future__ import annotations

from typing import Any

import grpc
import typer
from typer.core import TyperGroup

from cognos.models.registry import RegistryError
from cognos.models.weights import WeightsError
from shared.errors import InvalidArgument
from shared.rpc.status import from_rpc_error

EXIT_RPC_FAILED = 1
MAX_FIELDS_SHOWN = 3
# What a user can do about the codes a command most often meets.
HINTS = {
    grpc.StatusCode.UNAVAILABLE: "is the mesh running (cognos status)?",
    grpc.StatusCode.UNAUTHENTICATED: "the credential was refused",
    grpc.StatusCode.DEADLINE_EXCEEDED: "the mesh did not answer in time",
}


def describe(error: grpc.RpcError) -> str:
    """``error`` as one line: its code, reason, message, the first bad fields and a hint."""
    typed = from_rpc_error(error)
    status = error.code() if callable(getattr(error, "code", None)) else typed.code
    code = status.name
    line = code if typed.reason in ("", code, typed.default_reason) else f"{code} ({typed.reason})"
    if typed.message:
        line += f": {typed.message}"
    if isinstance(typed, InvalidArgument) and typed.violations:
        shown = [f"{v.field}: {v.description}" for v in typed.violations[:MAX_FIELDS_SHOWN]]
        more = len(typed.violations) - len(shown)
        line += f" [{'; '.join(shown)}{f'; and {more} more' if more else ''}]"
    if hint := HINTS.get(status):
        line += f"; {hint}"
    return " ".join(line.split())


class RpcErrorReportingGroup(TyperGroup):
    """The command group of `cognos`: any command's failed call to the mesh ends the command
    with :func:`describe`'s line on stderr and exit code 1; so do local model weights that are
    missing or not the published file (what is wrong, and what to do)."""

    def invoke(self, ctx: Any) -> Any:  # typer's own click.Context
        try:
            return super().invoke(ctx)
        except grpc.RpcError as error:
            typer.echo(f"cognos: {describe(error)}", err=True)
            raise typer.Exit(EXIT_RPC_FAILED) from None
        except WeightsError as error:
            typer.echo(f"cognos: {error.message} (hint: {error.hint})", err=True)
            raise typer.Exit(EXIT_RPC_FAILED) from None
        except RegistryError as error:
            typer.echo(f"cognos: {error}", err=True)
            raise typer.Exit(EXIT_RPC_FAILED) from None
