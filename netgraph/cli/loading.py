"""The net a command works on: a YAML spec (``netgraph.spec.load``) or an ONNX model (``.onnx``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from netgraph.cli.header import model_header, spec_header
from netgraph.core.layer_surgery import as_net
from netgraph.export import import_onnx
from netgraph.export.deps import require
from netgraph.export.importer import import_model
from netgraph.export.onnx_files import read_model
from netgraph.spec import load

__all__ = ["default_output", "load_net", "load_with_header"]


def load_net(path: str | Path) -> Any:
    """``import_onnx(path)`` for a ``.onnx`` file, else the spec read by ``netgraph.spec.load`` (a layer alone: the
    net of it alone, which every command takes)."""
    return import_onnx(path) if Path(path).suffix.lower() == ".onnx" else as_net(load(path))


def load_with_header(path: str | Path) -> tuple[Any, str | None, str | None]:
    """``load_net(path)`` with the file's ``name`` and ``description`` (``spec_header``); an ONNX model is read
    once for both (``spec_header`` after ``import_onnx`` read it twice)."""
    if Path(path).suffix.lower() != ".onnx":
        return as_net(load(path)), *spec_header(path)  # the loader first: it reports a broken spec with file:line:col
    model = read_model(require("onnx"), os.fsdecode(path))
    return import_model(model, os.fsdecode(path)), *model_header(model)


def default_output(spec: str | Path, suffix: str) -> str:
    """``<spec name><suffix>``, a command's default output here. A path that names no file ('', '.', '/') gives
    'net': reading the spec then says what it is (Path.with_suffix raised a ValueError, a traceback, on them).

    >>> default_output("specs/vae.yaml", ".svg"), default_output(".", ".onnx"), default_output("", ".svg")
    ('vae.svg', 'net.onnx', 'net.svg')
    """
    name = Path(spec).name
    return Path(name if name not in ("", "..") else "net").with_suffix(suffix).name
